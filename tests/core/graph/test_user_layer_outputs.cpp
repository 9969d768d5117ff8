// Suite "core/graph": what a user's own layer hands back when the model is built: an output
// without a batch axis (rank 0) and an empty Tensor among its weights() are refused there,
// naming the layer (review 51, findings 10.1 and 10.5).
#include <doctest/doctest.h>

#include <tenet/tenet.hpp>

#include "support/test_contracts_util.hpp"

using namespace tenet;
using contracts_test::capture;
using contracts_test::has;

namespace {

// forward sums every element: one number for the whole batch. With `declare`, output_shape
// says so too.
class TotalImpl : public LayerImpl {
 public:
  TotalImpl(bool declare, std::source_location loc)
      : LayerImpl("Total", "total", declare ? "declared_total" : "total", loc), declare_(declare) {}
  Shape output_shape(const std::vector<Shape>& in, Phase p) override {
    return declare_ ? Shape{} : LayerImpl::output_shape(in, p);
  }
  Tensor forward(const std::vector<Tensor>& in, const CallOptions&) override { return in[0].sum(); }

 private:
  bool declare_;
};

// weights() lists a variable that was never created.
class HalfBuiltImpl : public LayerImpl {
 public:
  explicit HalfBuiltImpl(std::source_location loc) : LayerImpl("HalfBuilt", "half_built", "half_built", loc) {}
  void build(const std::vector<Shape>&) override { scale_ = Tensor::ones({4}); }
  std::vector<Tensor> weights() const override { return {scale_, bias_}; }
  std::vector<std::string> weight_names() const override { return {"scale", "bias"}; }
  Tensor forward(const std::vector<Tensor>& in, const CallOptions&) override { return in[0] * scale_; }

 private:
  Tensor scale_, bias_;
};

}  // namespace

TEST_SUITE("core/graph") {

TEST_CASE("layer.output_shape: a user layer returning a rank-0 tensor is refused at build") {
  auto in = Input({4});
  auto e = capture("layer.output_shape", [&] {
    (void)Dense(3)(Layer(std::make_shared<TotalImpl>(false, std::source_location::current()))(in));
  });
  CHECK(e.phase() == Phase::build);
  CHECK(e.info().summary == "'total' (Total) returns a tensor of rank 0 from forward: it has no "
                            "batch axis");
  CHECK(e.where().rfind("'total' (Total)", 0) == 0);
  CHECK(e.actual() == "()");
  CHECK(has(e.cause(), "forward returned a single number for the whole batch"));
  CHECK(has(e.cause(), "keeps the batch axis of its input (None, 4)"));
  CHECK(!has(e.what(), "-1 axes"));
  CHECK(has(e.fix(), "x.sum(1)"));
  // Declared so in output_shape: the declaration is named.
  auto d = capture("layer.output_shape", [&] {
    (void)Layer(std::make_shared<TotalImpl>(true, std::source_location::current()))(in);
  });
  CHECK(d.info().summary == "'declared_total' (Total) declares the output () in output_shape: it "
                            "has no batch axis");
  CHECK(has(d.cause(), "output_shape returns a shape without axes"));
}

TEST_CASE("options.invalid: an empty Tensor in a user layer's weights() names the layer") {
  auto in = Input({4});
  auto e = capture("options.invalid", [&] {
    (void)Layer(std::make_shared<HalfBuiltImpl>(std::source_location::current()))(in);
  });
  CHECK(has(e.info().summary, "weights()[1] of 'half_built' (HalfBuilt)"));
  CHECK(e.actual() == "an empty Tensor");
  CHECK(has(e.cause(), "weights() of 'half_built' returns 2 Tensors and the 2nd is"));
  CHECK(has(e.fix(), "leave the empty one out of weights() and weight_names()"));
  CHECK(!has(e.what(), "shape() was called"));
}

}  // TEST_SUITE
