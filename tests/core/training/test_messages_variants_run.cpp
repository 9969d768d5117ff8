// Variants of the run-time seed cases of issue 19 the other tests do not feed: batch.mismatch
// and batch.empty from other pipelines, compare.shape from max_abs_diff, a shared layer broken
// by its second call in a multi-input model, and the "called at" line of evaluate and predict
// on a Dataset. Every batch is named one way: "batch N of the epoch (counting from 1; index
// N-1)".
#include <optional>

#include "support/test_contracts_util.hpp"

using namespace tenet;
using contracts_test::at;
using contracts_test::capture;
using contracts_test::compiled;
using contracts_test::has;

namespace {

// Batches of `sizes[i]` samples of `sample` shape, labels alike; `labels[i]` overrides the
// label count of batch i when given.
data::Dataset batches(Shape sample, std::vector<std::int64_t> sizes,
                      std::vector<std::int64_t> labels = {}) {
  return data::Dataset::from_generator(data::Generator(
      [=, i = std::size_t{0}]() mutable -> std::optional<data::Batch> {
        if (i == sizes.size()) return std::nullopt;
        std::vector<std::int64_t> dims{sizes[i]};
        for (auto d : sample) dims.push_back(d);
        const std::int64_t n = i < labels.size() ? labels[i] : sizes[i];
        ++i;
        return data::Batch{{Tensor::zeros(Shape(dims))}, Tensor::zeros({n}, DType::i32)};
      }));
}

}  // namespace

TEST_SUITE("core/training") {

TEST_CASE("batch.mismatch in a generator's 4th batch: sequences get no image advice, images do") {
  auto seq = Input({5, 3}, {.name = "seq"});
  Model rnnless = compiled(Model(seq, Dense(2, {.seed = 1})(Flatten()(seq))));
  auto e = capture("batch.mismatch", [&] {
    rnnless.fit(batches({5, 3}, {4, 4, 4, 4}, {4, 4, 4, 6}), {.verbose = 0});
  });
  CHECK(has(e.info().summary, "batch 4 of the epoch (counting from 1; index 3): input 0 has 4"));
  CHECK(!has(e.what(), "esiz"));
  auto img = Input({4, 4, 3});
  Model cnn = compiled(Model(img, Dense(2, {.seed = 1})(Flatten()(img))));
  auto i = capture("batch.mismatch", [&] { cnn.fit(batches({4, 4, 3}, {4, 4}, {4, 2}), {.verbose = 0}); });
  CHECK(has(i.info().summary, "batch 2 of the epoch (counting from 1; index 1)"));
  CHECK(has(i.cause(), "Resizing images cannot fix this"));
}

TEST_CASE("batch.empty: the 5th batch of a generator, and a map that empties the first") {
  auto in = Input({4});
  Model m = compiled(Model(in, Dense(2, {.seed = 1})(in)));
  const unsigned line = __LINE__; auto mid = capture("batch.empty", [&] { m.fit(batches({4}, {2, 2, 2, 2, 0, 2}), {.verbose = 0}); });
  CHECK(mid.info().summary == "batch 5 of the epoch (counting from 1; index 4) from from_generator holds no samples");
  CHECK(has(mid.cause(), "on call 5 of this epoch, after 4 batches with samples"));
  CHECK(has(mid.fix(), "Do not return std::nullopt here"));
  CHECK(mid.called_at() == at(__FILE__, line));
  auto emptied = data::Dataset::from_tensors({Tensor::zeros({6, 4})}, Tensor::zeros({6}, DType::i32))
                     .batch(3)
                     .map([](data::Batch b) {
                       if (b.index == 0) b.inputs[0] = slice(b.inputs[0], 0, 0, 0), b.labels = slice(b.labels, 0, 0, 0);
                       return b;
                     });
  auto first = capture("batch.empty", [&] { m.fit(emptied, {.verbose = 0}); });
  CHECK(has(first.info().summary, "batch 1 of the epoch (counting from 1; index 0) from map"));
  CHECK(has(first.cause(), "given a batch of 3 samples and returned (0, 4)"));
  CHECK(first.cause() != mid.cause());
}

TEST_CASE("compare.shape names max_abs_diff, and reads a transposed operand") {
  const Tensor a = Tensor::zeros({3, 4}), b = Tensor::zeros({4, 3});
  const unsigned line = __LINE__; auto e = capture("compare.shape", [&] { (void)max_abs_diff(a, b); });
  CHECK(e.where() == "'max_abs_diff' (op) called at " + at(__FILE__, line));
  CHECK(has(e.cause(), "arranged differently"));
  CHECK(has(e.fix(), "then max_abs_diff"));
  CHECK(!has(e.what(), "allclose"));
  CHECK(e.info().marked == std::vector<int>{0, 1});
}

TEST_CASE("a Conv2D shared by two image inputs breaks on its second call: RGBA named there") {
  clear_session();
  const unsigned created = __LINE__; Conv2D shared(4, {3, 3}, {.seed = 1, .name = "shared"});
  auto rgb = Input({8, 8, 3}, {.name = "rgb"}), rgba = Input({8, 8, 4}, {.name = "rgba"});
  (void)shared(rgb);
  const unsigned line = __LINE__; auto e = capture("conv.channels", [&] { (void)shared(rgba); });
  CHECK(has(e.where(), "'shared' (Conv2D) created at " + at(__FILE__, created) + ", called at " +
                           at(__FILE__, line)));
  CHECK(has(e.cause(), "was built for 3 channels by its first call"));
  CHECK(has(e.cause(), "RGBA images (4 channels)"));
  CHECK(has(e.fix(), "slice(x, -1, 0, 3)"));
}

TEST_CASE("evaluate and predict on a Dataset name their own line and the batch") {
  auto in = Input({4});
  Model m = compiled(Model(in, Dense(2, {.seed = 1})(in)));
  unsigned line = __LINE__; auto ev = capture("input.shape", [&] { (void)m.evaluate(batches({5}, {2})); });
  CHECK(has(ev.where(), at(__FILE__, line) + " (model.evaluate)"));
  CHECK(has(ev.info().summary, "batch 1 of the epoch (counting from 1; index 0): "));
  auto ds = data::Dataset::from_tensors({Tensor::zeros({4, 4})}).batch(2).map([](data::Batch b) {
    if (b.index == 1) b.inputs[0] = Tensor::zeros({2, 3});
    return b;
  });
  line = __LINE__; auto pr = capture("input.shape", [&] { (void)m.predict(ds); });
  CHECK(has(pr.where(), at(__FILE__, line) + " (model.predict)"));
  CHECK(has(pr.info().summary, "batch 2 of the epoch (counting from 1; index 1): "));
}

}  // TEST_SUITE
