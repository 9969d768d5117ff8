// Suite "layers" (part): activations in oneDNN's blocked layouts between Conv2D, MaxPool2D,
// BatchNorm, ReLU and Concatenate; the conversion to row-major on element access; and the
// BatchNorm + ReLU fold that Model applies. Every blocked flow is compared with the same layers
// fed row-major copies (clone() converts), values and gradients.
#include <doctest/doctest.h>

#include <algorithm>

#include "core/kernels/memory.hpp"
#include "gradcheck.hpp"
#include <tenet/tenet.hpp>

using namespace tenet;

namespace {

// The largest |a - b| over two tensors of one shape (read as row-major).
double max_diff(const Tensor& a, const Tensor& b) {
  REQUIRE(a.shape() == b.shape());
  auto va = a.to_vector<double>(), vb = b.to_vector<double>();
  double worst = 0;
  for (std::size_t i = 0; i < va.size(); ++i) worst = std::max(worst, std::abs(va[i] - vb[i]));
  return worst;
}

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

TEST_SUITE("layers") {

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

TEST_CASE("Model folds a ReLU into the BatchNorm before it, and only when nothing else reads it") {
  auto in = Input({6, 6, 2});
  Conv2D conv(4, {3, 3}, {.seed = 10});
  BatchNorm norm;
  ReLU relu;
  Flatten flat;
  Dense dense(3, {.seed = 11});
  auto normed = norm(conv(in));
  Model folded(in, dense(flat(relu(normed))));
  Tensor x = Tensor::uniform({5, 6, 6, 2}, 12, -2.0, 2.0);

  // The model's (fused) pass against the same layers called one by one (unfused).
  Tensor xa = x.clone().requires_grad(true), xb = x.clone().requires_grad(true);
  Tensor ya = folded.call({xa}, {.training = true})[0];
  norm.discard();
  Tensor yb = dense(flat(relu(norm(conv(xb), {.training = true}))));
  norm.discard();
  CHECK(max_diff(ya, yb) < 1e-5);
  Tensor r = Tensor::uniform(ya.shape(), 13, -1.0, 1.0);
  (ya * r).sum().backward();
  Tensor gx = xa.grad(), ggamma = norm.weights()[0].grad();
  norm.weights()[0].zero_grad();
  (yb * r).sum().backward();
  CHECK(max_diff(gx, xb.grad()) < 1e-5);
  CHECK(max_diff(ggamma, norm.weights()[0].grad()) < 1e-4);

  // The fused pass against finite differences, in inference mode (moving statistics).
  testing::check_gradients(
      [&](const std::vector<Tensor>& v) { return folded.call({v[0]}, {.training = false})[0]; },
      {x.clone().requires_grad(true)}, {norm.weights()[0], norm.weights()[1]});

  // When the BatchNorm's output is also a model output, the ReLU is not folded: that output
  // keeps its negative values.
  Model both({in}, std::vector<SymbolicTensor>{relu(normed), normed});
  auto outs = both.call({x}, {.training = true});
  norm.discard();
  auto lowest = [](const Tensor& t) {
    auto v = t.to_vector<float>();
    return *std::min_element(v.begin(), v.end());
  };
  CHECK(lowest(outs[1]) < 0.0f);
  CHECK(lowest(outs[0]) == 0.0f);
  CHECK(max_diff(outs[0], relu(outs[1])) == 0.0);
}

}  // TEST_SUITE

TEST_SUITE("layers") {

// Identity that records how Model calls it, claiming (like MaxPool2D) to mask a ReLU's gradient.
class SpyImpl : public LayerImpl {
 public:
  SpyImpl() : LayerImpl("Spy", "spy", "", std::source_location::current()) {}
  Shape output_shape(const std::vector<Shape>& in, Phase) override { return in[0]; }
  Tensor forward(const std::vector<Tensor>& in, const CallOptions& o) override {
    input_from_relu = o.input_from_relu;
    return in[0];
  }
  bool masks_relu_gradient() const override { return true; }
  bool input_from_relu = false;
};

TEST_CASE("Model hands a Conv2D's ReLU backward to the next layer only when it alone reads it") {
  auto in = Input({6, 6, 2});
  Tensor x = Tensor::uniform({2, 6, 6, 2}, 30, -1.0, 1.0);
  auto spy_sees = [&](const std::function<Model(const Layer&)>& build) {
    auto impl = std::make_shared<SpyImpl>();
    Model m = build(Layer(impl));
    m.call({x}, {.training = true});
    return impl->input_from_relu;
  };
  Conv2D relu_conv(4, {3, 3}, {.activation = Activation::relu, .seed = 31});
  Conv2D plain_conv(4, {3, 3}, {.seed = 32});
  Flatten flat;
  CHECK(spy_sees([&](const Layer& spy) { return Model(in, flat(spy(relu_conv(in)))); }));
  // no ReLU of its own
  CHECK_FALSE(spy_sees([&](const Layer& spy) { return Model(in, flat(spy(plain_conv(in)))); }));
  // the convolution's output is also a model output
  CHECK_FALSE(spy_sees([&](const Layer& spy) {
    auto f = relu_conv(in);
    return Model({in}, std::vector<SymbolicTensor>{flat(spy(f)), f});
  }));
  // ... or read by another layer
  CHECK_FALSE(spy_sees([&](const Layer& spy) {
    auto f = relu_conv(in);
    return Model(in, Add()({flat(spy(f)), flat(f)}));
  }));
}

TEST_CASE("Model lets MaxPool2D do the ReLU backward of the Conv2D before it, only when nothing else reads it") {
  // Conv2D(relu) -> MaxPool2D inside a Model: the pool passes no gradient through a window whose
  // maximum is 0 and the convolution skips its ReLU's backward. The gradients must equal, bit
  // for bit, those of the same layers called one by one (each doing its own backward).
  // Each kind of window: 2x2/2 (its own loop), overlapping 3x3/2 (a cell in several windows),
  // and "same" padding.
  struct Pool { long k, s; Padding padding; };
  for (const Pool& pc : {Pool{2, 2, Padding::valid}, Pool{3, 2, Padding::valid},
                         Pool{2, 2, Padding::same}}) {
  CAPTURE(pc.k);
  CAPTURE(pc.s);
  auto in = Input({9, 9, 3});
  Conv2D conv(32, {3, 3}, {.activation = Activation::relu, .seed = 20});
  MaxPool2D pool({pc.k, pc.k}, {.strides = {pc.s, pc.s}, .padding = pc.padding});
  Flatten flat;
  Dense dense(4, {.seed = 21});
  auto features = conv(in);
  Model fused(in, dense(flat(pool(features))));
  Tensor x = Tensor::uniform({6, 9, 9, 3}, 22, -1.0, 1.0);

  Tensor xa = x.clone().requires_grad(true), xb = x.clone().requires_grad(true);
  Tensor ya = fused.call({xa}, {.training = true})[0];
  Tensor pooled = pool(conv(xb));
  Tensor yb = dense(flat(pooled));
  // Some windows are all zero after the ReLU: those are the ones whose gradient the pool drops.
  auto pv = pooled.to_vector<float>();
  CHECK(std::count(pv.begin(), pv.end(), 0.0f) > 0);
  CHECK(max_diff(ya, yb) == 0.0);
  Tensor r = Tensor::uniform(ya.shape(), 23, -1.0, 1.0);
  auto grads = [&](const Tensor& y, const Tensor& xin) {
    for (auto& w : conv.weights()) w.zero_grad();
    (y * r).sum().backward();
    std::vector<Tensor> g{xin.grad()};
    for (auto& w : conv.weights()) g.push_back(w.grad());
    return g;
  };
  auto ga = grads(ya, xa), gb = grads(yb, xb);
  for (std::size_t i = 0; i < ga.size(); ++i) CHECK(max_diff(ga[i], gb[i]) == 0.0);

  // (Finite differences are no sharper a check here: the unfused layers' gradients are checked
  // against them in their own tests, and this net has ReLU and max kinks within any step.)

  // When the convolution's output is also a model output, its ReLU's backward must stay: the
  // gradient arriving through that second output is not masked by any pool.
  Model both({in}, std::vector<SymbolicTensor>{dense(flat(pool(features))), features});
  Tensor xc = x.clone().requires_grad(true), xd = x.clone().requires_grad(true);
  auto outs = both.call({xc}, {.training = true});
  Tensor feats = conv(xd);
  Tensor alone = dense(flat(pool(feats)));
  Tensor r2 = Tensor::uniform(feats.shape(), 24, -1.0, 1.0);
  for (auto& w : conv.weights()) w.zero_grad();
  ((outs[0] * r).sum() + (outs[1] * r2).sum()).backward();
  std::vector<Tensor> gc{xc.grad()};
  for (auto& w : conv.weights()) gc.push_back(w.grad());
  for (auto& w : conv.weights()) w.zero_grad();
  ((alone * r).sum() + (feats * r2).sum()).backward();
  std::vector<Tensor> gd{xd.grad()};
  for (auto& w : conv.weights()) gd.push_back(w.grad());
  for (std::size_t i = 0; i < gc.size(); ++i) CHECK(max_diff(gc[i], gd[i]) == 0.0);
  }
}

}  // TEST_SUITE
