// Suite "contracts", part 2: the run-phase codes (data flowing into fit/predict, labels,
// datasets, numerics, comparisons), the load-phase codes, and the codes outside the catalog.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include "test_contracts_util.hpp"

using namespace tenet;
using contracts_test::at;
using contracts_test::capture;
using contracts_test::has;

namespace {

Model compiled(Model m, Loss loss) {
  m.compile({.optimizer = SGD(), .loss = std::move(loss)});
  return m;
}
Loss sparse() { return SparseCategoricalCrossentropy({.from_logits = true}); }

std::string temp_file(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("tenet_contracts_" + name)).string();
}

data::Dataset generator(std::vector<std::int64_t> inputs, std::vector<std::int64_t> labels) {
  return data::Dataset::from_generator(std::function<data::Generator()>([=] {
    return data::Generator([=, i = std::size_t{0}]() mutable -> std::optional<data::Batch> {
      if (i == inputs.size()) return std::nullopt;
      data::Batch b{{Tensor::zeros({inputs[i], 4})}, Tensor::zeros({labels[i]}, DType::i32)};
      ++i;
      return b;
    });
  }));
}

}  // namespace

TEST_SUITE("contracts") {

TEST_CASE("input.count lists the inputs by name and shape") {
  clear_session();
  auto a = Input({4}, {.name = "left"}), b = Input({3}, {.name = "right"});
  const unsigned line = __LINE__; Model m({a, b}, Concatenate()({a, b}), "pair");
  auto e = capture("input.count", [&] { (void)m.predict(Tensor::zeros({8, 4})); });
  CHECK(e.phase() == Phase::run);
  CHECK(has(e.where(), "'pair' (Model) created at " + at(__FILE__, line)));
  CHECK(has(e.expected(), "left (None, 4)"));
  CHECK(has(e.expected(), "right (None, 3)"));
  CHECK(e.actual() == "1 arrays");
  CHECK(has(e.cause(), "right"));
  CHECK(has(e.fix(), "{left, right}"));
}

TEST_CASE("input.rank: missing channel axis, missing batch axis, batched twice") {
  clear_session();
  const unsigned line = __LINE__; auto in = Input({28, 28, 1}, {.name = "digits"});
  Model m = compiled(Model(in, Dense(10)(Flatten()(in))), sparse());
  auto e = capture("input.rank", [&] {
    m.fit(Tensor::zeros({100, 28, 28}), Tensor::zeros({100}, DType::i32), {.verbose = 0});
  });
  CHECK(e.phase() == Phase::run);
  CHECK(has(e.where(), "'digits' (InputLayer) created at " + at(__FILE__, line)));
  CHECK(e.expected() == "(None, 28, 28, 1)");
  CHECK(e.actual() == "(100, 28, 28)");
  CHECK(has(e.cause(), "channel axis is missing"));
  CHECK(has(e.fix(), "expand_dims(x, -1)"));
  auto one = capture("input.rank", [&] { (void)m.predict(Tensor::zeros({28, 28, 1})); });
  CHECK(has(one.cause(), "without its batch axis"));
  CHECK(has(one.fix(), "expand_dims(x, 0)"));
  auto twice = capture("input.rank", [&] { (void)m.predict(Tensor::zeros({3, 4, 28, 28, 1})); });
  CHECK(has(twice.cause(), "batched twice"));
  CHECK(has(twice.fix(), "remove the second batching"));
  auto ds = capture("input.rank", [&] {
    (void)data::Dataset::from_tensors({Tensor::zeros({8, 4})}).batch(2).batch(2);
  });
  CHECK(has(ds.what(), "batch"));
}

TEST_CASE("input.shape: a 224x224 model called with 128x128 images") {
  clear_session();
  const unsigned line = __LINE__; auto in = Input({224, 224, 3}, {.name = "photo"});
  Model m(in, Dense(2)(GlobalAveragePooling2D()(in)));
  auto e = capture("input.shape", [&] { (void)m.predict(Tensor::zeros({2, 128, 128, 3})); });
  CHECK(e.phase() == Phase::run);
  CHECK(has(e.where(), "'photo' (InputLayer) created at " + at(__FILE__, line)));
  CHECK(e.expected() == "(None, 224, 224, 3)");
  CHECK(e.actual() == "(2, 128, 128, 3)");
  CHECK(e.info().marked == std::vector<int>{1, 2});
  CHECK(has(e.cause(), "nothing overflows"));  // what is actually true, unlike "buffer overflow"
  CHECK(has(e.fix(), "Resizing(224, 224)"));
  CHECK(has(e.fix(), "None height/width"));
}

TEST_CASE("input.dtype: uint8 images are refused, not silently cast") {
  clear_session();
  const unsigned line = __LINE__; auto in = Input({28, 28, 1}, {.name = "pixels"});
  Model m = compiled(Model(in, Dense(10)(Flatten()(in))), sparse());
  auto e = capture("input.dtype", [&] {
    m.fit(Tensor::zeros({16, 28, 28, 1}, DType::u8), Tensor::zeros({16}, DType::i32), {.verbose = 0});
  });
  CHECK(e.phase() == Phase::run);
  CHECK(has(e.where(), at(__FILE__, line)));
  CHECK(e.expected() == "float32 (None, 28, 28, 1)");
  CHECK(e.actual() == "uint8 (16, 28, 28, 1)");
  CHECK(has(e.cause(), "does not cast silently"));
  CHECK(has(e.fix(), "astype(DType::f32)"));
  CHECK(has(e.fix(), "Rescaling(1.0 / 255)"));
}

TEST_CASE("batch.mismatch: between inputs, against labels, and in a generator's batch") {
  clear_session();
  auto a = Input({8}, {.name = "left"}), b = Input({8}, {.name = "right"});
  const unsigned line = __LINE__; Model m = compiled(Model({a, b}, Dense(3)(Add()({a, b})), "two"), sparse());
  auto e = capture("batch.mismatch", [&] {
    m.fit({Tensor::zeros({32, 8}), Tensor::zeros({64, 8})}, Tensor::zeros({32}, DType::i32), {.verbose = 0});
  });
  CHECK(e.phase() == Phase::run);
  CHECK(has(e.where(), "'two' (Model) created at " + at(__FILE__, line)));
  CHECK(has(e.expected(), "32"));
  CHECK(has(e.actual(), "64"));
  CHECK(has(e.cause(), "cannot fix"));  // resizing does not repair a batch-size mismatch
  auto labels = capture("batch.mismatch", [&] {
    m.fit({Tensor::zeros({100, 8}), Tensor::zeros({100, 8})}, Tensor::zeros({90}, DType::i32), {.verbose = 0});
  });
  CHECK(has(labels.expected(), "100"));
  CHECK(has(labels.actual(), "90"));
  auto in = Input({4});
  Model g = compiled(Model(in, Dense(3)(in)), sparse());
  auto gen = capture("batch.mismatch", [&] { g.fit(generator({32, 32}, {32, 64}), {.verbose = 0}); });
  CHECK(has(gen.what(), "batch 1"));
  CHECK(gen.expected() == "(32,)");
  CHECK(gen.actual() == "(64,)");
  CHECK(has(gen.fix(), "generator"));
}

TEST_CASE("batch.empty: a generator's empty batch, and drop_remainder on too few samples") {
  clear_session();
  auto in = Input({4});
  Model g = compiled(Model(in, Dense(3)(in)), sparse());
  auto e = capture("batch.empty", [&] { g.fit(generator({8, 0}, {8, 0}), {.verbose = 0}); });
  CHECK(e.phase() == Phase::run);
  CHECK(has(std::string(e.what()), "batch 1"));
  CHECK(has(e.fix(), "std::nullopt"));
  auto drop = capture("batch.empty", [&] {
    auto ds = data::Dataset::from_tensors({Tensor::zeros({10, 4})}, Tensor::zeros({10}, DType::i32))
                  .batch(32, /*drop_remainder=*/true);
    for (const auto& b : ds) (void)b;
  });
  CHECK(has(drop.what(), "10"));
  CHECK(has(drop.what(), "32"));
}

TEST_CASE("batch.ragged: images of two sizes stacked into one batch") {
  const unsigned line = __LINE__; auto e = capture("batch.ragged", [&] {
    (void)data::stack_samples({Tensor::zeros({128, 128, 3}), Tensor::zeros({128, 128, 3}),
                               Tensor::zeros({64, 64, 3})});
  });
  CHECK(e.phase() == Phase::run);
  CHECK(has(e.where(), at(__FILE__, line + 1)));  // the line calling stack_samples
  CHECK(e.expected() == "(128, 128, 3)");
  CHECK(e.actual() == "(64, 64, 3)");
  CHECK(e.info().marked == std::vector<int>{0, 1});
  CHECK(has(e.cause(), "sample 2"));
  CHECK(has(e.fix(), "resize"));
}

TEST_CASE("loss.label_shape: integer labels (100, 1) for categorical cross-entropy over 5 classes") {
  clear_session();
  auto in = Input({8});
  Model m = compiled(Model(in, Dense(5)(in)), CategoricalCrossentropy({.from_logits = true}));
  auto e = capture("loss.label_shape", [&] {
    m.fit(Tensor::zeros({100, 8}), Tensor::zeros({100, 1}, DType::i32), {.verbose = 0});
  });
  CHECK(e.phase() == Phase::run);
  CHECK(has(e.where(), "categorical_crossentropy"));
  CHECK(e.expected() == "(None, 5)");
  CHECK(e.actual() == "(100, 1)");
  CHECK(has(e.cause(), "class indices"));
  CHECK(has(e.fix(), "one_hot(y, 5)"));
  CHECK(has(e.fix(), "SparseCategoricalCrossentropy"));
  auto wide = capture("loss.label_shape", [&] {
    m.fit(Tensor::zeros({4, 8}), Tensor::zeros({4, 10}), {.verbose = 0});
  });
  CHECK(wide.expected() == "(None, 5)");
  CHECK(wide.actual() == "(4, 10)");
  CHECK(wide.info().marked == std::vector<int>{1});
}

TEST_CASE("loss.label_range names the first offending sample; loss.label_dtype") {
  clear_session();
  auto in = Input({4});
  Model m = compiled(Model(in, Dense(5)(in)), sparse());
  auto e = capture("loss.label_range", [&] {
    m.fit(Tensor::zeros({5, 4}), Tensor::from_vector(std::vector<std::int32_t>{0, 4, 5, 9, 1}), {.verbose = 0});
  });
  CHECK(e.phase() == Phase::run);
  CHECK(has(std::string(e.what()), "sample 2"));
  CHECK(has(e.expected(), "[0, 5)"));
  CHECK(has(e.fix(), "label encoding"));
  auto d = capture("loss.label_dtype", [&] {
    m.fit(Tensor::zeros({5, 4}), Tensor::zeros({5}), {.verbose = 0});
  });
  CHECK(has(d.actual(), "float32"));
  CHECK(has(d.fix(), "astype(DType::i32)"));
}

TEST_CASE("numerics.nonfinite: Inf in the data named with its sample; the failing step changes no weight") {
  clear_session();
  auto in = Input({4});
  Model m = compiled(Model(in, Dense(1, {.seed = 3})(in)), MeanSquaredError());
  std::vector<Tensor> before;
  for (const auto& w : m.weights()) before.push_back(w.clone());
  Tensor x = Tensor::ones({4, 4});
  x.data<float>()[6] = std::numeric_limits<float>::infinity();
  auto e = capture("numerics.nonfinite", [&] {
    m.fit(x, Tensor::zeros({4, 1}), {.verbose = 0, .check_numerics = true});
  });
  CHECK(e.phase() == Phase::run);
  CHECK(e.expected() == "finite values");
  CHECK(has(e.actual(), "Inf"));
  CHECK(has(e.what(), "at the start of fit"));  // the arrays are checked before any step
  CHECK(has(e.cause(), "the first is in sample 1."));
  CHECK(has(e.fix(), "clean the data"));
  for (std::size_t i = 0; i < before.size(); ++i) CHECK(allclose(m.weights()[i], before[i], 0, 0));
  CHECK_FALSE(check_numerics());  // switched off again after fit
}

TEST_CASE("compare.shape: allclose and equal on tensors of different shapes") {
  auto e = capture("compare.shape", [] { (void)allclose(Tensor::zeros({10, 1}), Tensor::zeros({10})); });
  CHECK(e.phase() == Phase::run);
  CHECK(has(e.where(), "allclose"));
  CHECK(e.expected() == "(10, 1)");
  CHECK(e.actual() == "(10,)");
  CHECK(has(e.cause(), "ranks differ"));
  CHECK(has(e.fix(), "a.shape() == b.shape()"));
  auto q = capture("compare.shape", [] { (void)equal(Tensor::zeros({32, 10}), Tensor::zeros({16, 10})); });
  CHECK(q.info().marked == std::vector<int>{0});
  CHECK(has(q.cause(), "batch (axis 0)"));
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

TEST_CASE("data.format: a truncated IDX file names the file and what was read") {
  const std::string path = temp_file("short.idx");
  data::write_idx(path, Tensor::zeros({10, 4, 4}, DType::u8));
  std::filesystem::resize_file(path, 40);
  auto e = capture("data.format", [&] { (void)data::read_idx(path); });
  std::remove(path.c_str());
  CHECK(e.phase() == Phase::load);
  CHECK(has(e.what(), "tenet_contracts_short.idx"));
  CHECK(has(e.what(), "160"));  // 10 * 4 * 4 bytes announced by the header
  CHECK(!e.fix().empty());
}

TEST_CASE("codes outside the catalog's tables") {
  clear_session();
  auto r = capture("reshape.size", [] { (void)reshape(Tensor::zeros({4, 6}), {5, 5}); });
  CHECK(has(r.fix(), "24"));
  auto mm = capture("matmul.shape", [] { (void)matmul(Tensor::zeros({4, 3}), Tensor::zeros({4, 5})); });
  CHECK(has(mm.expected(), "K = 3"));
  const unsigned line = __LINE__; auto cfg = capture("options.invalid", [] { (void)Dense(0); });
  CHECK(cfg.phase() == Phase::build);
  CHECK(has(cfg.where(), at(__FILE__, line)));
  auto cnt = capture("layer.input_count", [] { (void)Dense(4)({Input({4}), Input({4})}); });
  CHECK(cnt.actual() == "2 inputs");
  auto one = capture("layer.input_count", [] { (void)Concatenate()(std::vector<SymbolicTensor>{Input({4})}); });
  CHECK(has(one.fix(), "{a, b}"));
  auto red = capture("reduce.axis", [] { (void)Tensor::zeros({3, 4}).sum(2); });
  CHECK(has(red.expected(), "[-2, 1]"));
  auto rs = capture("resize.size", [] { (void)resize(Tensor::zeros({1, 8, 8, 1}), {0, 28}); });
  CHECK(rs.actual() == "(0, 28)");
  auto dr = capture("dense.rank", [] { (void)Dense(10)(Input({28, 28, 1})); });
  CHECK(has(dr.fix(), "Flatten()"));
  auto in = Input({4});
  Model m(in, Dense(1)(in));
  auto comp = capture("model.compile", [&] { m.fit(Tensor::zeros({4, 4}), Tensor::zeros({4, 1}), {.verbose = 0}); });
  CHECK(has(comp.fix(), "compile"));
  auto hk = capture("history.key", [] { (void)History()["val_loss"]; });
  CHECK(hk.actual() == "'val_loss'");
  auto fp = capture("callback.filepath", [] { (void)format_filepath("{val_acc}.h5", 1, {{"loss", 1.0}}); });
  CHECK(fp.actual() == "{val_acc}");
  CHECK(capture("tensor.item", [] { (void)Tensor::zeros({3}).item(); }).actual() == "(3,)");
  capture("tensor.index", [] { (void)Tensor::zeros({2, 2}).at({2, 0}); });
  CHECK(capture("tensor.shape", [] { (void)Tensor::zeros({kUnknown, 3}); }).actual() == "(None, 3)");
  capture("autograd.backward", [] {
    Tensor w = Tensor::ones({3}).requires_grad(true);
    (w * 2.0).backward();
  });
  capture("reshape.axis", [] { (void)transpose(Tensor::zeros({2, 3}), {0, 0}); });
  capture("slice.range", [] { (void)slice(Tensor::zeros({2, 3}), 2, 0, 1); });
  auto fl = capture("flatten.rank", [] { (void)Flatten()(Tensor::scalar(1.0)); });
  CHECK(has(fl.fix(), "expand_dims(x, 0)"));
}

}  // TEST_SUITE
