// Run-time explanations reviewed for truth in the case at hand (issue 19): each test feeds two
// situations that need different explanations and checks both texts (batch.ragged,
// numerics.nonfinite, options.invalid, model.compile, callback.filepath).
#include <cmath>
#include <filesystem>

#include "support/test_contracts_util.hpp"

using namespace tenet;
using contracts_test::capture;
using contracts_test::has;

TEST_SUITE("core/training") {

TEST_CASE("batch.ragged: images of two sizes against images of two channel counts") {
  auto e = capture("batch.ragged", [] {
    (void)stack({Tensor::zeros({32, 32, 3}), Tensor::zeros({28, 28, 3})});
  });
  CHECK(has(e.fix(), "resize, pad or centre-crop every image to one height and width"));
  CHECK(has(e.fix(), "32x32"));
  e = capture("batch.ragged", [] {
    (void)stack({Tensor::zeros({32, 32, 3}), Tensor::zeros({32, 32, 4})});
  });
  CHECK(has(e.fix(), "convert sample 1 to 3 channels (4 against 3)"));
  CHECK(!has(e.fix(), "resize, pad"));
  e = capture("batch.ragged", [] {
    (void)stack({Tensor::zeros({28, 28, 1}), Tensor::zeros({28, 28})});
  });
  CHECK(has(e.fix(), "expand_dims(x, -1)"));
}

TEST_CASE("numerics.nonfinite: log of zeros against an overflow, each with its own fix") {
  auto e = capture("numerics.nonfinite", [] {
    NumericsScope checking;
    (void)log(Tensor::zeros({4}));
  });
  CHECK(has(e.cause(), "log received 4 values <= 0"));
  CHECK(has(e.fix(), "clip(x, 1e-7, 1.0)"));
  CHECK(!has(e.fix(), "learning rate"));
  e = capture("numerics.nonfinite", [] {
    NumericsScope checking;
    (void)exp(Tensor::full({2}, 100.0));
  });
  CHECK(has(e.cause(), "overflowed float range"));
  CHECK(!has(e.cause(), "learning rate"));  // no training runs here
  CHECK(has(e.fix(), "scale the inputs down"));
}

TEST_CASE("options.invalid: a value below the range against one above it") {
  auto e = capture("options.invalid", [] { (void)data::Dataset::from_tensors({Tensor::zeros({4, 2})}).take(-1); });
  CHECK(has(e.cause(), "Dataset::take n = -1 is below the smallest valid value, 0"));
  auto in = Input({4});
  Model m(in, Dense(3)(in), "m");
  m.compile({.optimizer = SGD(), .loss = SparseCategoricalCrossentropy({.from_logits = true})});
  e = capture("options.invalid", [&] { (void)m.evaluate(Tensor::zeros({2, 4}), Tensor::zeros({2}, DType::i32), {.verbose = 3}); });
  CHECK(has(e.cause(), "= 3 is above the largest valid value, 2"));
  e = capture("options.invalid", [] { (void)allclose(Tensor::zeros({2}), Tensor::zeros({2}), std::nan("")); });
  CHECK(has(e.cause(), "NaN, which lies in no range"));
  CHECK(!has(e.cause(), "usually"));
}

TEST_CASE("model.compile without a loss suggests one that fits the output") {
  clear_session();
  auto in = Input({4});
  Model regression(in, Dense(1)(in), "regression");
  auto e = capture("model.compile", [&] { regression.compile({.optimizer = SGD()}); });
  CHECK(has(e.fix(), "one value per sample"));
  CHECK(has(e.fix(), "MeanSquaredError()"));
  auto in2 = Input({4});
  Model probs(in2, Dense(5, {.activation = Activation::softmax})(in2), "probs");
  e = capture("model.compile", [&] { probs.compile({.optimizer = SGD()}); });
  CHECK(has(e.fix(), "scores 5 classes as probabilities (softmax)"));
  CHECK(has(e.fix(), "SparseCategoricalCrossentropy()"));
  CHECK(!has(e.fix(), "from_logits"));
}

TEST_CASE("callback.filepath: a val_ key without validation against an unknown key") {
  clear_session();
  auto in = Input({4});
  Model m(in, Dense(3)(in), "m");
  m.compile({.optimizer = SGD(), .loss = SparseCategoricalCrossentropy({.from_logits = true})});
  const Tensor x = Tensor::zeros({8, 4}), y = Tensor::zeros({8}, DType::i32);
  const auto dir = std::filesystem::temp_directory_path() / "tenet_messages_review";
  auto fit_with = [&](const std::string& pattern) {
    m.fit(x, y, {.verbose = 0, .callbacks = {ModelCheckpoint((dir / pattern).string())}});
  };
  auto e = capture("callback.filepath", [&] { fit_with("{val_loss:.2f}.weights.h5"); });
  CHECK(has(e.cause(), "'val_loss' is a validation value, and this fit logs none"));
  CHECK(has(e.fix(), "or use {loss} in the path"));
  e = capture("callback.filepath", [&] { fit_with("{acc:.2f}.weights.h5"); });
  CHECK(has(e.cause(), "'acc' is not among them"));
  CHECK(has(e.fix(), "e.g. {loss:.4f}"));
  std::filesystem::remove_all(dir);
}

}  // TEST_SUITE
