// Suite "data", part 3: damaged and hostile files are refused with data.format naming
// the file (never a crash), a missing file is an IOError, and the model stays unchanged.
#include <doctest/doctest.h>

#if __has_include(<hdf5.h>)
#include <hdf5.h>
#else
#include <hdf5/serial/hdf5.h>
#endif

#include <filesystem>
#include <fstream>
#include <iterator>

#include <tenet/tenet.hpp>

#include "support/test_checkpoint_util.hpp"

using namespace tenet;
using namespace ckpt;
namespace fs = std::filesystem;

TEST_SUITE("data") {

TEST_CASE("corrupt files raise data.format naming the file; a missing one IOError") {
  TempDir dir;
  clear_session();
  Model m = mlp({4}, 3);
  const auto before = clones(m.weights());
  m.save_weights(dir.file("good.weights.h5"));
  const auto size = fs::file_size(dir.file("good.weights.h5"));
  { std::ofstream(dir.file("text.weights.h5")) << "not a checkpoint\n"; }
  { std::ofstream(dir.file("empty.weights.h5")); }
  fs::copy_file(dir.file("good.weights.h5"), dir.file("cut.weights.h5"));
  fs::resize_file(dir.file("cut.weights.h5"), size / 2);
  data::save_h5(dir.file("data.h5"), {{"x", Tensor::zeros({2, 3})}});
  for (const char* name : {"text.weights.h5", "empty.weights.h5", "cut.weights.h5", "data.h5"}) {
    CAPTURE(name);
    ContractError e = capture([&] { m.load_weights(dir.file(name)); });
    CHECK(e.code() == "data.format");
    CHECK(e.phase() == Phase::load);
    CHECK(std::string(e.what()).find(dir.file(name)) != std::string::npos);
  }
  CHECK(std::string(capture([&] { m.load_weights(dir.file("empty.weights.h5")); }).what())
            .find("empty") != std::string::npos);
  CHECK(std::string(capture([&] { m.load_weights(dir.file("data.h5")); }).what())
            .find("no 'layers' group") != std::string::npos);
  CHECK_THROWS_AS(m.load_weights(dir.file("absent.weights.h5")), IOError);
  CHECK(bitwise_equal(before, m.weights()));
}

TEST_CASE("damaged bytes anywhere: a ContractError or a clean load, never a crash") {
  TempDir dir;
  clear_session();
  Model m = mlp({4}, 3);
  m.save_weights(dir.file("good.weights.h5"));
  std::string bytes;
  {
    std::ifstream in(dir.file("good.weights.h5"), std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  int refused = 0, loaded = 0;
  for (std::size_t at = 0; at + 8 < bytes.size(); at += bytes.size() / 97 + 1) {
    std::string bad = bytes;
    for (std::size_t i = at; i < at + 8; ++i) bad[i] = static_cast<char>(~bad[i]);
    { std::ofstream(dir.file("bad.weights.h5"), std::ios::binary) << bad; }
    try {
      m.load_weights(dir.file("bad.weights.h5"));
      ++loaded;
    } catch (const ContractError& e) {
      CHECK((e.code() == "data.format" || e.code() == "checkpoint.mismatch"));
      ++refused;
    }
  }
  MESSAGE("damaged files: " << refused << " refused, " << loaded << " loaded (damage in data)");
  CHECK(refused > 0);
}

TEST_CASE("soft links are refused: links are never followed") {
  TempDir dir;
  clear_session();
  Model m = mlp({4}, 3);
  m.save_weights(dir.file("l.weights.h5"));
  hid_t f = H5Fopen(dir.file("l.weights.h5").c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  REQUIRE(f >= 0);
  H5Ldelete(f, "layers/dense_1/vars/1", H5P_DEFAULT);
  H5Lcreate_soft("/layers/dense/vars/1", f, "layers/dense_1/vars/1", H5P_DEFAULT, H5P_DEFAULT);
  H5Fclose(f);
  ContractError e = capture([&] { m.load_weights(dir.file("l.weights.h5")); });
  CHECK(e.code() == "data.format");
  CHECK(std::string(e.what()).find("'layers/dense_1/vars/1' is a soft link") != std::string::npos);
}

TEST_CASE("load_weights given a Keras model file says so and points to keras::load_model") {
  tenet::testing::TempDir dir;
  Sequential m({Input({4}), Dense(2)});
  const std::string archive = dir.file("model.keras"), json = dir.file("model.json");
  keras::save_model(m, archive);
  keras::save_model(m, json);
  auto e = tenet::testing::capture([&] { m.load_weights(archive); });
  CHECK(e.code() == "data.format");
  CHECK(tenet::testing::mentions(e, "the file is a zip archive, as a .keras model file is"));
  CHECK(tenet::testing::mentions(e, "keras::load_model(path)"));  // old: "of another format"
  e = tenet::testing::capture([&] { m.load_weights(json); });
  CHECK(tenet::testing::mentions(e, "the file is JSON text, as a Keras architecture is"));
}

}  // TEST_SUITE
