// Suite "core/training": the storage replay in a Model's steps (StepAllocations, held by every
// GovernedStep): from the second step of one kind and batch size on, each tensor of 64 KiB or
// more lies in the block it had the step before, as in a program with one fixed buffer per
// tensor; the values are those of the same steps without it.
#include <doctest/doctest.h>

#include <memory>
#include <vector>

#include "support/test_util.hpp"
#include <tenet/tenet.hpp>

using namespace tenet;

namespace {

// A user's identity layer that records where its input (the Dense output before it, 64 x 512
// floats: 128 KiB) lies at each call.
class WhereProbeImpl : public LayerImpl {
 public:
  WhereProbeImpl() : LayerImpl("WhereProbe", "where_probe", "", std::source_location::current()) {}
  Shape output_shape(const std::vector<Shape>& in, Phase) override { return in[0]; }
  Tensor forward(const std::vector<Tensor>& in, const CallOptions&) override {
    seen.push_back(static_cast<const Tensor&>(in[0]).raw_data());
    return in[0];
  }
  std::vector<const void*> seen;
};

struct Net {
  std::shared_ptr<WhereProbeImpl> probe = std::make_shared<WhereProbeImpl>();
  Model model;
  Net() : model(make()) {
    model.compile({.optimizer = SGD({.learning_rate = 0.01}),
                   .loss = SparseCategoricalCrossentropy({.from_logits = true})});
  }
  Model make() {
    auto in = Input({256});
    auto h = Dense(512, {.activation = Activation::relu, .seed = 3})(in);
    return Model(in, Dense(4, {.seed = 4})(Layer(probe)(h)));
  }
};

Tensor images() { return Tensor::uniform({64, 256}, 5, -1.0, 1.0); }
Tensor labels() { return Tensor::uniform({64}, 6, 0.0, 3.99).astype(DType::i64); }

}  // namespace

TEST_SUITE("core/training") {

TEST_CASE("training steps and predict batches put a tensor in the block it had the step before") {
  Net n;
  const Tensor x = images(), y = labels();
  n.probe->seen.clear();
  for (int step = 0; step < 5; ++step) (void)n.model.train_on_batch({x}, y);
  REQUIRE(n.probe->seen.size() == 5);
  for (std::size_t i = 2; i < 5; ++i) {
    CAPTURE(i);
    CHECK(n.probe->seen[i] == n.probe->seen[1]);
  }
  n.probe->seen.clear();
  for (int call = 0; call < 4; ++call) (void)n.model.predict(x, {.batch_size = 64});
  REQUIRE(n.probe->seen.size() == 4);
  for (std::size_t i = 2; i < 4; ++i) CHECK(n.probe->seen[i] == n.probe->seen[1]);
}

TEST_CASE("the replayed steps train to the same bits as steps interleaved with other work") {
  // Other allocations of the same sizes between the steps change which blocks are free, so the
  // steps of the second run get other blocks; the weights must not notice.
  Net a, b;
  const Tensor x = images(), y = labels();
  for (int step = 0; step < 4; ++step) {
    (void)a.model.train_on_batch({x}, y);
    std::vector<Tensor> other;
    for (int i = 0; i < 3; ++i) other.push_back(Tensor::zeros({64, 512}));
    (void)b.model.train_on_batch({x}, y);
  }
  CHECK(testing::bitwise_equal(a.model.weights(), b.model.weights()));
}

}  // TEST_SUITE
