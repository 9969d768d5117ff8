// Suite "core/tensor": the tests of tensor.
#include <doctest/doctest.h>

#include <thread>

#include <cblas.h>
#include <cmath>
#include <functional>
#include <string>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "core/tensor/tensor_impl.hpp"  // storage_version, written_data
#include "support/test_util.hpp"
#include "support/gradcheck.hpp"

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::check_gradients;
using tenet::testing::has;
using tenet::testing::mentions;
using tenet::testing::kInf;
using tenet::testing::kNaN;

TEST_SUITE("core/tensor") {

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

TEST_CASE("hostile api: a float that no integer dtype value holds is refused, not cast") {
  // Tensor::full(NaN, int64) and astype of NaN / 1e20 were undefined conversions (garbage).
  auto e = capture([] { (void)Tensor::full({2}, kNaN, DType::i64); });
  CHECK(e.code() == "options.invalid");
  CHECK(mentions(e, "the fill value = NaN cannot be converted to int64"));
  CHECK(mentions(e, "NaN has no int64 value"));
  e = capture([] { (void)Tensor::full({2}, 1e30, DType::i32); });
  CHECK(e.code() == "options.invalid");
  CHECK(mentions(e, "[-2147483648, 2147483647]"));
  e = capture([] { (void)Tensor::full({1}, -1, DType::u8); });
  CHECK(mentions(e, "-1 lies outside uint8's range [0, 255]"));
  // A floating scalar makes an integer tensor float32 (as PyTorch): int32 + inf is +inf.
  CHECK((Tensor::ones({2}, DType::i32) + kInf).at({0}) == kInf);
  e = capture([] { (void)Tensor::from_vector(std::vector<float>{1, 2, static_cast<float>(kNaN)}).astype(DType::i32); });
  CHECK(e.code() == "input.dtype");
  CHECK(e.site().name == "astype");
  CHECK(mentions(e, "element 2 of astype's input = NaN cannot be converted to int32"));
  e = capture([] { (void)Tensor::full({1}, 300.0).astype(DType::u8); });
  CHECK(mentions(e, "300 lies outside uint8's range [0, 255]"));
  // What fits still converts, truncating toward zero; -2^63 is the last int64.
  CHECK(Tensor::from_vector(std::vector<double>{-0.9, 255.9, 0.5}).astype(DType::u8).at({1}) == 255);
  CHECK(Tensor::full({1}, -9223372036854775808.0, DType::i64).astype(DType::f64).item() ==
        -9223372036854775808.0);
  CHECK(Tensor::full({1}, -1.5, DType::f32).astype(DType::i32).item() == -1);
}

TEST_CASE("hostile api: a finite fill value beyond float32's range is refused, not made inf") {
  // Tensor::full({2}, 1e300) was silently a tensor of +inf (PyTorch refuses it too).
  auto e = capture([] { (void)Tensor::full({2}, 1e300); });
  CHECK(e.code() == "options.invalid");
  CHECK(mentions(e, "the fill value = 1e+300 cannot be converted to float32"));
  CHECK(mentions(e, "would silently give +inf"));
  e = capture([] { (void)Tensor::scalar(-4e38); });
  CHECK(mentions(e, "would silently give -inf"));
  // Infinity and NaN asked for as such, the largest float, and float64 still work.
  CHECK(std::isinf(Tensor::full({1}, kInf).item()));
  CHECK(std::isnan(Tensor::full({1}, kNaN).item()));
  CHECK(Tensor::full({1}, 3.4028234663852886e38).item() == 3.4028234663852886e38);
  CHECK(Tensor::full({1}, 1e300, DType::f64).item() == 1e300);
  // A scalar operand is an operation, not a fill: it rounds as PyTorch's x * 1e300 does.
  CHECK((Tensor::ones({2}) * 1e300).at({1}) == kInf);
  CHECK((Tensor::ones({1}) / 1e300).item() == 0.0);
  CHECK((Tensor::ones({1}) - 1e300).item() == -kInf);
}

TEST_CASE("hostile api: randn and uniform refuse parameters that give no distribution") {
  auto e = capture([] { (void)Tensor::randn({3}, 1, 0.0, -1.0); });
  CHECK(e.code() == "options.invalid");
  CHECK(mentions(e, "Tensor::randn stddev = -1"));
  e = capture([] { (void)Tensor::randn({3}, 1, kNaN, 1.0); });
  CHECK(mentions(e, "Tensor::randn mean = NaN"));
  e = capture([] { (void)Tensor::randn({3}, 1, 0.0, kInf); });
  CHECK(mentions(e, "Tensor::randn stddev = inf"));
  e = capture([] { (void)Tensor::uniform({3}, 1, 5.0, 1.0); });
  CHECK(e.code() == "options.invalid");
  CHECK(mentions(e, "Tensor::uniform high = 1"));
  CHECK(mentions(e, "a finite number >= 5"));
  CHECK(Tensor::randn({3}, 1, 2.0, 0.0).to_vector<float>() == std::vector<float>{2, 2, 2});
  // Bounds beyond float32 drew infinities (uniform({3}, 1, -1e300, 1e300) was all -inf).
  e = capture([] { (void)Tensor::uniform({3}, 1, -1e300, 1e300); });
  CHECK(e.code() == "options.invalid");
  CHECK(mentions(e, "Tensor::uniform low = -1e+300 cannot be converted to float32"));
}

TEST_CASE("hostile api: an integer tensor's mean is float32") {
  // An int32 mean of 3 and 4 was 3.
  const Tensor ints = Tensor::from_vector(std::vector<std::int32_t>{3, 4});
  CHECK(ints.mean().dtype() == DType::f32);
  CHECK(ints.mean().item() == 3.5);
  CHECK(Tensor::ones({2, 3}).mean(1).at({1}) == 1.0);
}

TEST_CASE("storage_version: renewed by every write, shared by views, never trusted once a pointer escaped") {
  Tensor t = Tensor::zeros({2, 3});
  const std::uint64_t v0 = storage_version(t);
  CHECK(v0 != 0);
  CHECK(storage_version(Tensor::zeros({2, 3})) != v0);  // no two contents share a version
  (void)std::as_const(t).data<float>();  // reading keeps the version
  (void)t.to_vector<float>();
  (void)t.clone();
  CHECK(storage_version(t) == v0);
  Tensor view = t.detach(), flat = t.reshape({6});
  CHECK(storage_version(view) == v0);
  written_data<float>(flat)[4] = 1.0f;  // the engine's write through a view renews it for all
  const std::uint64_t v1 = storage_version(t);
  CHECK(v1 != 0);
  CHECK(v1 != v0);
  CHECK(storage_version(view) == v1);
  CHECK(storage_version(t.clone()) != v1);
  (void)view.data<float>();  // a mutable pointer reached the user: 0 from now on, for every view
  CHECK(storage_version(t) == 0);
  written_bytes(t);
  CHECK(storage_version(flat) == 0);
  CHECK(std::as_const(t).data<float>()[4] == 1.0f);
}

// A storage's shared_ptr keeps its control block in the pool block's header: the block goes
// back to the pool only when the last owner, weak ones included, is gone, and comes out again
// with a fresh version that is trusted (the previous contents' escaped pointer is forgotten).
TEST_CASE("storage blocks: handed out again only after the last owner, with a fresh trusted version") {
  const Shape odd{12347};  // a size no other test allocates: the pool holds only these blocks
  Tensor t = Tensor::zeros(odd, DType::u8);
  const void* first = stored_bytes(t);
  (void)t.data<std::uint8_t>();  // escaped: version 0
  CHECK(storage_version(t) == 0);
  std::weak_ptr<TensorImpl> impl_alive = detail::TensorAccess::shared(t);
  std::weak_ptr<std::byte> weak_storage = impl_of(t)->storage;
  t = Tensor();
  CHECK(impl_alive.expired());
  CHECK(weak_storage.expired());
  Tensor held = Tensor::zeros(odd, DType::u8);  // the first block is still weakly owned
  CHECK(stored_bytes(held) != first);
  weak_storage.reset();  // now it returns to the pool
  Tensor again = Tensor::zeros(odd, DType::u8);
  CHECK(stored_bytes(again) == first);
  CHECK(storage_version(again) != 0);
  CHECK(again.to_vector<std::uint8_t>() == std::vector<std::uint8_t>(12347, 0));
  CHECK_FALSE(again.requires_grad());
  CHECK_FALSE(again.grad().defined());
  CHECK(exclusively_owned(again));
}

// TensorImpl objects come from a per-thread list of freed ones (new_tensor_impl): one handed
// out again starts with every field at its default, whatever the tensor before it held.
TEST_CASE("new_tensor_impl: a reused TensorImpl holds no stale gradient, graph or layout") {
  Tensor w = Tensor::ones({3}).requires_grad(true);
  Tensor loss = (w * w).sum();
  loss.backward();
  REQUIRE(w.grad().defined());
  const TensorImpl* old_impl = impl_of(w);
  w = Tensor();  // its impl (and its gradient's) go back to this thread's list
  loss = Tensor();
  bool reused = false;
  std::vector<Tensor> fresh;  // kept alive, so each takes another freed block
  for (int i = 0; i < 8 && !reused; ++i) {
    fresh.push_back(Tensor::empty({3}));
    const Tensor& t = fresh.back();
    reused = impl_of(t) == old_impl;
    CHECK_FALSE(t.requires_grad());
    CHECK_FALSE(t.grad().defined());
    CHECK(t.grad_fn() == nullptr);
    CHECK(impl_of(t)->layout == nullptr);
    CHECK(storage_version(t) != 0);
  }
  CHECK(reused);  // the list really hands blocks out again
  // A tensor made on one thread and released on another goes to that thread's list.
  Tensor moved = Tensor::full({2}, 7.0);
  std::thread([t = std::move(moved)]() mutable { t = Tensor(); }).join();
  CHECK(Tensor::full({2}, 7.0).to_vector<float>() == std::vector<float>{7, 7});
}

TEST_CASE("hostile api: DType(42) and arange(-1) are options.invalid naming the value") {
  const auto bad = static_cast<DType>(42);
  const std::string dtypes = "one of DType::f32, DType::f64, DType::u8, DType::i32 or DType::i64";
  for (auto* make : {+[](DType d) { (void)Tensor::zeros({2}, d); },
                     +[](DType d) { (void)Tensor::ones({2}, d); },
                     +[](DType d) { (void)Tensor::arange(3, d); },
                     +[](DType d) { (void)Tensor::ones({2}).astype(d); }}) {
    const ContractError e = capture([&] { make(bad); });
    INFO(e.what());
    CHECK(e.code() == "options.invalid");
    CHECK(e.actual() == "DType(42)");
    CHECK(e.expected() == dtypes);
    CHECK(!has(e.what(), "got ?"));
  }
  CHECK(has(capture([&] { (void)Tensor::zeros({2}, bad); }).what(), "Tensor::zeros dtype"));
  CHECK(has(capture([&] { (void)Tensor::ones({2}).astype(bad); }).what(), "astype dtype"));
  const ContractError n = capture([] { (void)Tensor::arange(-1); });
  CHECK(n.code() == "options.invalid");
  CHECK(has(n.what(), "Tensor::arange n"));
  CHECK(n.actual() == "-1");
  CHECK(n.expected() == "an integer >= 0");
  CHECK(!has(n.what(), "None"));
  CHECK(Tensor::arange(0).shape() == Shape{0});
}

}  // TEST_SUITE
