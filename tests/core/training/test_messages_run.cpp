// Run-time explanations that must be true for the case at hand: each test feeds two situations
// that need different explanations and checks both texts (batch.mismatch, compare.shape,
// checkpoint.mismatch, the sample counts a loss is given).
#include <filesystem>

#include "support/test_contracts_util.hpp"

using namespace tenet;
using contracts_test::capture;
using contracts_test::compiled;
using contracts_test::has;

namespace {

std::string temp_file(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("tenet_messages_run_" + name)).string();
}

}  // namespace

TEST_SUITE("core/training") {

TEST_CASE("batch.mismatch speaks of resizing only for a model with image inputs") {
  clear_session();
  auto features = Input({4}, {.name = "features"});
  Model mlp = compiled(Model(features, Dense(3)(features), "mlp"));
  auto e = capture("batch.mismatch", [&] {
    mlp.fit(Tensor::zeros({100, 4}), Tensor::zeros({90}, DType::i32), {.verbose = 0});
  });
  CHECK(has(e.cause(), "there are 100 samples (100, 4) but 90 labels (90,)"));
  CHECK(!has(e.what(), "esiz"));
  auto image = Input({8, 8, 3}, {.name = "image"});
  Model cnn = compiled(Model(image, Dense(3)(Flatten()(image)), "cnn"));
  e = capture("batch.mismatch", [&] {
    cnn.fit(Tensor::zeros({100, 8, 8, 3}), Tensor::zeros({90}, DType::i32), {.verbose = 0});
  });
  CHECK(has(e.cause(), "Resizing images cannot fix this"));
  // Two inputs of different counts: the same rule, and the slice to the smaller count.
  auto a = Input({4}, {.name = "a"}), b = Input({2}, {.name = "b"});
  Model two = compiled(Model({a, b}, Dense(3)(Concatenate()({a, b})), "two"));
  e = capture("batch.mismatch", [&] {
    (void)two.predict({Tensor::zeros({10, 4}), Tensor::zeros({7, 2})});
  });
  CHECK(has(e.cause(), "a has 10 and b has 7."));
  CHECK(!has(e.cause(), "esiz"));
  CHECK(has(e.fix(), "slice(x, 0, 0, 7)"));
}

TEST_CASE("batch.mismatch of a loss called directly states the counts, no image advice") {
  Loss loss = SparseCategoricalCrossentropy({.from_logits = true});
  auto e = capture("batch.mismatch", [&] {
    (void)loss(Tensor::zeros({4, 3}), Tensor::zeros({5}, DType::i32));
  });
  CHECK(has(e.cause(), "4 predictions (4, 3) and 5 labels (5,)"));
  CHECK(!has(e.what(), "image"));
}

TEST_CASE("compare.shape names the call that failed and reads the shapes") {
  const Tensor col = Tensor::zeros({10, 1}), row = Tensor::zeros({10});
  auto e = capture("compare.shape", [&] { (void)equal(col, row); });
  CHECK(has(e.what(), "equal compares element by element"));
  CHECK(!has(e.what(), "allclose"));
  CHECK(has(e.cause(), "the same 10 elements, one with an extra axis of size 1"));
  CHECK(has(e.fix(), "reshape(b, (10, 1))"));
  e = capture("compare.shape", [&] { (void)allclose(Tensor::zeros({3, 4}), Tensor::zeros({3, 5})); });
  CHECK(has(e.what(), "allclose compares element by element"));
  CHECK(has(e.cause(), "the first holds 12 elements and the second 15"));
  CHECK(has(e.fix(), "allclose matching slices"));
  e = capture("compare.shape", [&] { (void)max_abs_diff(Tensor::zeros({2, 6}), Tensor::zeros({3, 4})); });
  CHECK(has(e.cause(), "both hold 12 elements, arranged differently"));
  CHECK(has(e.fix(), "then max_abs_diff"));
}

TEST_CASE("checkpoint.mismatch shows the user's layer names beside the file's") {
  clear_session();
  auto in = Input({4});
  auto h = Dense(8, {.name = "hidden"})(in);
  Model saved(in, Dense(3, {.name = "head"})(h), "saved");
  const std::string path = temp_file("names.weights.h5");
  saved.save_weights(path);
  auto in2 = Input({4});
  auto h2 = Dense(8, {.name = "encoder"})(in2);
  Model other(in2, Dense(5, {.name = "classes"})(h2), "other");
  auto e = capture("checkpoint.mismatch", [&] { (void)other.load_weights(path); });
  CHECK(has(e.cause(), "layers/dense_1 (your layer 'classes'): file has"));
  CHECK(!has(e.cause(), "'encoder'"));  // its weights fit: not a difference
  // A model whose layers carry the automatic names: no "your layer" repetition.
  clear_session();
  auto in3 = Input({4});
  auto hidden = Dense(8)(in3);  // "dense", then "dense_1": the file's names too
  Model plain(in3, Dense(2)(hidden), "plain");
  e = capture("checkpoint.mismatch", [&] { (void)plain.load_weights(path); });
  CHECK(has(e.cause(), "layers/dense_1: file has"));
  CHECK(!has(e.cause(), "your layer"));
  std::filesystem::remove(path);
}

}  // TEST_SUITE
