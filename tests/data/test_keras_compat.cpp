// The .keras directions driven by scripts/keras_compat.py (environment variable
// TENET_KERAS_ARCHIVE_DIR, a directory of NAME.keras and NAME.io.h5 written by Keras): tenet
// loads each archive and must predict what Keras predicted, then writes NAME.tenet.keras and
// NAME.tenet.io.h5 (inputs and tenet's predictions) for the script to load in Keras.
#include <doctest/doctest.h>

#include <cstdlib>

#include "support/keras_fixtures.hpp"
#include "support/test_util.hpp"

using namespace tenet;
namespace kf = tenet::keras_fixtures;

TEST_CASE("keras compat: archives written by Keras load, predict and are written back") {
  const char* dir = std::getenv("TENET_KERAS_ARCHIVE_DIR");
  if (!dir) {
    MESSAGE("skipped: set TENET_KERAS_ARCHIVE_DIR (scripts/keras_compat.py keras-archives)");
    return;
  }
  for (const char* name :
       {"branch_swap", "branch_multi", "all_layers", "sequential", "class_metrics"}) {
    const std::string shown = name;
    CAPTURE(shown);
    const std::string base = std::string(dir) + "/" + name;
    Model m = keras::load_model(base + ".keras");
    auto arrays = data::load_h5(base + ".io.h5");
    std::vector<Tensor> x;
    data::NamedArrays out;
    for (int i = 0; arrays.count("x" + std::to_string(i)); ++i) {
      x.push_back(arrays.at("x" + std::to_string(i)));
      out.emplace_back("x" + std::to_string(i), x.back());
    }
    Tensor pred = m.predict(x);
    const double diff = kf::max_diff(pred, arrays.at("pred"));
    MESSAGE(std::string(name) << ": max |tenet - keras| = " << diff);
    CHECK(diff < 1e-5);
    keras::save_model(m, base + ".tenet.keras");
    out.emplace_back("pred", pred);
    data::save_h5(base + ".tenet.io.h5", out);
  }
}
