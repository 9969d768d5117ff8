// Suite "data": the tests of checkpoint.
#include <doctest/doctest.h>

#if __has_include(<hdf5.h>)
#include <hdf5.h>
#else
#include <hdf5/serial/hdf5.h>
#endif

#include <unistd.h>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <cmath>
#include <limits>

#include <tenet/tenet.hpp>

#include "support/test_checkpoint_util.hpp"
#include "support/test_contracts_util.hpp"
#include "support/run_contracts_util.hpp"

using namespace tenet;
namespace fs = std::filesystem;
using namespace ckpt;
using contracts_test::at;
using contracts_test::capture;
using contracts_test::has;
using tenet::testing::temp_file;

namespace ckpt {

// The compatibility stack (scripts/keras_compat.py builds the same one in Keras).
Model compat_model(Layer* image_conv) {
  auto image = Input({28, 28, 1}, {.name = "image"});
  auto thumb = Input({14, 14, 1}, {.name = "thumb"});
  Conv2D c1(8, {3, 3}, {.padding = Padding::same, .activation = Activation::relu});
  auto x = MaxPool2D({2, 2})(c1(image));
  auto t = Conv2D(8, {3, 3}, {.padding = Padding::same, .activation = Activation::relu})(thumb);
  auto z = Flatten()(BatchNorm()(Concatenate()({x, t})));
  z = Dense(16, {.activation = Activation::relu})(z);
  if (image_conv) *image_conv = c1;
  return Model({image, thumb}, Dense(10)(z), "compat");
}

CompatData compat_data(std::int64_t n, std::uint64_t seed) {
  CompatData d;
  d.image = Tensor::uniform({n, 28, 28, 1}, seed);
  d.thumb = Tensor::uniform({n, 14, 14, 1}, seed + 1);
  d.labels = Tensor::uniform({n}, seed + 2, 0.0, 9.99).astype(DType::i32);
  return d;
}

void compile_adam(Model& m) {
  m.compile({.optimizer = Adam({.learning_rate = 0.01}),
             .loss = SparseCategoricalCrossentropy({.from_logits = true})});
}

Model mlp(std::vector<std::int64_t> hidden, std::int64_t out, bool bias) {
  auto x = Input({6});
  SymbolicTensor z = x;
  for (auto h : hidden) z = Dense(h, {.activation = Activation::relu})(z);
  return Model(x, Dense(out, {.use_bias = bias})(z), "mlp");
}

}  // namespace ckpt

namespace {

// Dataset `name` of an open file: its shape and whether it is little-endian float32.
struct SetInfo {
  std::vector<hsize_t> dims;
  bool f32 = false, i64 = false, exists = false;
};
SetInfo set_info(hid_t file, const std::string& name) {
  SetInfo s;
  if (H5Lexists(file, name.c_str(), H5P_DEFAULT) <= 0) return s;
  hid_t d = H5Dopen2(file, name.c_str(), H5P_DEFAULT);
  if (d < 0) return s;
  s.exists = true;
  hid_t t = H5Dget_type(d), sp = H5Dget_space(d);
  s.f32 = H5Tequal(t, H5T_IEEE_F32LE) > 0;
  s.i64 = H5Tequal(t, H5T_STD_I64LE) > 0;
  s.dims.resize(static_cast<std::size_t>(H5Sget_simple_extent_ndims(sp)));
  H5Sget_simple_extent_dims(sp, s.dims.data(), nullptr);
  H5Sclose(sp);
  H5Tclose(t);
  H5Dclose(d);
  return s;
}

// Names directly in group `g`, in the file's (alphabetical) order.
std::vector<std::string> members(hid_t file, const std::string& g) {
  std::vector<std::string> out;
  H5Literate_by_name(file, g.c_str(), H5_INDEX_NAME, H5_ITER_INC, nullptr,
                     [](hid_t, const char* name, const H5L_info_t*, void* v) -> herr_t {
                       static_cast<std::vector<std::string>*>(v)->emplace_back(name);
                       return 0;
                     }, &out, H5P_DEFAULT);
  return out;
}

std::string string_attr(hid_t file, const std::string& obj, const char* key) {
  hid_t a = H5Aopen_by_name(file, obj.c_str(), key, H5P_DEFAULT, H5P_DEFAULT);
  if (a < 0) return "<missing>";
  hid_t type = H5Aget_type(a);
  hid_t mem = H5Tcopy(H5T_C_S1);
  H5Tset_cset(mem, H5T_CSET_UTF8);
  std::string out = "<unreadable>";
  if (H5Tis_variable_str(type) > 0) {  // Keras's own attributes ("name"), as h5py writes them
    H5Tset_size(mem, H5T_VARIABLE);
    char* p = nullptr;
    if (H5Aread(a, mem, &p) >= 0 && p) out = p;
    if (p) H5free_memory(p);
  } else {  // tenet's (fixed-length, under the object header's checksum)
    std::string buf(H5Tget_size(type) + 1, '\0');
    H5Tset_size(mem, buf.size());
    if (H5Aread(a, mem, buf.data()) >= 0) out = buf.c_str();
  }
  H5Tclose(mem);
  H5Tclose(type);
  H5Aclose(a);
  return out;
}

}  // namespace

TEST_SUITE("data") {

TEST_CASE("round trip: a fresh model predicts identically after load_weights") {
  TempDir dir;
  clear_session();
  set_random_seed(1);
  Model a = compat_model();
  compile_adam(a);
  CompatData d = compat_data(48, 5);
  a.fit({d.image, d.thumb}, d.labels, {.epochs = 1, .batch_size = 16, .verbose = 0});
  const Tensor expected = a.predict({d.image, d.thumb});
  a.save_weights(dir.file("m.weights.h5"));

  clear_session();
  set_random_seed(2);
  Model b = compat_model();
  CHECK_FALSE(bitwise_equal(a.weights(), b.weights()));
  CHECK_FALSE(array_equal(expected, b.predict({d.image, d.thumb})));
  const auto skipped = b.load_weights(dir.file("m.weights.h5"));
  CHECK(skipped.empty());
  CHECK(bitwise_equal(a.weights(), b.weights()));  // moving statistics included
  CHECK(array_equal(expected, b.predict({d.image, d.thumb})));
}

// The optimizer's variables in the file of "layout: Keras 3 .weights.h5 ...".
void check_optimizer_layout(hid_t f) {
  using Dims = std::vector<hsize_t>;
  // Optimizer: iteration (int64 scalar), learning_rate (float32 scalar), then per trainable
  // variable its momentum and velocity: 2 + 2 * 10.
  CHECK(members(f, "optimizer/vars").size() == 22);
  CHECK(set_info(f, "optimizer/vars/0").i64);
  CHECK(set_info(f, "optimizer/vars/0").dims.empty());
  CHECK(set_info(f, "optimizer/vars/1").f32);
  CHECK(set_info(f, "optimizer/vars/2").dims == Dims{3, 3, 1, 8});
  CHECK(set_info(f, "optimizer/vars/3").dims == Dims{3, 3, 1, 8});
  CHECK(set_info(f, "optimizer/vars/4").dims == Dims{8});
  CHECK(set_info(f, "optimizer/vars/18").dims == Dims{16, 10});
  CHECK(string_attr(f, "optimizer/vars", "name") == "adam");
}

TEST_CASE("layout: Keras 3 .weights.h5 groups, datasets, shapes and dtypes") {
  TempDir dir;
  clear_session();
  Layer image_conv;
  Model m = compat_model(&image_conv);
  compile_adam(m);
  CompatData d = compat_data(8, 3);
  m.train_on_batch({d.image, d.thumb}, d.labels);
  m.save_weights(dir.file("k.weights.h5"));

  hid_t f = H5Fopen(dir.file("k.weights.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(f >= 0);
  CHECK(members(f, "/") == std::vector<std::string>{"layers", "optimizer", "vars"});
  CHECK(members(f, "layers") ==
        std::vector<std::string>{"batch_normalization", "concatenate", "conv2d", "conv2d_1",
                                 "dense", "dense_1", "flatten", "input_layer", "input_layer_1",
                                 "max_pooling2d"});
  for (const char* empty : {"concatenate", "flatten", "input_layer", "input_layer_1", "max_pooling2d"}) {
    CAPTURE(empty);
    CHECK(members(f, std::string("layers/") + empty) == std::vector<std::string>{"vars"});
    CHECK(members(f, std::string("layers/") + empty + "/vars").empty());
  }
  using Dims = std::vector<hsize_t>;
  const std::vector<std::pair<std::string, Dims>> vars = {
      {"conv2d/vars/0", {3, 3, 1, 8}}, {"conv2d/vars/1", {8}},
      {"conv2d_1/vars/0", {3, 3, 1, 8}}, {"conv2d_1/vars/1", {8}},
      {"batch_normalization/vars/0", {16}}, {"batch_normalization/vars/1", {16}},
      {"batch_normalization/vars/2", {16}}, {"batch_normalization/vars/3", {16}},
      {"dense/vars/0", {3136, 16}}, {"dense/vars/1", {16}},
      {"dense_1/vars/0", {16, 10}}, {"dense_1/vars/1", {10}}};
  for (const auto& [name, dims] : vars) {
    CAPTURE(name);
    SetInfo s = set_info(f, "layers/" + name);
    CHECK(s.exists);
    CHECK(s.f32);
    CHECK(s.dims == dims);
  }
  CHECK(members(f, "layers/dense/vars") == std::vector<std::string>{"0", "1"});
  CHECK(members(f, "layers/batch_normalization/vars").size() == 4);
  // conv2d is the first Conv2D of the graph (the image branch), not the one named so.
  std::vector<float> k(72);
  hid_t ds = H5Dopen2(f, "layers/conv2d/vars/0", H5P_DEFAULT);
  H5Dread(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, k.data());
  H5Dclose(ds);
  CHECK(array_equal(Tensor::from_vector(k, {3, 3, 1, 8}), image_conv.weights()[0]));
  check_optimizer_layout(f);
  CHECK(string_attr(f, "vars", "name") == "compat");
  CHECK(string_attr(f, "layers/dense_1/vars", "name") == m.layers().back().name());
  CHECK(string_attr(f, "/", "tenet_version") == std::string(TENET_VERSION_STRING));
  CHECK(string_attr(f, "/", "model_name") == "compat");
  H5Fclose(f);
}

TEST_CASE("mismatch: different units, every difference listed, model unchanged") {
  TempDir dir;
  clear_session();
  mlp({8}, 3).save_weights(dir.file("a.weights.h5"));
  Model b = mlp({5}, 3);
  const auto before = clones(b.weights());
  ContractError e = capture([&] { b.load_weights(dir.file("a.weights.h5")); });
  CHECK(e.code() == "checkpoint.mismatch");
  CHECK(e.phase() == Phase::load);
  const std::string msg = e.cause();  // unwrapped: what() breaks long lines
  CHECK(msg.find("layers/dense (your layer 'dense_2'): file has vars/0 (6, 8), model has kernel (6, 5)") != std::string::npos);
  CHECK(msg.find("layers/dense (your layer 'dense_2'): file has vars/1 (8,), model has bias (5,)") != std::string::npos);
  CHECK(msg.find("layers/dense_1 (your layer 'dense_3'): file has vars/0 (8, 3), model has kernel (5, 3)") != std::string::npos);
  CHECK(msg.find("3 places") != std::string::npos);
  CHECK(e.fix().find("skip_mismatch") != std::string::npos);
  CHECK(bitwise_equal(before, b.weights()));
}

TEST_CASE("mismatch: a layer missing in the file, a layer only in the file") {
  TempDir dir;
  clear_session();
  Model small = mlp({8}, 3), big = mlp({8, 8}, 3);
  small.save_weights(dir.file("small.weights.h5"));
  big.save_weights(dir.file("big.weights.h5"));
  const auto before = clones(big.weights());
  std::string msg = capture([&] { big.load_weights(dir.file("small.weights.h5")); }).cause();
  CHECK(msg.find("layers/dense_1 (your layer 'dense_3'): file has vars/0 (8, 3), model has kernel (8, 8)") != std::string::npos);
  CHECK(msg.find("layers/dense_2: missing in the file; model has") != std::string::npos);
  CHECK(bitwise_equal(before, big.weights()));
  const auto small_before = clones(small.weights());
  msg = capture([&] { small.load_weights(dir.file("big.weights.h5")); }).what();
  CHECK(msg.find("layers/dense_1: file has vars/0 (8, 8), model has kernel (8, 3)") != std::string::npos);
  CHECK(msg.find("layers/dense_2: in the file only (vars/0 (8, 3), vars/1 (3,))") != std::string::npos);
  CHECK(bitwise_equal(small_before, small.weights()));
}

TEST_CASE("mismatch: wrong variable count and dtype") {
  TempDir dir;
  clear_session();
  mlp({4}, 3, /*bias=*/false).save_weights(dir.file("nobias.weights.h5"));
  Model m = mlp({4}, 3);
  const auto before = clones(m.weights());
  std::string msg = capture([&] { m.load_weights(dir.file("nobias.weights.h5")); }).cause();
  CHECK(msg.find("layers/dense_1 (your layer 'dense_3'): file has 1 variable (vars/0 (4, 3)), model has 2 (kernel (4, 3), bias (3,))") !=
        std::string::npos);
  // A hand-made file: float64 variables with the right shapes are a difference too.
  data::save_h5(dir.file("f64.weights.h5"),
                {{"layers/dense/vars/0", Tensor::zeros({6, 4}, DType::f64)},
                 {"layers/dense/vars/1", Tensor::zeros({4})},
                 {"layers/dense_1/vars/0", Tensor::zeros({4, 3})},
                 {"layers/dense_1/vars/1", Tensor::zeros({3})}});
  msg = capture([&] { m.load_weights(dir.file("f64.weights.h5")); }).cause();
  CHECK(msg.find("layers/dense (your layer 'dense_2'): file has vars/0 (6, 4) float64, model has kernel (6, 4) float32") !=
        std::string::npos);
  CHECK(msg.find("1 place:") != std::string::npos);
  CHECK(bitwise_equal(before, m.weights()));
}

TEST_CASE("skip_mismatch loads what fits and returns what it skipped") {
  TempDir dir;
  clear_session();
  Model a = mlp({8}, 3);
  a.save_weights(dir.file("a.weights.h5"));
  Model b = mlp({8}, 4);
  const auto b_last = clones(b.layers().back().weights());
  const auto skipped = b.load_weights(dir.file("a.weights.h5"), {.skip_mismatch = true});
  REQUIRE(skipped.size() == 2);
  CHECK(skipped[0] == "layers/dense_1 (your layer 'dense_3'): file has vars/0 (8, 3), model has kernel (8, 4)");
  CHECK(skipped[1] == "layers/dense_1 (your layer 'dense_3'): file has vars/1 (3,), model has bias (4,)");
  CHECK(bitwise_equal(a.layers()[1].weights(), b.layers()[1].weights()));  // dense loaded
  CHECK(bitwise_equal(b_last, b.layers().back().weights()));               // dense_1 kept
}

TEST_CASE("atomic save: a failure before the rename keeps the previous checkpoint") {
  TempDir dir;
  clear_session();
  Model a = mlp({4}, 3), b = mlp({4}, 3);
  const std::string path = dir.file("m.weights.h5");
  a.save_weights(path);
  ::setenv("TENET_TEST_FAIL_BEFORE_RENAME", "1", 1);
  bool raised = false;
  try {
    b.save_weights(path);
  } catch (const IOError& e) {
    raised = true;
    CHECK(std::string(e.what()).find(path) != std::string::npos);
  }
  ::unsetenv("TENET_TEST_FAIL_BEFORE_RENAME");
  CHECK(raised);
  CHECK(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()) == 1);
  Model c = mlp({4}, 3);
  c.load_weights(path);
  CHECK(bitwise_equal(a.weights(), c.weights()));
  CHECK_FALSE(bitwise_equal(b.weights(), c.weights()));
  // A directory that does not exist: IOError naming the path, nothing created.
  const std::string bad = dir.file("no/such/dir.weights.h5");
  CHECK_THROWS_WITH_AS(a.save_weights(bad), doctest::Contains(bad.c_str()), IOError);
}

TEST_CASE("checkpoint.mismatch lists every difference and changes nothing") {
  clear_session();
  const std::string path = temp_file("ckpt.weights.h5");
  {
    auto in = Input({8});
    Model(in, Dense(3)(Dense(4)(in))).save_weights(path);
  }
  auto in = Input({8});
  const unsigned line = __LINE__; Model m(in, Dense(3)(Dense(6)(in)), "wider");
  std::vector<Tensor> before;
  for (const auto& w : m.weights()) before.push_back(w.clone());
  auto e = capture("checkpoint.mismatch", [&] { (void)m.load_weights(path); });
  std::remove(path.c_str());
  CHECK(e.phase() == Phase::load);
  CHECK(has(e.where(), "'wider' (Model) created at " + at(__FILE__, line)));
  CHECK(has(e.cause(), "(8, 4)"));
  CHECK(has(e.cause(), "(8, 6)"));
  CHECK(has(e.cause(), "(6, 3)"));  // the second layer's difference is listed too
  for (std::size_t i = 0; i < before.size(); ++i) CHECK(allclose(m.weights()[i], before[i], 0, 0));
}

}  // TEST_SUITE
