// Suite "core/graph": a user's own layer at build time (core/graph/user_layer.cpp): its forward
// runs on an empty batch when the model is built, so a call that cannot work is refused there,
// naming the layer and the op; expect_shape / expect_dtype; a declared output_shape that forward
// does not follow; a correct layer builds, trains and has correct gradients.
#include <doctest/doctest.h>

#include <tenet/tenet.hpp>

#include "core/graph/builtin.hpp"
#include "support/gradcheck.hpp"
#include "support/test_contracts_util.hpp"
#include "support/test_util.hpp"

using namespace tenet;
using contracts_test::at;
using contracts_test::capture;
using tenet::testing::has;

namespace {

constexpr unsigned kMultiplyLine = __LINE__ + 15;  // the line of `in[0] * w_` in GateImpl

// y = x * gate, with a gate of a fixed size given to the constructor (the mistake: it should
// follow the input's features). Declares the usual "same shape out" rule.
class GateImpl : public LayerImpl {
 public:
  GateImpl(std::int64_t units, std::source_location loc)
      : LayerImpl("Gate", "gate", "", loc), units_(units) {}
  Shape output_shape(const std::vector<Shape>& in, Phase) override { return in[0]; }
  void build(const std::vector<Shape>&) override { w_ = Tensor::ones({units_}).requires_grad(true); }
  std::vector<Tensor> weights() const override { return built() ? std::vector{w_} : std::vector<Tensor>{}; }
  std::vector<std::string> weight_names() const override { return {"gate"}; }
  Tensor forward(const std::vector<Tensor>& in, const CallOptions&) override {
    if (noise_batch_ > 0)  // a tensor made for one batch size only
      return in[0] * Tensor::ones({noise_batch_, in[0].shape()[1]});
    return in[0] * w_;
  }
  std::int64_t noise_batch_ = 0;

 private:
  std::int64_t units_;
  Tensor w_;
};
Layer gate(std::int64_t units, std::int64_t noise_batch = 0,
           std::source_location loc = std::source_location::current()) {
  auto impl = std::make_shared<GateImpl>(units, loc);
  impl->noise_batch_ = noise_batch;
  return Layer(impl);
}

// y = x . kernel with a kernel (in, units) of a fixed input size; output_shape only on demand.
class ProjectImpl : public LayerImpl {
 public:
  ProjectImpl(std::int64_t in, std::int64_t units, bool declare, std::source_location loc)
      : LayerImpl("Project", "project", "", loc), in_(in), units_(units), declare_(declare) {}
  Shape output_shape(const std::vector<Shape>& in, Phase p) override {
    return declare_ ? in[0] : LayerImpl::output_shape(in, p);  // declared: a copy-paste slip
  }
  void build(const std::vector<Shape>&) override { k_ = Tensor::ones({in_, units_}).requires_grad(true); }
  std::vector<Tensor> weights() const override { return built() ? std::vector{k_} : std::vector<Tensor>{}; }
  std::vector<std::string> weight_names() const override { return {"kernel"}; }
  Tensor forward(const std::vector<Tensor>& in, const CallOptions&) override { return matmul(in[0], k_); }

 private:
  std::int64_t in_, units_;
  bool declare_;
  Tensor k_;
};
Layer project(std::int64_t in, std::int64_t units, bool declare = false,
              std::source_location loc = std::source_location::current()) {
  return Layer(std::make_shared<ProjectImpl>(in, units, declare, loc));
}

// A correct layer without output_shape: [x, x * w - max over the batch] -> twice the features.
class MixImpl : public LayerImpl {
 public:
  explicit MixImpl(bool center, std::source_location loc = std::source_location::current())
      : LayerImpl("Mix", "mix", "", loc), center_(center) {}
  void build(const std::vector<Shape>& in) override {
    w_ = Tensor::uniform({in[0][1]}, 5, 0.5, 1.5).requires_grad(true);
  }
  std::vector<Tensor> weights() const override { return built() ? std::vector{w_} : std::vector<Tensor>{}; }
  Tensor forward(const std::vector<Tensor>& in, const CallOptions&) override {
    Tensor scaled = in[0] * w_;
    if (center_) scaled = scaled - scaled.max(0, true);  // no max over an empty batch
    return concat({in[0], scaled}, -1);
  }

 private:
  bool center_;
  Tensor w_;
};

// Checks its input with expect_shape (and its dtype).
constexpr unsigned kExpectLine = __LINE__ + 7;
class CheckedImpl : public LayerImpl {
 public:
  explicit CheckedImpl(Shape want, std::source_location loc = std::source_location::current())
      : LayerImpl("Checked", "checked", "", loc), want_(std::move(want)) {}
  Tensor forward(const std::vector<Tensor>& in, const CallOptions&) override {
    expect_dtype(in[0], DType::f32, "features");
    expect_shape(in[0], want_, "features");
    return in[0];
  }

 private:
  Shape want_;
};

// Correct at build time (an inference call); in training, per `slip`: its input twice over
// (another shape), or an empty handle.
enum class Slip { doubled, empty };
class TrainSlipImpl : public LayerImpl {
 public:
  TrainSlipImpl(Slip slip, std::source_location loc)
      : LayerImpl("TrainSlip", "train_slip", "", loc), slip_(slip) {}
  Tensor forward(const std::vector<Tensor>& in, const CallOptions& o) override {
    if (!o.training) return in[0] * 1.0f;
    return slip_ == Slip::doubled ? concat({in[0], in[0]}, -1) : Tensor();
  }

 private:
  Slip slip_;
};
Layer train_slip(Slip slip, std::source_location loc = std::source_location::current()) {
  return Layer(std::make_shared<TrainSlipImpl>(slip, loc));
}

// Stacks its batch twice: the batch axis changes (rows added along axis 0).
class TwiceImpl : public LayerImpl {
 public:
  TwiceImpl() : LayerImpl("Twice", "twice", "", std::source_location::current()) {}
  Tensor forward(const std::vector<Tensor>& in, const CallOptions&) override {
    return concat({in[0], in[0]}, 0);
  }
};

// A user layer class that forgot its base_name (the stem of automatic names).
class NamelessImpl : public LayerImpl {
 public:
  explicit NamelessImpl(std::string name, std::source_location loc = std::source_location::current())
      : LayerImpl("Nameless", "", std::move(name), loc) {}
  Tensor forward(const std::vector<Tensor>& in, const CallOptions&) override { return in[0]; }
};

}  // namespace

TEST_SUITE("core/graph") {

TEST_CASE("a user layer's forward that cannot work is refused when the model is built") {
  clear_session();
  auto x = Input({8}, {.name = "x"});
  Layer g = gate(16); const unsigned created = __LINE__;
  auto e = capture("elementwise.shape", [&] { (void)g(x); }); const unsigned called = __LINE__;
  CHECK(e.phase() == Phase::build);
  CHECK(has(e.where(), "'gate' (Gate) created at " + at(__FILE__, created)));
  CHECK(has(e.where(), "called at " + at(__FILE__, called)));
  CHECK(has(e.info().summary, "its multiply at " + at(__FILE__, kMultiplyLine)));
  CHECK(e.expected() == "(None, 8)");
  CHECK(e.actual() == "(16,)");
  CHECK(e.info().marked == std::vector<int>{0});
  CHECK(has(e.cause(), "an empty batch (0 samples, standing for any batch size) of its input (None, 8)"));
  CHECK(has(e.cause(), "its input (None, 8) and its weight 'gate' (16,)"));
  CHECK(has(e.fix(), "create 'gate' in build() from the input's size (inputs[0].dim(-1), 8 here)"));
  CHECK(has(e.fix(), "Dense(16)"));
  // A tensor made for 32 samples meets the batch: another explanation.
  auto batch = capture("elementwise.shape", [&] { (void)gate(8, 32)(x); });
  CHECK(batch.expected() == "(None, 8)");
  CHECK(batch.actual() == "(32, 8)");
  CHECK(has(batch.cause(), "a value computed in its call, (32, 8)"));
  CHECK(has(batch.fix(), "fits only batches of exactly that size"));
  CHECK(has(batch.fix(), "size 1 on that axis"));
  CHECK(batch.fix() != e.fix());
}

TEST_CASE("a user layer whose matmul meets a kernel made for other features is refused at build") {
  clear_session();
  auto e = capture("matmul.shape", [] { (void)project(16, 4)(Dense(8, {.name = "backbone"})(Input({3}))); });
  CHECK(e.phase() == Phase::build);
  CHECK(has(e.where(), "'project' (Project)"));
  CHECK(has(e.info().summary, "its matmul at"));
  CHECK(e.expected() == "(None, 8)");
  CHECK(e.actual() == "(16, 4)");
  CHECK(e.info().marked == std::vector<int>{0});
  CHECK(e.info().marked_expected == std::vector<int>{1});
  CHECK(has(e.cause(), "its weight 'kernel' (16, 4)"));
  CHECK(has(e.fix(), "create 'kernel' in build() from the input's size (inputs[0].dim(-1), 8 here) "
                     "instead of the fixed 16"));
  CHECK(e.provenance().size() == 2);  // the Input and 'backbone'
  // A max over the batch cannot take an empty batch: the run uses 1 sample, and says so.
  auto one = capture("elementwise.shape", [] {
    struct PeakImpl : LayerImpl {
      PeakImpl() : LayerImpl("Peak", "peak", "", std::source_location::current()) {}
      Tensor forward(const std::vector<Tensor>& in, const CallOptions&) override {
        return in[0].max(0) * Tensor::ones({16});
      }
    };
    (void)Layer(std::make_shared<PeakImpl>())(Input({8}));
  });
  CHECK(has(one.cause(), "a batch of 1 sample of its input (None, 8), since its max cannot take an empty batch"));
  CHECK(has(one.cause(), "a value computed in its call, (8,)"));
}

TEST_CASE("expect_shape and expect_dtype: layer.expect at build time and while data flows") {
  clear_session();
  auto wide = Dense(2048, {.name = "backbone"})(Input({8}));
  Layer checked(std::make_shared<CheckedImpl>(Shape{kUnknown, 1024}, std::source_location::current()));
  const unsigned line = __LINE__ - 1;
  auto e = capture("layer.expect", [&] { (void)checked(wide); });
  CHECK(e.phase() == Phase::build);
  CHECK(has(e.where(), "'checked' (Checked) created at " + at(__FILE__, line)));
  CHECK(has(e.info().summary, "'features' is (None, 2048) in the call of 'checked' (Checked), but "
                              "expect_shape at " + at(__FILE__, kExpectLine) + " requires (None, 1024)"));
  CHECK(e.expected() == "(None, 1024)");
  CHECK(e.actual() == "(None, 2048)");
  CHECK(e.info().marked == std::vector<int>{1});
  CHECK(has(e.cause(), "'features' differs on features (axis 1)"));
  CHECK(has(e.cause(), "'backbone' (Dense)"));
  CHECK(has(e.cause(), "before any data flowed"));
  CHECK(has(e.fix(), "set the units of 'backbone' to 1024 so that 'checked' receives (None, 1024)"));
  auto run = capture("layer.expect", [&] { (void)checked(Tensor::zeros({4, 512})); });
  CHECK(run.phase() == Phase::run);
  CHECK(run.actual() == "(4, 512)");
  CHECK(!has(run.cause(), "before any data flowed"));
  auto image = capture("layer.expect", [&] { (void)checked(Input({4, 4, 2})); });
  CHECK(has(image.cause(), "has 4 axes where 2 are required"));
  CHECK(has(image.fix(), "Flatten() or GlobalAveragePooling2D() before 'checked'"));
  // Outside a layer, on a tensor or a symbolic tensor.
  auto dtype = capture("layer.expect", [] { expect_dtype(Tensor::zeros({2}, DType::i32), DType::f32, "labels"); });
  CHECK(dtype.expected() == "float32");
  CHECK(dtype.actual() == "int32");
  CHECK(has(dtype.fix(), "cast it with .astype(DType::f32)"));
  auto alone = capture("layer.expect", [] { expect_shape(Tensor::zeros({2, 3}), {2, 4}, "logits"); });
  CHECK(has(alone.where(), "'logits' (check)"));
  CHECK(has(alone.fix(), "reshape, slice or recompute the tensor to (2, 4)"));
  auto sym = capture("layer.expect", [] { expect_shape(Input({8}), {kUnknown, 9}, "x"); });
  CHECK(sym.phase() == Phase::build);
  // Holding contracts pass: None and the empty batch match kUnknown, a fixed batch at run time.
  (void)Layer(std::make_shared<CheckedImpl>(Shape{kUnknown, 1024}))(Input({1024}));
  (void)Layer(std::make_shared<CheckedImpl>(Shape{4, 1024}))(Input({1024}));
  CHECK(Layer(std::make_shared<CheckedImpl>(Shape{4, 3}))(Tensor::ones({4, 3})).shape() == Shape{4, 3});
}

TEST_CASE("layer.output_shape: a declared shape forward does not produce, or none and unknown sizes") {
  clear_session();
  auto e = capture("layer.output_shape", [] { (void)project(8, 4, true)(Input({8})); });
  CHECK(e.phase() == Phase::build);
  CHECK(has(e.where(), "'project' (Project)"));
  CHECK(e.expected() == "(None, 8)");
  CHECK(e.actual() == "(None, 4)");
  CHECK(e.info().marked == std::vector<int>{1});
  CHECK(has(e.cause(), "output_shape returns its input's shape unchanged, but forward changes it"));
  CHECK(has(e.fix(), "make output_shape return what forward computes, (None, 4)"));
  auto unknown = capture("layer.output_shape", [] {
    (void)Layer(std::make_shared<CheckedImpl>(Shape{kUnknown, 3}))(Input({kUnknown, kUnknown, 3}));
  });
  CHECK(has(unknown.cause(), "height (axis 1) and width (axis 2) are None here"));
  CHECK(has(unknown.fix(), "override output_shape in 'checked'"));
  CHECK(unknown.info().marked == std::vector<int>{1, 2});
}

TEST_CASE("a correct user layer without output_shape builds from its forward, trains, and has correct gradients") {
  clear_session();
  auto in = Input({8});
  Layer mix(std::make_shared<MixImpl>(true));
  auto h = mix(in);
  CHECK(h.shape() == Shape{kUnknown, 16});  // learned from forward (a batch of 1: the max)
  Model m(in, Dense(3, {.seed = 2})(h));
  m.compile({.optimizer = SGD({.learning_rate = 0.05}),
             .loss = SparseCategoricalCrossentropy({.from_logits = true})});
  Tensor x = Tensor::uniform({32, 8}, 3, -1.0, 1.0);
  Tensor y = Tensor::from_vector(std::vector<std::int32_t>(32, 1), {32});
  History hist = m.fit(x, y, {.epochs = 5, .batch_size = 8, .verbose = 0});
  CHECK(hist["loss"].back() < hist["loss"].front());
  Tensor xg = Tensor::uniform({3, 8}, 4, -1.0, 1.0).requires_grad(true);
  testing::check_gradients([&](const std::vector<Tensor>& v) { return mix(v[0]); }, {xg},
                           mix.weights());
  // tenet's own layers are marked as such, so their forward never runs at build time.
  for (const Layer& l : {Layer(Dense(2)), Layer(Flatten()), Layer(Conv2D(2, {3, 3})), Layer(ReLU()),
                         Layer(Softmax()), Layer(Dropout(0.5)), Layer(Concatenate()), Layer(Add()),
                         Layer(Rescaling(0.5)), Layer(Reshape({2})), Layer(Resizing(2, 2)),
                         Layer(MaxPool2D({2, 2})), Layer(BatchNorm()), Layer(GlobalAveragePooling2D()),
                         Layer(RandomFlip()), Layer(RandomCrop(2, 2)), Layer(RandomTranslation(0.1, 0.1)),
                         Layer(RandomRotation(0.1)), Layer(RandomZoom(0.1))})
    CHECK(detail::is_builtin(*l.impl()));
  CHECK(!detail::is_builtin(*mix.impl()));
}

TEST_CASE("a user layer whose forward changes shape or returns nothing in training is refused at that call") {
  clear_session();
  const Tensor x = Tensor::uniform({4, 3}, 1, -1.0, 1.0);
  const Tensor y = Tensor::from_vector(std::vector<std::int32_t>{0, 1, 2, 1}, {4});
  auto fit = [&](Model& m) {
    m.compile({.optimizer = SGD(), .loss = SparseCategoricalCrossentropy({.from_logits = true})});
    (void)m.fit(x, y, {.epochs = 1, .verbose = 0});
  };
  // Last layer: old, the loss trained on 6 classes of a model built for 3, silently.
  auto in = Input({3});
  Model last(in, train_slip(Slip::doubled)(Dense(3, {.seed = 1})(in)));
  auto e = capture("layer.output_shape", [&] { fit(last); });
  CHECK(e.phase() == Phase::run);
  CHECK(e.site().name == "train_slip");
  CHECK(e.expected() == "(None, 3)");
  CHECK(e.actual() == "(4, 6)");
  CHECK(has(e.what(), "'train_slip' (TrainSlip) produced (4, 6) while data flows, but the model "
                      "was built for its output (None, 3)"));
  CHECK(has(e.cause(), "This call (training = true) produced another"));
  CHECK(has(e.where(), "test_user_layer.cpp"));
  CHECK(last.predict(x).shape() == Shape{4, 3});  // inference keeps its shape: accepted
  // Inside the model: old, dense.features blamed the Dense after it.
  auto in2 = Input({3});
  Model middle(in2, Dense(3)(train_slip(Slip::doubled)(in2)));
  CHECK(capture("layer.output_shape", [&] { fit(middle); }).site().name == "train_slip_1");
  // No tensor: old, "the input of 'dense_2'" (or the loss's predictions) named the wrong culprit.
  auto in3 = Input({3});
  Model empty(in3, Dense(3)(train_slip(Slip::empty)(in3)));
  auto none = capture("options.invalid", [&] { fit(empty); });
  CHECK(has(none.what(), "the Tensor returned by forward of 'train_slip_2'"));
  CHECK(none.site().name == "train_slip_2");
}

TEST_CASE("a user layer class with an empty base_name is refused where it is created") {
  // Its automatic names were '', '_1': save_weights wrote a file load_weights could not read.
  const unsigned line = __LINE__ + 1;
  auto e = capture("options.invalid", [] { NamelessImpl layer(""); });
  CHECK(e.phase() == Phase::build);
  CHECK(has(e.what(), "Nameless base_name"));
  CHECK(has(e.cause(), "automatic names are '', '_1'"));
  CHECK(has(e.fix(), "LayerImpl(\"Nameless\", \"my_layer\", name, loc)"));
  CHECK(has(e.where(), "created at " + at(__FILE__, line)));
  // Given a name, the class is still refused: the next unnamed instance would be ''.
  (void)capture("options.invalid", [] { NamelessImpl layer("mine"); });
}

TEST_CASE("a user layer that changes the batch axis is refused while data flows, naming it") {
  // predict of 5 samples returned (10, 3), and evaluate blamed the labels (batch.mismatch).
  clear_session();
  auto in = Input({4});
  Model m(in, Dense(3, {.seed = 1})(Layer(std::make_shared<TwiceImpl>())(in)));
  const Tensor x = Tensor::ones({5, 4});
  auto e = capture("layer.output_shape", [&] { (void)m.predict(x); });
  CHECK(e.site().name == "twice");
  CHECK(has(e.what(), "'twice' (Twice) returned 10 rows for a batch of 5 samples"));
  CHECK(e.expected() == "(5, 4)");
  CHECK(e.actual() == "(10, 4)");
  CHECK(has(e.cause(), "pair 10 predictions with 5 labels"));
  m.compile({.optimizer = SGD(), .loss = SparseCategoricalCrossentropy({.from_logits = true})});
  auto fit = capture("layer.output_shape", [&] { m.fit(x, Tensor::zeros({5}, DType::i32), {.verbose = 0}); });
  CHECK(has(fit.cause(), "(training = true)"));
}

}  // TEST_SUITE
