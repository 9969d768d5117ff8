// Suite "core", part "hostile": sizes whose element or byte counts overflow or exceed the
// machine, negative sizes, empty (default-constructed) handles, and the std:: exceptions that
// used to escape (out_of_range from an axis, internal errors from a user's mistake).
#include <doctest/doctest.h>

#include "test_util.hpp"

#include <functional>
#include <string>

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::has;

TEST_SUITE("core") {

TEST_CASE("hostile sizes: element and byte counts are multiplied with overflow checks") {
  // 2^62 float32 elements need 2^64 bytes: the byte count wrapped to 0 before.
  auto e = capture([] { (void)Tensor::zeros({1LL << 62}); });
  CHECK(e.code() == "options.invalid");
  CHECK(e.actual() == "(4611686018427387904,)");
  CHECK(has(e, "exceeds what can be addressed"));
  // The element count itself overflows a 64-bit count.
  e = capture([] { (void)Tensor::ones({1LL << 32, 1LL << 32, 4}); });
  CHECK(e.code() == "options.invalid");
  CHECK(e.actual() == "(4294967296, 4294967296, 4)");
  e = capture([] { (void)Shape({1LL << 40, 1LL << 40}).numel(); });
  CHECK(e.code() == "options.invalid");
  CHECK(has(e, "(1099511627776, 1099511627776)"));
  e = capture([] { (void)Tensor::from_vector(std::vector<float>{1, 2}, {1LL << 32, 1LL << 32}); });
  CHECK(e.code() == "options.invalid");
  e = capture([] { (void)Tensor::randn({1LL << 31, 1LL << 31, 1LL << 31}, 1); });
  CHECK(e.code() == "options.invalid");
  // A zero makes the tensor empty whatever the other sizes: no overflow, no error.
  CHECK(Tensor::zeros({0, 1LL << 62}).numel() == 0);
  // Concatenated sizes are summed with a check too.
  const std::int64_t big = std::numeric_limits<std::int64_t>::max() - 4;
  e = capture([&] {
    (void)checks::concat_shape({Shape{kUnknown, big}, Shape{kUnknown, 10}}, -1,
                               Site("concat", "op"), Phase::build);
  });
  CHECK(e.code() == "options.invalid");
  CHECK(has(e, std::to_string(big) + " + 10"));
}

TEST_CASE("hostile sizes: a tensor larger than the machine's memory is refused, not bad_alloc") {
  // 2^40 float32 elements = 4 TiB: std::bad_alloc (or a crash in memset) before.
  auto e = capture([] { (void)Tensor::zeros({1LL << 40}); });
  CHECK(e.code() == "options.invalid");
  CHECK(e.actual() == "(1099511627776,)");
  CHECK(has(e, "4398046511104 bytes"));
  CHECK(has(e, "more than this machine's memory"));
  e = capture([] { (void)Tensor::full({1LL << 20, 1LL << 20}, 1.0, DType::f64); });
  CHECK(e.code() == "options.invalid");
  CHECK(has(e, "8796093022208 bytes"));
}

TEST_CASE("hostile sizes: negative sizes are refused with their value") {
  auto e = capture([] { (void)Tensor::zeros({-5, 3}); });
  CHECK(e.code() == "tensor.shape");
  CHECK(e.actual() == "(-5, 3)");
  CHECK(has(e, "axis 0 is -5, a negative size"));
  e = capture([] { (void)Tensor::from_vector(std::vector<float>{1, 2}, {2, -1}); });
  CHECK(e.code() == "tensor.shape");
  e = capture([] { (void)Tensor::arange(-3); });
  CHECK(e.code() == "tensor.shape");
  CHECK(has(e, "-3"));
  e = capture([] { (void)Input({28, -5}); });
  CHECK(e.code() == "input.shape");
  CHECK(has(e, "axis 1 of the sample shape is -5, a negative size"));
  e = capture([] { (void)Shape({kUnknown, 3}).numel(); });
  CHECK(e.code() == "tensor.shape");
}

TEST_CASE("hostile indices and dtypes: std::out_of_range and internal errors no longer escape") {
  Tensor t = Tensor::zeros({2, 3});
  auto e = capture([&] { (void)t.dim(5); });
  CHECK(e.code() == "tensor.index");
  CHECK(has(e, "axis 5 is out of range for the shape (2, 3)"));
  e = capture([&] { (void)t.shape()[-1]; });
  CHECK(e.code() == "tensor.index");
  e = capture([&] { (void)t.shape().removed(2); });
  CHECK(e.code() == "tensor.index");
  e = capture([&] { (void)t.data<std::int32_t>(); });
  CHECK(e.code() == "input.dtype");
  CHECK(has(e, "data<int32>() reads the elements as int32 but the tensor holds float32"));
  e = capture([&] { (void)take_rows(t, {0, 7}); });
  CHECK(e.code() == "tensor.index");
  CHECK(has(e, "row index 7"));
  Tensor w = Tensor::ones({3}).requires_grad(true);
  Tensor y = w * 2.0;
  e = capture([&] { y.backward(Tensor::ones({4})); });
  CHECK(e.code() == "autograd.backward");
  CHECK(e.actual() == "(4,)");
  Tensor v = Tensor::zeros({2}, DType::f64);
  v.set_grad(Tensor::zeros({2}, DType::f64));
  e = capture([&] { SGD().impl()->step({v}); });
  CHECK(e.code() == "input.dtype");
  CHECK(has(e, "the 1st variable given to SGD"));
}

TEST_CASE("a user op's backward returning a wrongly shaped gradient is autograd.backward") {
  Tensor x = Tensor::ones({2, 3}).requires_grad(true);
  Tensor y = attach_grad(x.detach() * 2.0, "my_op", {x}, [](const Tensor&) {
    return std::vector<Tensor>{Tensor::ones({4})};  // the input is (2, 3)
  });
  auto e = capture([&] { y.sum().backward(); });
  CHECK(e.code() == "autograd.backward");
  CHECK(has(e, "the backward of 'my_op' returned a gradient of shape (4,) for its 1st input"));
}

TEST_CASE("empty handles: ops on a default-constructed Tensor name the argument") {
  const Tensor t = Tensor::ones({2});
  const std::vector<std::pair<std::function<void()>, std::string>> cases = {
      {[&] { (void)(Tensor() + t); }, "the left operand of +"},
      {[&] { (void)(t - Tensor()); }, "the right operand of -"},
      {[&] { (void)(Tensor() * 2.0); }, "the left operand of *"},
      {[&] { (void)(2.0 / Tensor()); }, "the right operand of /"},
      {[&] { (void)(-Tensor()); }, "the right operand of -"},
      {[&] { (void)add(t, Tensor()); }, "the right operand of +"},
      {[&] { (void)Tensor().sum(); }, "the Tensor whose sum() was called"},
      {[&] { (void)Tensor().mean(0); }, "the Tensor whose mean() was called"},
      {[&] { (void)Tensor().argmax(0); }, "the Tensor whose argmax() was called"},
      {[&] { (void)Tensor().shape(); }, "the Tensor whose shape() was called"},
      {[&] { (void)Tensor().item(); }, "the Tensor whose item() was called"},
      {[&] { (void)Tensor().astype(DType::f64); }, "the Tensor whose astype() was called"},
      {[&] { (void)Tensor().clone(); }, "the Tensor whose clone() was called"},
      {[&] { (void)Tensor().detach(); }, "the Tensor whose detach() was called"},
      {[&] { Tensor().backward(); }, "the Tensor whose backward() was called"},
      {[&] { (void)Tensor().reshape({1}); }, "the input of reshape"},
      {[&] { (void)expand_dims(Tensor(), 0); }, "the input of expand_dims"},
      {[&] { (void)transpose(Tensor()); }, "the input of transpose"},
      {[&] { (void)slice(Tensor(), 0, 0, 1); }, "the input of slice"},
      {[&] { (void)exp(Tensor()); }, "the input of exp"},
      {[&] { (void)relu(Tensor()); }, "the input of relu"},
      {[&] { (void)softmax(Tensor()); }, "the input of softmax"},
      {[&] { (void)matmul(Tensor::ones({2, 2}), Tensor()); }, "the second operand of matmul"},
      {[&] { (void)concat({t, Tensor()}, 0); }, "the 2nd tensor of concat"},
      {[&] { (void)stack({Tensor(), t}); }, "the 1st tensor of stack"},
      {[&] { (void)allclose(Tensor(), t); }, "the first tensor of allclose"},
      {[&] { (void)equal(t, Tensor()); }, "the second tensor of equal"},
      {[&] { (void)array_equal(t, Tensor()); }, "the second tensor of array_equal"},
      {[&] { (void)max_abs_diff(Tensor(), t); }, "the first tensor of max_abs_diff"},
  };
  for (const auto& [f, argument] : cases) {
    CAPTURE(argument);
    auto e = capture(f);
    CHECK(e.code() == "options.invalid");
    CHECK(has(e, argument));
    CHECK(has(e, "empty Tensor"));
  }
  CHECK(Tensor().str() == "Tensor(undefined)");  // printing an empty tensor is fine
}

TEST_CASE("empty handles: losses and optimizers") {
  const Tensor p = Tensor::ones({2, 3}), y = Tensor::from_vector(std::vector<std::int64_t>{0, 1});
  auto e = capture([&] { (void)Loss()(p, y); });
  CHECK(e.code() == "options.invalid");
  CHECK(has(e, "the Loss that was called"));
  e = capture([&] { (void)SparseCategoricalCrossentropy()(Tensor(), y); });
  CHECK(e.code() == "options.invalid");
  CHECK(has(e, "the predictions given to loss 'sparse_categorical_crossentropy'"));
  e = capture([&] { (void)MeanSquaredError()(p, Tensor()); });
  CHECK(e.code() == "options.invalid");
  CHECK(has(e, "the labels given to loss"));
  e = capture([&] { Adam().impl()->step({Tensor::ones({1}), Tensor()}); });
  CHECK(e.code() == "options.invalid");
  CHECK(has(e, "the 2nd variable given to Adam"));
}

}  // TEST_SUITE
