// Suite "core/kernels": the tests of layout.
#include <doctest/doctest.h>

#include <algorithm>

#include <tenet/tenet.hpp>

#include "core/kernels/memory.hpp"
#include "core/tensor/storage.hpp"
#include "support/gradcheck.hpp"
#include "support/layout_util.hpp"

using namespace tenet;
using tenet::testing::max_diff;

namespace {

// Runs `net` on x twice: as the layers pass tensors on (blocked where oneDNN prefers), and with
// every intermediate cloned to row-major first. Returns the largest output difference and the
// largest gradient difference over x and `params`.
struct FlowDiff {
  double value = 0, grad = 0;
};
using Net = std::function<Tensor(const Tensor&, const std::function<Tensor(Tensor)>&)>;
FlowDiff compare_flows(const Net& net, const Tensor& x0, std::vector<Tensor> params) {
  FlowDiff d;
  Tensor r;  // one random projection for both flows
  std::vector<Tensor> grads[2];
  Tensor outs[2];
  for (int plain = 0; plain < 2; ++plain) {
    Tensor x = x0.clone().requires_grad(true);
    for (auto& p : params) p.zero_grad();
    // t * 1 reads t's elements (converting it) and gives a row-major result with a gradient.
    auto pass = [plain](Tensor t) { return plain ? t * 1.0 : t; };
    Tensor y = net(x, pass);
    if (!r.defined()) r = Tensor::uniform(y.shape(), 7, -1.0, 1.0);
    (y * r).sum().backward();
    outs[plain] = y.detach();
    grads[plain].push_back(x.grad());
    for (auto& p : params) grads[plain].push_back(p.grad());
  }
  d.value = max_diff(outs[0], outs[1]);
  for (std::size_t i = 0; i < grads[0].size(); ++i)
    d.grad = std::max(d.grad, max_diff(grads[0][i], grads[1][i]));
  return d;
}

}  // namespace

TEST_SUITE("core/kernels") {

TEST_CASE("Conv2D, MaxPool2D, BatchNorm and ReLU pass oneDNN's blocked layout on") {
  Conv2D conv1(16, {3, 3}, {.activation = Activation::relu, .seed = 1});
  MaxPool2D pool({2, 2});
  BatchNorm norm;
  ReLU relu;
  Conv2D conv2(8, {3, 3}, {.padding = Padding::same, .seed = 2});
  Tensor x = Tensor::uniform({4, 14, 14, 3}, 3, -1.0, 1.0);

  // The layers' own flow: every output stays in the layout its primitive prefers.
  Tensor a = conv1(x), b = pool(a), c = norm(b, {.training = true}), e = relu(c);
  CHECK(kernels::is_blocked(a));
  CHECK(kernels::is_blocked(b));
  CHECK(kernels::is_blocked(c));
  CHECK(kernels::is_blocked(e));
  CHECK(kernels::is_blocked(conv2(e)));
  norm.discard();

  auto net = [&](const Tensor& in, const std::function<Tensor(Tensor)>& pass) {
    Tensor t = pass(conv1(in));
    t = pass(pool(t));
    t = pass(norm(t, {.training = true}));
    t = pass(relu(t));
    return conv2(t);
  };
  std::vector<Tensor> params = conv1.weights();
  for (auto& w : conv2.weights()) params.push_back(w);
  params.push_back(norm.weights()[0]);  // gamma
  params.push_back(norm.weights()[1]);  // beta
  FlowDiff d = compare_flows(net, x, params);
  norm.discard();
  CHECK(d.value < 1e-5);
  CHECK(d.grad < 1e-4);
}

TEST_CASE("a blocked tensor becomes row-major once, on its first element access, for every view") {
  Conv2D conv(16, {3, 3}, {.seed = 4});
  Tensor x = Tensor::uniform({2, 6, 6, 2}, 5, -1.0, 1.0);
  Tensor y = conv(x);
  REQUIRE(kernels::is_blocked(y));
  Tensor view = y.detach();  // shares the blocked bytes
  Tensor plain = conv(x.clone());
  auto values = y.to_vector<float>();  // converts the storage y and view share
  CHECK_FALSE(kernels::is_blocked(y));
  CHECK_FALSE(kernels::is_blocked(view));
  CHECK(values == view.to_vector<float>());
  CHECK(values == plain.to_vector<float>());
  y.data<float>()[7] = 42.0f;  // views still share storage after the conversion
  CHECK(view.data<float>()[7] == 42.0f);
  // (n, h, w, c) order: element (1, 2, 3, 5) read through at() and through the flat vector.
  CHECK(view.at({1, 2, 3, 5}) == values[((1 * 4 + 2) * 4 + 3) * 16 + 5]);
  // A reshape (Flatten) of a blocked tensor is the row-major order too.
  Tensor z = conv(x);
  REQUIRE(kernels::is_blocked(z));
  values[7] = z.to_vector<float>()[7];
  CHECK(reshape(z, {2, -1}).to_vector<float>() == values);
}

TEST_CASE("oneDNN layers and ops take an empty batch") {
  Conv2D conv(16, {3, 3}, {.seed = 4});
  MaxPool2D pool({2, 2});
  BatchNorm norm;
  Tensor x = Tensor::zeros({0, 8, 8, 2}).requires_grad(true);
  Tensor y = relu(pool(conv(x)));
  CHECK(y.shape() == Shape{0, 3, 3, 16});
  Tensor z = concat({y, norm(y, {.training = true})}, -1);
  norm.discard();
  CHECK(z.shape() == Shape{0, 3, 3, 32});
  z.sum().backward();
  CHECK(x.grad().shape() == x.shape());
}

TEST_CASE("Concatenate of blocked images: aligned and misaligned channel offsets") {
  for (std::int64_t first : {16, 8}) {
    CAPTURE(first);
    Conv2D left(first, {3, 3}, {.padding = Padding::same, .seed = 6});
    Conv2D right(16, {3, 3}, {.padding = Padding::same, .seed = 7});
    Concatenate cat;
    Conv2D after(4, {3, 3}, {.seed = 8});
    Tensor x = Tensor::uniform({2, 8, 8, 1}, 9, -1.0, 1.0);
    Tensor joined = cat({left(x), right(x)});
    CHECK(joined.shape() == Shape{2, 8, 8, first + 16});
    if (first == 16) CHECK(kernels::is_blocked(joined));
    auto net = [&](const Tensor& in, const std::function<Tensor(Tensor)>& pass) {
      return after(pass(cat({pass(left(in)), pass(right(in))})));
    };
    std::vector<Tensor> params = left.weights();
    for (auto& w : right.weights()) params.push_back(w);
    FlowDiff d = compare_flows(net, x, params);
    CHECK(d.value < 1e-5);
    CHECK(d.grad < 1e-4);
  }
}

// A blocked storage's SharedLayout lives in its pool block's header, owned with the block: a
// view keeps both after the tensor that made them is gone; the last owner frees them together.
TEST_CASE("a blocked storage's layout lives in its block: views keep it, the last owner frees it") {
  // A training call's direct convolution (as above): its output lies blocked.
  Conv2D conv(16, {3, 3}, {.seed = 2});
  const Tensor x = Tensor::uniform({2, 6, 6, 2}, 3);
  Tensor y = conv(x).detach(), again = conv(x).detach();
  REQUIRE(kernels::is_blocked(y));
  Tensor view = y.detach();
  const std::weak_ptr<SharedLayout> layout = impl_of(y)->layout;
  y = Tensor();
  CHECK_FALSE(layout.expired());
  CHECK(kernels::is_blocked(view));
  CHECK(array_equal(view, again));  // converted through the view, from the layout in the block
  CHECK_FALSE(kernels::is_blocked(view));
  view = Tensor();
  CHECK(layout.expired());
}

}  // TEST_SUITE
