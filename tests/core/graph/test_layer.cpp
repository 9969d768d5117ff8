// Suite "core/graph": the tests of layer.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <sys/wait.h>
#include <string>
#include <unistd.h>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include <tenet/tenet.hpp>

#include "support/test_contracts_util.hpp"
#include "support/test_util.hpp"

using namespace tenet;
using contracts_test::at;
using contracts_test::capture;
using contracts_test::has;
using tenet::testing::capture;
using tenet::testing::has;
namespace fs = std::filesystem;

namespace {
// A user-written layer, as in examples/custom_layer.cpp: (batch, 1024) declared in an InputSpec.
class ScaleImpl : public LayerImpl {
 public:
  ScaleImpl(std::int64_t features, std::source_location loc)
      : LayerImpl("Scale", "scale", "", loc), features_(features) {
    spec_.rank = 2;
    spec_.axes = {-1};
    spec_.axes_dims = {features};
  }
  const InputSpec* input_spec() const override { return &spec_; }
  Shape output_shape(const std::vector<Shape>& in, Phase) override { return in[0]; }
  void build(const std::vector<Shape>&) override { w_ = Tensor::ones({features_}).requires_grad(true); }
  Tensor forward(const std::vector<Tensor>& in, const CallOptions&) override { return in[0] * w_; }
  std::vector<Tensor> weights() const override { return built() ? std::vector{w_} : std::vector<Tensor>{}; }

 private:
  std::int64_t features_;
  InputSpec spec_;
  Tensor w_;
};
class Scale : public Layer {
 public:
  explicit Scale(std::int64_t features, std::source_location loc = std::source_location::current())
      : Layer(std::make_shared<ScaleImpl>(features, loc)) {}
};

}  // namespace

TEST_SUITE("core/graph") {

TEST_CASE("layer.input_spec: a user layer's declared contract, at build and at run time") {
  clear_session();
  auto wide = Dense(2048, {.name = "backbone"})(Input({8}, {.name = "x"}));
  Scale scale(1024); const unsigned line = __LINE__;
  auto e = capture("layer.input_spec", [&] { (void)scale(wide); });
  CHECK(e.phase() == Phase::build);
  CHECK(has(e.where(), "'scale' (Scale) created at " + at(__FILE__, line)));
  CHECK(e.expected() == "(None, 1024)");
  CHECK(e.actual() == "(None, 2048)");
  CHECK(e.info().marked == std::vector<int>{1});
  CHECK(has(e.cause(), "'backbone' (Dense)"));
  CHECK(has(e.cause(), "InputSpec"));
  CHECK(has(e.fix(), "Dense(1024)"));
  CHECK(e.provenance().size() == 2);
  auto rank = capture("layer.input_spec", [&] { (void)scale(Input({32, 32})); });
  CHECK(rank.expected() == "rank 2");
  auto run = capture("layer.input_spec", [&] { (void)scale(Tensor::zeros({4, 10})); });
  CHECK(run.phase() == Phase::run);
  CHECK(run.actual() == "(4, 10)");
  // when the contract holds, the user layer works in a model and trains through autograd
  auto in = Input({1024});
  Model m(in, Scale(1024)(in));
  CHECK(allclose(m.predict(Tensor::ones({2, 1024})), Tensor::ones({2, 1024}), 0, 0));
}

TEST_CASE("provenance in a deeper graph lists every upstream layer with its shapes") {
  clear_session();
  auto in = Input({32, 32, 3}, {.name = "img"});
  auto x = Conv2D(8, {3, 3}, {.padding = Padding::same})(in);
  x = MaxPool2D()(x);
  x = Conv2D(16, {3, 3})(x);
  x = MaxPool2D()(x);
  x = Flatten()(x);
  Dense head(10); const unsigned line = __LINE__;
  (void)head(Input({100}));
  auto e = capture("dense.features", [&] { (void)head(x); });
  CHECK(has(e.where(), at(__FILE__, line)));
  CHECK(e.actual() == "(None, 784)");
  const std::vector<std::string> want = {
      "img (InputLayer): (None, 32, 32, 3)",
      "conv2d (Conv2D 3x3, same): (None, 32, 32, 3) -> (None, 32, 32, 8)",
      "max_pooling2d (MaxPool2D 2x2): (None, 32, 32, 8) -> (None, 16, 16, 8)",
      "conv2d_1 (Conv2D 3x3, valid): (None, 16, 16, 8) -> (None, 14, 14, 16)",
      "max_pooling2d_1 (MaxPool2D 2x2): (None, 14, 14, 16) -> (None, 7, 7, 16)",
      "flatten (Flatten): (None, 7, 7, 16) -> (None, 784)"};
  REQUIRE(e.provenance().size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) CHECK(e.provenance()[i] == want[i]);
  const std::string w = e.what();
  CHECK(has(w, "how the shapes came about:\n    img (InputLayer)"));
}

TEST_CASE("empty handles: layers, models and Sequential name the argument") {
  SymbolicTensor x = Input({4});
  auto e = capture([&] { (void)Dense(2, {.name = "d"})(SymbolicTensor()); });
  CHECK(e.code() == "options.invalid");
  CHECK(has(e, "the input of 'd'"));
  CHECK(has(e, "empty SymbolicTensor"));
  e = capture([&] { (void)Dense(2, {.name = "d_eager"})(Tensor()); });
  CHECK(e.code() == "options.invalid");
  CHECK(has(e, "the input of 'd_eager'"));
  e = capture([&] { (void)Concatenate(-1, {.name = "cat"})({x, SymbolicTensor()}); });
  CHECK(e.code() == "options.invalid");
  CHECK(has(e, "the 2nd input of 'cat'"));
  e = capture([&] { (void)Layer()(x); });
  CHECK(e.code() == "options.invalid");
  CHECK(has(e, "empty Layer"));
  e = capture([&] { (void)Layer()(Tensor::ones({1, 4})); });
  CHECK(e.code() == "options.invalid");
  e = capture([&] { (void)Layer().name(); });
  CHECK(has(e, "the Layer whose name() was called"));
  e = capture([&] { Model m{SymbolicTensor(), SymbolicTensor()}; });
  CHECK(e.code() == "options.invalid");
  CHECK(has(e, "the 1st input of Model"));
  SymbolicTensor y = Dense(1)(x);
  e = capture([&] { Model m({x, SymbolicTensor()}, y); });
  CHECK(has(e, "the 2nd input of Model"));
  e = capture([&] { Model m({x}, std::vector<SymbolicTensor>{y, SymbolicTensor()}); });
  CHECK(has(e, "the 2nd output of Model"));
  e = capture([&] { Sequential s({Input({4}), Dense(2), Layer()}); });
  CHECK(e.code() == "options.invalid");
  CHECK(has(e, "the 3rd element of Sequential"));
  e = capture([&] { (void)SymbolicTensor().shape(); });
  CHECK(e.code() == "options.invalid");
  CHECK(has(e, "the SymbolicTensor whose shape() was called"));
  Model m(x, y);
  e = capture([&] { (void)m.call({}); });  // an internal error before
  CHECK(e.code() == "input.count");
  Dense d(2, {.name = "dw"});
  (void)d(x);
  e = capture([&] { d.set_weights({Tensor(), Tensor::zeros({2})}); });
  CHECK(has(e, "the 1st value given to set_weights of 'dw'"));
}

TEST_CASE("the size origin of a long 'same' chain names the layer that changed the size") {
  clear_session();
  auto in = Input({32, 32, 3});
  auto x = Conv2D(4, {5, 5}, {.name = "shrink"})(in);  // valid: 28x28
  for (int i = 0; i < 50; ++i) x = Conv2D(4, {3, 3}, {.padding = Padding::same})(x);
  auto e = capture([&] { (void)Concatenate()({x, Input({32, 32, 4})}); });
  CHECK(e.code() == "concat.shape");
  CHECK(has(e.cause(), "'shrink' applies a 5x5 kernel with padding \"valid\" to 32x32, giving 28x28"));
}

}  // TEST_SUITE
