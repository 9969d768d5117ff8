// "called at": a contract error raised while data flows names the user's line of the failing
// call (core/base/error.cpp, with the entry points that record it), beside the line that
// created the layer. Every test asserts the exact __LINE__ of the call.
#include <optional>

#include "support/test_contracts_util.hpp"

using namespace tenet;
using contracts_test::at;
using contracts_test::capture;
using contracts_test::has;

namespace {

Model classifier(Shape shape, std::int64_t classes) {
  auto in = Input(shape, {.name = "features"});
  Model m(in, Dense(classes, {.seed = 1})(in), "clf");
  m.compile({.optimizer = SGD(), .loss = SparseCategoricalCrossentropy({.from_logits = true})});
  return m;
}

// A generator of batches of `rows` rows of 4 features, with labels of `labels[i]` rows.
data::Generator batches(std::vector<std::int64_t> labels) {
  return [labels, i = std::size_t{0}]() mutable -> std::optional<data::Batch> {
    if (i == labels.size()) return std::nullopt;
    return data::Batch{{Tensor::zeros({2, 4})}, Tensor::zeros({labels[i++]}, DType::i32)};
  };
}

}  // namespace

TEST_SUITE("core/base") {

TEST_CASE("fit, evaluate, predict, train_on_batch and check_data name the user's line") {
  Model m = classifier({4}, 3);
  const Tensor x = Tensor::zeros({8, 5}), y = Tensor::zeros({8}, DType::i32);
  unsigned line = __LINE__; auto e = capture("input.shape", [&] { m.fit(x, y, {.verbose = 0}); });
  CHECK(e.called_at() == at(__FILE__, line));
  CHECK(has(e.where(), "called at " + at(__FILE__, line) + " (model.fit)"));
  CHECK(has(e.what(), "called at " + at(__FILE__, line)));
  line = __LINE__; e = capture("input.shape", [&] { (void)m.evaluate(x, y); });
  CHECK(has(e.where(), at(__FILE__, line) + " (model.evaluate)"));
  line = __LINE__; e = capture("input.shape", [&] { (void)m.predict(x); });
  CHECK(has(e.where(), at(__FILE__, line) + " (model.predict)"));
  line = __LINE__; e = capture("input.shape", [&] { (void)m.train_on_batch({x}, y); });
  CHECK(has(e.where(), at(__FILE__, line) + " (model.train_on_batch)"));
  line = __LINE__; e = capture("input.shape", [&] { m.check_data({x}, &y); });
  CHECK(has(e.where(), at(__FILE__, line) + " (model.check_data)"));
  // fit runs check_data inside: the outer call, the user's, is the one named.
  CHECK(!has(capture("input.shape", [&] { m.fit(x, y, {.verbose = 0}); }).where(),
             "check_data"));
}

TEST_CASE("a loss called directly names its line") {
  Loss loss = SparseCategoricalCrossentropy({.from_logits = true});
  const Tensor pred = Tensor::zeros({4, 3});
  const unsigned line = __LINE__; auto e = capture("batch.mismatch", [&] { (void)loss(pred, Tensor::zeros({5}, DType::i32)); });
  CHECK(e.called_at() == at(__FILE__, line));
  CHECK(has(e.where(), "'sparse_categorical_crossentropy' (Loss) called at " + at(__FILE__, line)));
}

TEST_CASE("equal, allclose, add and the operators name their line and the op") {
  const Tensor a = Tensor::zeros({10, 1}), b = Tensor::zeros({10});
  unsigned line = __LINE__; auto e = capture("compare.shape", [&] { (void)equal(a, b); });
  CHECK(e.where() == "'equal' (op) called at " + at(__FILE__, line));
  line = __LINE__; e = capture("compare.shape", [&] { (void)allclose(a, b); });
  CHECK(e.where() == "'allclose' (op) called at " + at(__FILE__, line));
  const Tensor c = Tensor::zeros({2, 3}), d = Tensor::zeros({2, 4});
  line = __LINE__; e = capture("elementwise.shape", [&] { (void)(c + d); });
  CHECK(e.where() == "'add' (op) called at " + at(__FILE__, line));
  line = __LINE__; e = capture("elementwise.shape", [&] { (void)(c * d); });
  CHECK(e.where() == "'multiply' (op) called at " + at(__FILE__, line));
  line = __LINE__; e = capture("elementwise.shape", [&] { (void)add(c, d); });
  CHECK(e.called_at() == at(__FILE__, line));
}

TEST_CASE("a layer called twice names the call that broke, at build and at run time") {
  clear_session();
  const unsigned created = __LINE__; Dense shared(4, {.name = "shared"});
  auto a = Input({8}), b = Input({6});
  (void)shared(a);
  unsigned line = __LINE__; auto e = capture("dense.features", [&] { (void)shared(b); });
  CHECK(has(e.where(), "'shared' (Dense) created at " + at(__FILE__, created) + ", called at " +
                           at(__FILE__, line)));
  // Eagerly on tensors: the second call's line too.
  (void)shared(Tensor::zeros({2, 8}));
  line = __LINE__; e = capture("dense.features", [&] { (void)shared(Tensor::zeros({2, 6})); });
  CHECK(e.called_at() == at(__FILE__, line));
  // In a model's graph: a Concatenate called twice fails at run time on its second call (the
  // None axes of that call differ), while predict is the user's call.
  Concatenate join(-1, {.name = "join"});
  auto p = Input({3, 2}), q = Input({3, 2});
  (void)join({p, q});
  auto r = Input({kUnknown, 2}), s = Input({kUnknown, 2});
  const unsigned second = __LINE__; Model m({r, s}, join({r, s}));
  line = __LINE__; e = capture("concat.shape", [&] { (void)m.predict({Tensor::zeros({1, 5, 2}), Tensor::zeros({1, 6, 2})}); });
  CHECK(has(e.where(), "'join' (Concatenate) created at "));
  CHECK(has(e.where(), "called at " + at(__FILE__, second) + ", during model.predict at " +
                           at(__FILE__, line)));
}

TEST_CASE("a Dataset's batches name the loop or the fit that iterates them") {
  const unsigned created = __LINE__; auto ds = data::Dataset::from_generator(batches({2, 3}));
  unsigned line = __LINE__; auto e = capture("batch.mismatch", [&] { for (const auto& batch : ds) (void)batch; });
  CHECK(has(e.where(), "'from_generator' (Dataset) created at " + at(__FILE__, created)));
  CHECK(has(e.where(), "called at " + at(__FILE__, line) + " (iterating the Dataset)"));
  // In fit, batch 1 is prepared on the prefetch thread: fit's line still.
  Model m = classifier({4}, 3);
  auto again = data::Dataset::from_generator(batches({2, 3}));
  line = __LINE__; e = capture("batch.mismatch", [&] { m.fit(again, {.verbose = 0}); });
  CHECK(e.called_at() == at(__FILE__, line));
}

TEST_CASE("an op failing inside a generator names its line, during the user's fit") {
  Model m = classifier({4}, 3);
  unsigned op_line = 0;
  auto ds = data::Dataset::from_generator(data::Generator([&]() -> std::optional<data::Batch> {
    const Tensor x = Tensor::zeros({2, 4});
    op_line = __LINE__; return data::Batch{{x + Tensor::zeros({3, 4})}, Tensor::zeros({2}, DType::i32)};
  }));
  const unsigned line = __LINE__; auto e = capture("elementwise.shape", [&] { m.fit(ds, {.verbose = 0}); });
  CHECK(e.where() == "'add' (op) called at " + at(__FILE__, op_line) + ", during model.fit at " +
                         at(__FILE__, line));
}

}  // TEST_SUITE
