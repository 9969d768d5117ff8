// Causes of layer.input_spec, layer.input_count, flatten.rank and reshape.size (the layer).
#include "causes_util.hpp"

using namespace tenet;
using causes_test::differ;
using causes_test::has;
using causes_test::raised;

namespace {
// A user layer whose only contract is the InputSpec it is given: (batch, 1024).
class DeclaredImpl : public LayerImpl {
 public:
  DeclaredImpl(InputSpec spec, std::source_location loc)
      : LayerImpl("Declared", "declared", "", loc), spec_(std::move(spec)) {}
  const InputSpec* input_spec() const override { return &spec_; }
  Shape output_shape(const std::vector<Shape>& in, Phase) override { return in[0]; }
  Tensor forward(const std::vector<Tensor>& in, const CallOptions&) override { return in[0]; }

 private:
  InputSpec spec_;
};
Layer scale(std::source_location loc = std::source_location::current()) {
  return Layer(std::make_shared<DeclaredImpl>(InputSpec{.rank = 2, .axes_dims = {1024}, .axes = {-1}}, loc));
}
}  // namespace

TEST_CASE("layer.input_spec: a rank the spec refuses, or a size; a Flatten's size is explained") {
  auto rank = raised("layer.input_spec", [] { (void)scale()(Input({8, 8, 16})); });
  CHECK(has(rank.cause(), "2 axes too many"));
  CHECK(has(rank.fix(), "Flatten() or GlobalAveragePooling2D()"));
  auto size = raised("layer.input_spec", [] { (void)scale()(Flatten()(Input({8, 8, 32}))); });
  CHECK(has(size.cause(), "come from a Flatten"));
  CHECK(has(size.fix(), "the Flatten before it"));
  auto dense = raised("layer.input_spec", [] { (void)scale()(Input({2048})); });
  CHECK(has(dense.fix(), "Dense(1024)"));
  differ(rank, size);
}

TEST_CASE("layer.input_count: several tensors into one-input layers, one into a merge") {
  auto many = raised("layer.input_count", [] { (void)Dense(4)({Input({4}), Input({4})}); });
  CHECK(has(many.cause(), "2 tensors were passed"));
  auto one = raised("layer.input_count", [] { (void)Add()({Input({4})}); });
  CHECK(has(one.cause(), "nothing to join it with"));
  differ(many, one);
}

TEST_CASE("reshape.size (layer): a -1 that cannot divide, or a fixed count that differs") {
  auto rest = raised("reshape.size", [] { (void)Reshape({-1, 5})(Input({4, 3})); });
  CHECK(has(rest.cause(), "is not divisible by 5"));
  auto fixed = raised("reshape.size", [] { (void)Reshape({5, 5})(Input({4, 6})); });
  CHECK(has(fixed.cause(), "differs from 25"));
  CHECK(has(fixed.fix(), "put -1 on one axis"));
  differ(rest, fixed);
}
