// Suite "core": Shape, Tensor, ops, autograd, and the run-time tensor contracts.
#include <doctest/doctest.h>

#include "test_util.hpp"

#include <cblas.h>

#include <cmath>

#include "gradcheck.hpp"

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::check_gradients;

TEST_SUITE("core") {

TEST_CASE("Shape prints in Keras notation and compares by value") {
  Shape s{kUnknown, 28, 28, 1};
  CHECK(s.str() == "(None, 28, 28, 1)");
  CHECK(Shape{10}.str() == "(10,)");
  CHECK(Shape{}.str() == "()");
  CHECK(s == Shape{kUnknown, 28, 28, 1});
  CHECK_FALSE(s == Shape{kUnknown, 28, 28, 3});
  CHECK(s.compatible(Shape{32, 28, 28, 1}));
  CHECK(s.dim(-1) == 1);
}

TEST_CASE("factories, dtypes and element access") {
  Tensor z = Tensor::zeros({2, 3});
  CHECK(z.dtype() == DType::f32);
  CHECK(z.numel() == 6);
  Tensor u = Tensor::zeros({4, 28, 28}, DType::u8);
  CHECK(u.dtype() == DType::u8);
  CHECK(u.nbytes() == 4 * 28 * 28);
  Tensor v = Tensor::from_vector(std::vector<float>{1, 2, 3, 4}, {2, 2});
  CHECK(v.at({1, 0}) == 3.0);
  CHECK(Tensor::full({2}, 7.5).at({1}) == 7.5);
  // The same seed gives the same numbers; a different seed does not.
  CHECK(array_equal(Tensor::randn({100}, 7), Tensor::randn({100}, 7)));
  CHECK_FALSE(array_equal(Tensor::randn({100}, 7), Tensor::randn({100}, 8)));
  Tensor r = Tensor::randn({20000}, 3);
  CHECK(std::abs(r.mean().item()) < 0.03);
  CHECK(std::abs(square(r).mean().item() - 1.0) < 0.05);
  Tensor un = Tensor::uniform({1000}, 1, -2, 2);
  auto vals = un.to_vector<float>();
  CHECK(*std::min_element(vals.begin(), vals.end()) >= -2.0f);
  CHECK(*std::max_element(vals.begin(), vals.end()) < 2.0f);
}

TEST_CASE("astype, expand_dims and scaling as in the API sketch") {
  Tensor u = Tensor::full({100, 28, 28}, 255, DType::u8);
  Tensor b = expand_dims(u, -1).astype(DType::f32) / 255.0;
  CHECK(b.shape() == Shape{100, 28, 28, 1});
  CHECK(b.at({5, 3, 3, 0}) == doctest::Approx(1.0));
  CHECK(squeeze(b, 3).shape() == Shape{100, 28, 28});
}

TEST_CASE("broadcasting follows NumPy") {
  Tensor a = Tensor::from_vector(std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor row = Tensor::from_vector(std::vector<float>{10, 20, 30}, {3});
  Tensor col = Tensor::from_vector(std::vector<float>{100, 200}, {2, 1});
  CHECK(allclose(a + row, Tensor::from_vector(std::vector<float>{11, 22, 33, 14, 25, 36}, {2, 3})));
  CHECK(allclose(a * col, Tensor::from_vector(std::vector<float>{100, 200, 300, 800, 1000, 1200}, {2, 3})));
  CHECK(allclose(a * a + 1.0f, Tensor::from_vector(std::vector<float>{2, 5, 10, 17, 26, 37}, {2, 3})));
  CHECK(allclose(1.0 - a, Tensor::from_vector(std::vector<float>{0, -1, -2, -3, -4, -5}, {2, 3})));
}

TEST_CASE("elementwise.shape names the axes that cannot broadcast") {
  Tensor a = Tensor::zeros({32, 28, 28, 3}), b = Tensor::zeros({32, 14, 14, 3});
  auto e = capture([&] { (void)(a + b); });
  CHECK(e.code() == "elementwise.shape");
  CHECK(e.phase() == Phase::run);
  CHECK(e.expected() == "(32, 28, 28, 3)");
  CHECK(e.actual() == "(32, 14, 14, 3)");
  CHECK(std::string(e.what()).find("^^") != std::string::npos);
  CHECK(e.cause().find("28 vs 14") != std::string::npos);
  CHECK(e.fix().find("size 1") != std::string::npos);
}

TEST_CASE("reductions") {
  Tensor a = Tensor::from_vector(std::vector<float>{1, 5, 3, 4, 2, 6}, {2, 3});
  CHECK(allclose(a.sum(0), Tensor::from_vector(std::vector<float>{5, 7, 9})));
  CHECK(allclose(a.sum(1, true), Tensor::from_vector(std::vector<float>{9, 12}, {2, 1})));
  CHECK(allclose(a.mean(-1), Tensor::from_vector(std::vector<float>{3, 4})));
  CHECK(allclose(a.max(1), Tensor::from_vector(std::vector<float>{5, 6})));
  CHECK(a.argmax(1).to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 2});
  CHECK(a.sum().item() == doctest::Approx(21));
}

TEST_CASE("matmul agrees with OpenBLAS, the independent reference") {
  Tensor a = Tensor::randn({37, 53}, 1), b = Tensor::randn({53, 29}, 2);
  Tensor c = matmul(a, b);
  std::vector<float> ref(37 * 29);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 37, 29, 53, 1.0f, a.data<float>(), 53,
              b.data<float>(), 29, 0.0f, ref.data(), 29);
  CHECK(allclose(c, Tensor::from_vector(ref, {37, 29}), 1e-5, 1e-5));
  auto e = capture([&] { (void)matmul(a, a); });
  CHECK(e.code() == "matmul.shape");
}

TEST_CASE("shape ops: reshape, transpose, slice, concat, stack") {
  Tensor a = Tensor::arange(24).reshape({2, 3, 4});
  CHECK(a.reshape({-1, 4}).shape() == Shape{6, 4});
  Tensor t = transpose(a, {2, 0, 1});
  CHECK(t.shape() == Shape{4, 2, 3});
  CHECK(t.at({3, 1, 2}) == a.at({1, 2, 3}));
  Tensor s = slice(a, 1, 1, 3);
  CHECK(s.shape() == Shape{2, 2, 4});
  CHECK(s.at({1, 0, 2}) == a.at({1, 1, 2}));
  Tensor c = concat({a, a}, -1);
  CHECK(c.shape() == Shape{2, 3, 8});
  CHECK(c.at({1, 2, 7}) == a.at({1, 2, 3}));
  Tensor st = stack({a, a, a}, 0);
  CHECK(st.shape() == Shape{3, 2, 3, 4});
}

TEST_CASE("reshape.size: the element count is kept") {
  auto e = capture([] { (void)Tensor::zeros({4, 6}).reshape({5, 5}); });
  CHECK(e.code() == "reshape.size");
  CHECK(e.expected().find("24") != std::string::npos);
  CHECK(e.actual().find("25") != std::string::npos);
  CHECK(e.fix().find("24") != std::string::npos);
}

TEST_CASE("concat.shape at run time names differing axes and suggests resizing") {
  Tensor a = Tensor::zeros({8, 16, 16, 32}), b = Tensor::zeros({8, 28, 28, 64});
  auto e = capture([&] { (void)concat({a, b}, -1); });
  CHECK(e.code() == "concat.shape");
  CHECK(e.phase() == Phase::run);
  CHECK(e.where().find("test_core.cpp") != std::string::npos);
  CHECK(e.actual() == "(8, 28, 28, 64)");
  CHECK(e.expected() == "(8, 16, 16, 64)");
  CHECK(e.info().marked == std::vector<int>{1, 2});
  CHECK(e.fix().find("Resizing(16, 16)") != std::string::npos);
  CHECK(capture([&] { (void)concat({a, Tensor::zeros({8, 16})}); }).code() == "concat.rank");
  CHECK(capture([&] { (void)concat({a, a}, 4); }).code() == "concat.axis");
}

TEST_CASE("batch.ragged: stacking samples of different shapes") {
  auto e = capture([] {
    (void)stack({Tensor::zeros({128, 128, 3}), Tensor::zeros({128, 128, 3}), Tensor::zeros({64, 64, 3})});
  });
  CHECK(e.code() == "batch.ragged");
  CHECK(e.expected() == "(128, 128, 3)");
  CHECK(e.actual() == "(64, 64, 3)");
  CHECK(e.cause().find("sample 2") != std::string::npos);
  CHECK(e.fix().find("resize") != std::string::npos);
}

TEST_CASE("compare.shape: allclose never broadcasts") {
  auto e = capture([] { (void)allclose(Tensor::zeros({3, 1}), Tensor::zeros({3})); });
  CHECK(e.code() == "compare.shape");
  CHECK(e.expected() == "(3, 1)");
  CHECK(e.actual() == "(3,)");
  CHECK(e.fix().find("a.shape() == b.shape()") != std::string::npos);
  CHECK(equal(Tensor::arange(3), Tensor::arange(3)).sum().item() == 3);
}

TEST_CASE("autograd: gradients of every differentiable op against finite differences") {
  auto x = [](Shape s, std::uint64_t seed) { return Tensor::randn(s, seed).requires_grad(true); };
  check_gradients([](auto& v) { return v[0] * v[1] + v[0]; }, {x({3, 4}, 1), x({4}, 2)});
  check_gradients([](auto& v) { return v[0] / (v[1] * v[1] + 1.0) - v[1]; }, {x({2, 3}, 3), x({2, 1}, 4)});
  check_gradients([](auto& v) { return exp(v[0]) + tanh(v[0]) + sigmoid(v[0]); }, {x({5}, 5)});
  check_gradients([](auto& v) { return log(square(v[0]) + 1.0) + sqrt(square(v[0]) + 1.0); }, {x({5}, 6)});
  check_gradients([](auto& v) { return relu(v[0]) + clip(v[0], -0.5, 0.5); }, {x({20}, 7)});
  check_gradients([](auto& v) { return matmul(v[0], v[1]); }, {x({3, 5}, 8), x({5, 2}, 9)});
  check_gradients([](auto& v) { return matmul(v[0], v[1]); }, {x({2, 3, 4}, 8), x({2, 4, 2}, 9)});
  check_gradients([](auto& v) { return v[0].sum(1) + v[0].mean(1) + v[0].max(1); }, {x({3, 4}, 10)});
  check_gradients([](auto& v) { return softmax(v[0]) + log_softmax(v[0], 0); }, {x({3, 4}, 11)});
  check_gradients([](auto& v) { return transpose(v[0], {1, 2, 0}).reshape({4, 6}); }, {x({2, 3, 4}, 12)});
  check_gradients([](auto& v) { return concat({slice(v[0], 1, 1, 3), v[1]}, 1); }, {x({2, 4}, 13), x({2, 3}, 14)});
  check_gradients([](auto& v) { return stack({v[0], v[1]}, 1); }, {x({2, 3}, 15), x({2, 3}, 16)});
  check_gradients([](auto& v) { return v[0].astype(DType::f64) * 2.0; }, {x({4}, 17)});
}

TEST_CASE("autograd: accumulation, shared subgraphs and no-grad scope") {
  Tensor w = Tensor::from_vector(std::vector<float>{2, 3}).requires_grad(true);
  Tensor y = w * w;            // used twice below: gradients must add up
  (y + y).sum().backward();
  CHECK(allclose(w.grad(), Tensor::from_vector(std::vector<float>{8, 12})));
  (w * 1.0).sum().backward();  // a second backward accumulates into .grad()
  CHECK(allclose(w.grad(), Tensor::from_vector(std::vector<float>{9, 13})));
  {
    NoGradGuard guard;
    Tensor z = w * w;
    CHECK_FALSE(z.requires_grad());
  }
  // A deep chain does not overflow the stack (iterative topological sort).
  Tensor h = w;
  for (int i = 0; i < 20000; ++i) h = h + 0.0;
  h.sum().backward();
}

TEST_CASE("numerics checking names the op that produced NaN") {
  auto e = capture([] {
    NumericsScope checking;
    (void)log(Tensor::from_vector(std::vector<float>{1, -1}));
  });
  CHECK_FALSE(check_numerics());  // the scope has ended
  CHECK(e.code() == "numerics.nonfinite");
  CHECK(e.where().find("log") != std::string::npos);
  CHECK(e.actual().find("1 NaN") != std::string::npos);
  CHECK(e.cause().find("log received 1 values <= 0") != std::string::npos);
  Tensor data = Tensor::from_vector(std::vector<float>{1, std::nanf(""), 2});
  auto e2 = capture([&] {
    NumericsScope checking;
    (void)(data * 2.0);
  });
  CHECK(e2.cause().find("input 0 already holds 1 NaN") != std::string::npos);
  CHECK(e2.cause().find("data") != std::string::npos);
}

TEST_CASE("an internal error says so and is not a ContractError") {
  // No user mistake reaches internal_error (reading a float32 tensor as double is input.dtype,
  // tests/test_core_hostile.cpp), so the function is called directly.
  CHECK_THROWS_AS(internal_error("a broken invariant"), InternalError);
  try {
    internal_error("a broken invariant");
  } catch (const InternalError& e) {
    CHECK(std::string(e.what()).find("internal error") != std::string::npos);
  }
}

}  // TEST_SUITE
