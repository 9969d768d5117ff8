// Suite "contracts": every code of the contract catalog (docs/errors.md) raised at its phase,
// with the layer and source line, expected and actual shapes, and a cause and fix computed
// from the graph or the data. This file: the build-phase codes and the error gallery;
// test_contracts_run.cpp: the run- and load-phase codes and the codes outside the catalog.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sys/wait.h>

#include "test_contracts_util.hpp"

using namespace tenet;
using contracts_test::at;
using contracts_test::capture;
using contracts_test::has;

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

TEST_SUITE("contracts") {

TEST_CASE("concat.shape: the issue's model, a pooled branch against a 5x5 valid branch") {
  clear_session();
  auto in = Input({32, 32, 3}, {.name = "image"});
  auto a = Conv2D(32, {3, 3}, {.padding = Padding::same})(in);
  a = MaxPool2D({2, 2})(a);
  auto b = Conv2D(64, {5, 5})(in);
  Concatenate cat; const unsigned line = __LINE__;
  auto e = capture("concat.shape", [&] { (void)cat({a, b}); });
  CHECK(e.phase() == Phase::build);
  CHECK(has(e.where(), "'concatenate' (Concatenate)"));
  CHECK(has(e.where(), at(__FILE__, line)));
  CHECK(e.expected() == "(None, 16, 16, 64)");
  CHECK(e.actual() == "(None, 28, 28, 64)");
  CHECK(e.info().marked == std::vector<int>{1, 2});
  const std::string w = e.what();
  CHECK(has(w, "(None, 16, 16, 32)"));  // both inputs shown
  CHECK(has(w, "(None, 28, 28, 64)"));
  CHECK(has(w, "                   ^^  ^^\n"));  // height and width marked
  // provenance: one branch pooled to 16x16, the other a 5x5 valid convolution on 32x32
  REQUIRE(e.provenance().size() == 4);
  CHECK(has(e.provenance()[2], "max_pooling2d (MaxPool2D 2x2): (None, 32, 32, 32) -> (None, 16, 16, 32)"));
  CHECK(has(e.provenance()[3], "conv2d_1 (Conv2D 5x5, valid): (None, 32, 32, 3) -> (None, 28, 28, 64)"));
  // the cause names the branch layer that produced the odd size, from the graph
  CHECK(has(e.cause(), "'conv2d_1' applies a 5x5 kernel with padding \"valid\" to 32x32, giving 28x28"));
  CHECK(has(e.cause(), "'max_pooling2d' pools 32x32 to 16x16"));
  CHECK(has(e.cause(), "height 16 vs 28"));
  CHECK(has(e.fix(), "give 'conv2d_1' padding \"same\""));
  CHECK(has(e.fix(), "MaxPool2D({2, 2})"));
  CHECK(has(e.fix(), "Resizing(16, 16)"));
}

TEST_CASE("concat.shape: three inputs, the third one differing in width only") {
  clear_session();
  auto a = Input({8, 8, 4}, {.name = "a"}), b = Input({8, 8, 2}, {.name = "b"});
  auto c = Input({8, 6, 1}, {.name = "c"});
  Concatenate cat(-1, {.name = "join3"}); const unsigned line = __LINE__;
  auto e = capture("concat.shape", [&] { (void)cat({a, b, c}); });
  CHECK(has(e.where(), "'join3' (Concatenate) created at " + at(__FILE__, line)));
  CHECK(e.expected() == "(None, 8, 8, 1)");
  CHECK(e.actual() == "(None, 8, 6, 1)");
  CHECK(e.info().marked == std::vector<int>{2});
  CHECK(has(e.cause(), "'c' (InputLayer)"));
  CHECK(has(e.cause(), "width 8 vs 6"));
  CHECK(has(e.fix(), "Resizing(8, 8)"));
  CHECK(cat({a, b, Input({8, 8, 1})}).shape() == Shape{kUnknown, 8, 8, 7});
}

TEST_CASE("concat.shape on another axis: joining on height, channels differ") {
  clear_session();
  auto a = Input({8, 8, 4}, {.name = "a"}), b = Input({5, 8, 3}, {.name = "b"});
  Concatenate cat(1); const unsigned line = __LINE__;
  auto e = capture("concat.shape", [&] { (void)cat({a, b}); });
  CHECK(has(e.where(), at(__FILE__, line)));
  CHECK(e.info().marked == std::vector<int>{3});
  CHECK(e.expected() == "(None, 5, 8, 4)");
  CHECK(has(e.cause(), "channels 4 vs 3"));
  CHECK(has(e.fix(), "channels (axis 3)"));
}

TEST_CASE("concat.shape at run time: an eager call has phase run and the same facts") {
  clear_session();
  Concatenate cat; const unsigned line = __LINE__;
  auto e = capture("concat.shape", [&] {
    (void)cat({Tensor::zeros({2, 16, 16, 3}), Tensor::zeros({2, 28, 28, 3})});
  });
  CHECK(e.phase() == Phase::run);
  CHECK(has(e.where(), at(__FILE__, line)));
  CHECK(e.actual() == "(2, 28, 28, 3)");
  CHECK(has(e.fix(), "Resizing(16, 16)"));
}

TEST_CASE("concat.rank and concat.axis") {
  clear_session();
  Concatenate cat; const unsigned line = __LINE__;
  auto r = capture("concat.rank", [&] { (void)cat({Input({4, 4, 2}, {.name = "img"}), Input({10}, {.name = "vec"})}); });
  CHECK(r.phase() == Phase::build);
  CHECK(has(r.where(), at(__FILE__, line)));
  CHECK(r.expected() == "(None, 4, 4, 2)");
  CHECK(r.actual() == "(None, 10)");
  CHECK(has(r.cause(), "rank 4"));
  CHECK(has(r.cause(), "'vec'"));
  CHECK(has(r.fix(), "Flatten"));
  Concatenate bad(5); const unsigned line2 = __LINE__;
  auto x = Input({4, 4, 2});
  auto a = capture("concat.axis", [&] { (void)bad({x, x}); });
  CHECK(has(a.where(), at(__FILE__, line2)));
  CHECK(a.actual() == "5");
  CHECK(has(a.expected(), "[-4, 3]"));
  CHECK(has(a.cause(), "batch axis"));
  CHECK(has(a.fix(), "axis -1"));
}

TEST_CASE("dense.features: a shared Dense called twice, 2048 where it was built for 1024") {
  clear_session();
  Dense head(10, {.name = "head"}); const unsigned line = __LINE__;
  (void)head(Input({1024}, {.name = "narrow"}));
  auto wide = Dense(2048, {.name = "widen"})(Input({64}, {.name = "small"}));
  auto e = capture("dense.features", [&] { (void)head(wide); });
  CHECK(e.phase() == Phase::build);
  CHECK(has(e.where(), "'head' (Dense) created at " + at(__FILE__, line)));
  CHECK(e.expected() == "(None, 1024)");
  CHECK(e.actual() == "(None, 2048)");
  CHECK(e.info().marked == std::vector<int>{1});
  CHECK(has(e.cause(), "built for 1024"));
  CHECK(has(e.cause(), "'widen' (Dense)"));
  CHECK(has(e.fix(), "new Dense"));
  // provenance lists the upstream layers with shapes
  REQUIRE(e.provenance().size() == 2);
  CHECK(has(e.provenance()[1], "widen (Dense"));
  CHECK(has(e.provenance()[1], "(None, 64) -> (None, 2048)"));
  // the same layer eagerly: phase run
  auto r = capture("dense.features", [&] { (void)head(Tensor::zeros({3, 512})); });
  CHECK(r.phase() == Phase::run);
  CHECK(r.actual() == "(3, 512)");
}

TEST_CASE("dense.undefined: None height/width, Flatten, Dense") {
  clear_session();
  auto in = Input({kUnknown, kUnknown, 3});
  auto x = Flatten()(Conv2D(8, {3, 3})(in));
  Dense d(10); const unsigned line = __LINE__;
  auto e = capture("dense.undefined", [&] { (void)d(x); });
  CHECK(e.phase() == Phase::build);
  CHECK(has(e.where(), at(__FILE__, line)));
  CHECK(e.actual() == "(None, None)");
  CHECK(has(e.cause(), "'flatten' (Flatten)"));
  CHECK(has(e.fix(), "GlobalAveragePooling2D"));
  CHECK(e.provenance().size() == 3);
}

TEST_CASE("conv.rank: the channel axis is missing, or an extra axis") {
  clear_session();
  Conv2D conv(8, {3, 3}); const unsigned line = __LINE__;
  auto e = capture("conv.rank", [&] { (void)conv(Input({28, 28}, {.name = "gray"})); });
  CHECK(e.phase() == Phase::build);
  CHECK(has(e.where(), "'conv2d' (Conv2D) created at " + at(__FILE__, line)));
  CHECK(e.expected() == "(None, 28, 28, channels)");
  CHECK(e.actual() == "(None, 28, 28)");
  CHECK(has(e.cause(), "channel axis is missing"));
  CHECK(has(e.fix(), "expand_dims(x, -1)"));
  auto five = capture("conv.rank", [&] { (void)MaxPool2D()(Input({4, 28, 28, 1})); });
  CHECK(has(five.cause(), "batched twice"));
  auto run = capture("conv.rank", [&] { (void)conv(Tensor::zeros({28, 28, 1})); });
  CHECK(run.phase() == Phase::run);
  CHECK(has(run.fix(), "expand_dims(x, 0)"));
}

TEST_CASE("conv.channels: four channels into a layer built for three") {
  clear_session();
  Conv2D conv(8, {3, 3}, {.padding = Padding::same}); const unsigned line = __LINE__;
  (void)conv(Input({32, 32, 3}, {.name = "rgb"}));
  auto e = capture("conv.channels", [&] { (void)conv(Input({32, 32, 4}, {.name = "rgba"})); });
  CHECK(e.phase() == Phase::build);
  CHECK(has(e.where(), at(__FILE__, line)));
  CHECK(e.expected() == "(None, 32, 32, 3)");
  CHECK(e.actual() == "(None, 32, 32, 4)");
  CHECK(e.info().marked == std::vector<int>{3});
  CHECK(has(e.cause(), "RGBA"));
  CHECK(has(e.cause(), "(3, 3, 3, 8)"));
  CHECK(has(e.fix(), "slice(x, -1, 0, 3)"));
  auto gray = capture("conv.channels", [&] { (void)conv(Tensor::zeros({1, 8, 8, 1})); });
  CHECK(gray.phase() == Phase::run);
  CHECK(has(gray.cause(), "grayscale"));
}

TEST_CASE("conv.too_small: the size arithmetic after two poolings") {
  clear_session();
  auto x = MaxPool2D()(MaxPool2D()(Input({16, 16, 3})));
  Conv2D conv(8, {5, 5}); const unsigned line = __LINE__;
  auto e = capture("conv.too_small", [&] { (void)conv(x); });
  CHECK(e.phase() == Phase::build);
  CHECK(has(e.where(), at(__FILE__, line)));
  CHECK(e.actual() == "(None, 4, 4, 3)");
  CHECK(e.expected() == "(None, >=5, >=5, 3)");
  CHECK(has(e.cause(), "(4 - 5)/1 + 1 = 0"));
  CHECK(has(e.fix(), "padding \"same\""));
  CHECK(has(e.fix(), "fewer pooling"));
  auto pool = capture("conv.too_small", [&] { (void)MaxPool2D({3, 3})(Tensor::zeros({1, 2, 8, 1})); });
  CHECK(pool.phase() == Phase::run);
  CHECK(pool.info().marked == std::vector<int>{1});
}

TEST_CASE("batchnorm.features: a BatchNorm reused on another channel count") {
  clear_session();
  BatchNorm bn; const unsigned line = __LINE__;
  (void)bn(Input({8, 8, 16}));
  auto e = capture("batchnorm.features", [&] { (void)bn(Input({8, 8, 32})); });
  CHECK(e.phase() == Phase::build);
  CHECK(has(e.where(), "'batch_normalization' (BatchNorm) created at " + at(__FILE__, line)));
  CHECK(e.expected() == "(None, 8, 8, 16)");
  CHECK(e.actual() == "(None, 8, 8, 32)");
  CHECK(has(e.cause(), "16"));
  CHECK(has(e.fix(), "new BatchNorm"));
}

TEST_CASE("elementwise.shape: Add layer at build time, tensor ops at run time") {
  clear_session();
  Add add; const unsigned line = __LINE__;
  auto a = Input({28, 28, 3}, {.name = "full"}), b = MaxPool2D()(Input({28, 28, 3}, {.name = "other"}));
  auto e = capture("elementwise.shape", [&] { (void)add({a, b}); });
  CHECK(e.phase() == Phase::build);
  CHECK(has(e.where(), at(__FILE__, line)));
  CHECK(e.expected() == "(None, 28, 28, 3)");
  CHECK(e.actual() == "(None, 14, 14, 3)");
  CHECK(e.info().marked == std::vector<int>{1, 2});
  CHECK(has(e.cause(), "28 vs 14"));
  CHECK(has(e.cause(), "'max_pooling2d'"));
  auto run = capture("elementwise.shape", [&] { (void)(Tensor::zeros({4, 3}) * Tensor::zeros({4, 2})); });
  CHECK(run.phase() == Phase::run);
  CHECK(has(run.cause(), "3 vs 2"));
  CHECK(has(run.fix(), "size 1"));
}

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

TEST_CASE("model.graph: an output needing an unlisted Input, and an unused Input") {
  clear_session();
  auto a = Input({4}, {.name = "a"}), b = Input({4}, {.name = "b"});
  auto out = Add()({a, b});
  const unsigned line = __LINE__; auto e = capture("model.graph", [&] { (void)Model(a, out, "m"); });
  CHECK(e.phase() == Phase::build);
  CHECK(has(e.where(), "'m' (Model) created at " + at(__FILE__, line)));
  CHECK(has(e.actual(), "b (None, 4)"));
  CHECK(has(e.fix(), "Model({a, b}"));
  auto c = Input({4}, {.name = "c"});
  auto unused = capture("model.graph", [&] { (void)Model({a, b, c}, out); });
  CHECK(has(unused.actual(), "c"));
  CHECK(has(unused.fix(), "drop it"));
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

TEST_CASE("the error gallery raises every code and exits 0") {
  const std::string cmd = std::string(TENET_BINARY_DIR) + "/examples/error_gallery 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int status = pclose(p);
  REQUIRE(WIFEXITED(status));
  CHECK_MESSAGE(WEXITSTATUS(status) == 0, out);
  const char* codes[] = {
      "concat.shape", "concat.rank", "concat.axis", "dense.features", "dense.undefined",
      "conv.rank", "conv.channels", "conv.too_small", "batchnorm.features", "elementwise.shape",
      "layer.input_spec", "model.graph", "input.count", "input.rank", "input.shape",
      "input.dtype", "batch.mismatch", "batch.empty", "batch.ragged", "loss.label_shape",
      "loss.label_range", "loss.label_dtype", "numerics.nonfinite", "compare.shape",
      "options.invalid", "checkpoint.mismatch", "data.format"};
  for (const char* c : codes) CHECK_MESSAGE(has(out, std::string("[") + c + "]"), c);
  CHECK(!has(out, "FAILED"));
  // docs/errors.md has one section per code
  std::ifstream doc(std::string(TENET_SOURCE_DIR) + "/docs/errors.md");
  const std::string text((std::istreambuf_iterator<char>(doc)), std::istreambuf_iterator<char>());
  for (const char* c : codes) CHECK_MESSAGE(has(text, std::string("\n## ") + c + "\n"), c);
  CHECK(!has(out, "dnnl"));
}

}  // TEST_SUITE
