// Suite "data": the tests of model_dataset.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <tenet/tenet.hpp>
#include <tenet/layers/batch_norm.hpp>
#include <tenet/layers/concatenate.hpp>
#include <tenet/layers/conv2d.hpp>
#include <tenet/layers/flatten.hpp>
#include <tenet/layers/max_pool2d.hpp>
#include <tenet/losses/categorical_crossentropy.hpp>
#include <tenet/losses/sparse_categorical_crossentropy.hpp>

#include "support/test_util.hpp"
#include "support/two_view_model.hpp"

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::clones;
using tenet::testing::bitwise_equal;
using tenet::testing::Synthetic;
using tenet::testing::compile_sgd;
using tenet::testing::make_data;
using tenet::testing::two_view_model;

TEST_SUITE("data") {

TEST_CASE("fit and evaluate on a data::Dataset; a bad generator batch is named by index") {
  clear_session();
  set_random_seed(5);
  Synthetic d = make_data(1200, 3);
  Model m = two_view_model();
  compile_sgd(m);
  auto [train, val] = data::Dataset::from_tensors({d.image, d.thumb}, d.labels).split(0.25);
  History h = m.fit(train.shuffle(3).batch(32), {.epochs = 8, .verbose = 0}, &val);
  CHECK(h.keys() == std::vector<std::string>{"accuracy", "loss", "val_accuracy", "val_loss"});
  CHECK(h["val_accuracy"].back() > 0.85);
  Logs scores = m.evaluate(val);  // unbatched: batched with the default batch size
  CHECK(scores["accuracy"] == doctest::Approx(h["val_accuracy"].back()).epsilon(1e-9));
  Tensor pv = m.predict(val);
  CHECK(pv.shape() == Shape{val.num_samples(), 3});
  // A generator whose third batch holds grayscale images without their channel axis.
  int calls = 0;
  auto gen = data::Dataset::from_generator([&]() -> std::optional<data::Batch> {
    if (calls++ == 4) return std::nullopt;
    Tensor img = calls == 3 ? Tensor::zeros({8, 6, 6}) : Tensor::zeros({8, 6, 6, 1});
    return data::Batch{{img, Tensor::zeros({8, 3, 3, 1})}, Tensor::zeros({8}, DType::i32)};
  });
  auto e = capture([&] { m.fit(gen, {.epochs = 1, .verbose = 0}); });
  CHECK(e.code() == "input.rank");
  CHECK(std::string(e.what()).find("batch 3 of the epoch (counting from 1; index 2): ") != std::string::npos);
  CHECK(e.fix().find("expand_dims(x, -1)") != std::string::npos);
}

}  // TEST_SUITE
