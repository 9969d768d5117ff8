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
using tenet::testing::has;
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

TEST_CASE("hostile api: a negative moving_variance is refused by set_weights, save_weights and load_weights") {
  // Accepted by all three before, and predict gave NaN (sqrt of a negative variance + epsilon).
  TempDir dir;
  clear_session();
  auto build = [] {
    auto in = Input({2});
    return Model(in, Dense(2, {.seed = 1})(BatchNorm({.name = "bn"})(in)));
  };
  Model a = build();
  Layer bn = a.get_layer("bn");
  const std::vector<Tensor> before = clones(bn.weights());
  // set_weights: two negative values, the first -4 at flat index 0.
  ContractError e = capture([&] {
    bn.set_weights({Tensor::ones({2}), Tensor::zeros({2}), Tensor::zeros({2}),
                    Tensor::from_vector(std::vector<float>{-4.0f, -1.0f}, {2})});
  });
  CHECK(e.code() == "options.invalid");
  CHECK(e.site().name == "bn");
  CHECK(e.info().summary == "set_weights of 'bn': moving_variance is given 2 values below -0.001");
  CHECK(e.expected() == "values >= -0.001 in moving_variance (2,)");  // -epsilon: still computes
  CHECK(e.actual() == "-4 at flat index 0 (2 of 2 values are below -0.001)");
  CHECK(has(e.cause(), "sqrt(moving_variance + epsilon)"));
  CHECK(has(e.fix(), "gamma, beta, moving_mean, moving_variance"));
  CHECK(bitwise_equal(before, bn.weights()));  // nothing changed
  // save_weights: written into the tensor directly, refused before the file is touched.
  const std::string path = dir.file("bn.weights.h5");
  a.save_weights(path);
  bn.weights()[3].data<float>()[1] = -0.5f;
  e = capture([&] { a.save_weights(path); });
  CHECK(e.code() == "options.invalid");
  CHECK(e.info().summary == "save_weights: 'moving_variance' of 'bn' holds 1 value below -0.001");
  CHECK(e.actual() == "-0.5 at flat index 1 (1 of 2 values are below -0.001)");
  CHECK(has(e.fix(), path + " was left as it was"));
  bn.weights()[3].data<float>()[1] = 1.0f;
  // load_weights: a file whose moving_variance was changed (a flipped sign bit: Keras's files
  // have no checksum) is data.format naming the layer, the variable, the count, the first value.
  a.save_weights(path);
  hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  REQUIRE(f >= 0);
  hid_t set = H5Dopen2(f, "layers/batch_normalization/vars/3", H5P_DEFAULT);
  REQUIRE(set >= 0);
  const float negative[2] = {2.0f, -3.0f};
  CHECK(H5Dwrite(set, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, negative) >= 0);
  H5Dclose(set);
  H5Fclose(f);
  Model b = build();
  const std::vector<Tensor> fresh = clones(b.weights());
  e = capture([&] { b.load_weights(path); });
  CHECK(e.code() == "data.format");
  CHECK(has(e.info().summary,
            "layers/batch_normalization/vars/3 (moving_variance of layer 'bn') holds values below -0.001"));
  CHECK(e.expected() == "finite values >= -0.001 (float32 (2,))");
  CHECK(e.actual() == "-3 at flat index 1 (1 of 2 values are below -0.001)");
  CHECK(has(e.cause(), "no training makes moving_variance below -0.001"));
  CHECK(bitwise_equal(fresh, b.weights()));
}

TEST_CASE("hostile api: a moving_variance negative only by rounding is taken by all three") {
  // E[x^2] - E[x]^2 rounds to tiny negatives for a constant feature (Keras's torch backend
  // trains such values); only values below -epsilon make sqrt(variance + epsilon) NaN.
  TempDir dir;
  clear_session();
  auto in = Input({2});
  BatchNorm bn({.name = "bn"});
  Model a(in, Dense(2, {.seed = 1})(bn(in)));
  bn.set_weights({Tensor::ones({2}), Tensor::zeros({2}), Tensor::zeros({2}),
                  Tensor::from_vector(std::vector<float>{-1e-7f, 1.0f}, {2})});
  const std::string path = dir.file("tiny.weights.h5");
  a.save_weights(path);
  CHECK_NOTHROW((void)a.load_weights(path));
  CHECK(std::isfinite(a.predict(Tensor::ones({1, 2})).at({0, 0})));
}

}  // TEST_SUITE
