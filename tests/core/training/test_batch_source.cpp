// Model::fit, evaluate and predict on a BatchSource (core/training/model.hpp): the interface core
// owns and data::Dataset implements, so core declares nothing that data/ defines.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <tenet/tenet.hpp>

using namespace tenet;

namespace {

// A source of two fixed batches that records which calls asked for a reader, with what size.
class TwoBatches : public BatchSource {
 public:
  TwoBatches(Tensor x, Tensor y) : x_(std::move(x)), y_(std::move(y)) {}

  std::unique_ptr<BatchReader> read(const Model&, std::int64_t batch_size,
                                    const std::string& call) const override {
    calls.push_back(call + " " + std::to_string(batch_size));
    return std::make_unique<Reader>(x_, y_);
  }

  mutable std::vector<std::string> calls;

 private:
  class Reader : public BatchReader {
   public:
    Reader(Tensor x, Tensor y) : x_(std::move(x)), y_(std::move(y)) {}
    std::int64_t steps() const override { return 2; }
    void start_epoch(int) override { next_ = 0; }
    bool next(std::vector<Tensor>& inputs, Tensor& labels, std::int64_t& index) override {
      if (next_ == 2) return false;
      inputs = {slice(x_, 0, next_ * 3, next_ * 3 + 3)};
      labels = slice(y_, 0, next_ * 3, next_ * 3 + 3);
      index = next_++;
      return true;
    }

   private:
    Tensor x_, y_;
    std::int64_t next_ = 0;
  };
  Tensor x_, y_;
};

Model small_model() {
  auto in = Input({4});
  Model m(in, Dense(3, {.seed = 7})(in));
  m.compile({.optimizer = SGD({.learning_rate = 0.1}),
             .loss = SparseCategoricalCrossentropy({.from_logits = true})});
  return m;
}

}  // namespace

TEST_CASE("a user's BatchSource feeds fit, evaluate and predict, one reader per call") {
  const Tensor x = Tensor::uniform({6, 4}, 3, -1.0, 1.0);
  const Tensor y = Tensor::from_vector(std::vector<std::int64_t>{0, 1, 2, 0, 1, 2}, {6});
  TwoBatches source(x, y);
  Model model = small_model();
  History h = model.fit(source, {.epochs = 2, .batch_size = 5, .verbose = 0});
  CHECK(h.epoch == std::vector<int>{0, 1});
  Logs logs = model.evaluate(source, {.batch_size = 4});
  CHECK(logs.count("loss") == 1);
  Tensor predicted = model.predict(source, {.batch_size = 3});
  CHECK(predicted.shape() == Shape{6, 3});
  CHECK(allclose(predicted, model.predict(x)));
  CHECK(source.calls == std::vector<std::string>{"fit 5", "evaluate 4", "predict 3"});
}

TEST_CASE("data::Dataset is a BatchSource: fit through the interface trains as fit on the Dataset") {
  const Tensor x = Tensor::uniform({8, 4}, 5, -1.0, 1.0);
  const Tensor y = Tensor::from_vector(std::vector<std::int64_t>{0, 1, 2, 0, 1, 2, 0, 1}, {8});
  const data::Dataset ds = data::Dataset::from_tensors({x}, y);
  const BatchSource& as_source = ds;
  Model a = small_model(), b = small_model();
  History ha = a.fit(ds, {.epochs = 2, .batch_size = 4, .shuffle = false, .verbose = 0});
  History hb = b.fit(as_source, {.epochs = 2, .batch_size = 4, .shuffle = false, .verbose = 0});
  CHECK(ha.history.at("loss") == hb.history.at("loss"));
  CHECK(array_equal(a.weights()[0], b.weights()[0]));
}
