// Suite "core/training": Model::save_weights (core/training/model_weights.cpp) given a name
// that belongs to another format: refused before anything is written, naming the function that
// writes that format, as Keras 3 refuses it.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <tenet/tenet.hpp>

#include "support/test_util.hpp"

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::check_invalid_option;
using tenet::testing::mentions;
namespace fs = std::filesystem;

namespace {

Model tiny() {
  auto in = Input({4});
  return Model(in, Dense(3, {.seed = 1})(in));
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_SUITE("core/training") {

TEST_CASE("save_weights refuses a .keras or .json name, and leaves such a file as it was") {
  const tenet::testing::TempDir dir;
  Model m = tiny();
  for (const std::string name : {"model.keras", "model.json", "Model.KERAS"}) {
    CAPTURE(name);
    const fs::path path = dir.path / name;
    std::ofstream(path) << "the user's own model file";  // old: replaced by an HDF5 file
    const ContractError e = capture([&] { m.save_weights(path.string()); });
    check_invalid_option(e, "save_weights path", "\"" + path.string() + "\"",
                         "a weights file name, such as model.weights.h5");
    CHECK(mentions(e, "keras::save_model(model, path)"));
    CHECK(mentions(e, "Keras 3's save_weights refuses it too"));
    CHECK(read(path) == "the user's own model file");
  }
  // The weights' own names still save.
  m.save_weights((dir.path / "a.weights.h5").string());
  m.save_weights((dir.path / "b.h5").string());
  CHECK(fs::exists(dir.path / "b.h5"));
}

}  // TEST_SUITE
