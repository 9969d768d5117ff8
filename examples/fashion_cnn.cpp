// fashion_cnn: the classic single-input convolutional network on Fashion-MNIST.
//   Conv2D -> MaxPool2D -> Conv2D -> MaxPool2D -> Flatten -> Dense -> Dense
// Read it next to the summary it prints: every shape in the table is what tenet inferred when
// each line below ran, before any data was seen.
//
// Usage: fashion_cnn [EPOCHS]   (--help for more)
#include <cstdio>
#include <iostream>

#include <tenet/tenet.hpp>

#include "example_cli.hpp"
using namespace tenet;

int main(int argc, char** argv) try {
  CLI::App app{"fashion_cnn: the classic single-input convolutional network on Fashion-MNIST"};
  int epochs = 2;
  app.add_option("epochs,--epochs", epochs, "passes over the training data")
      ->check(CLI::Range(1, 1000))->capture_default_str();
  if (int status = example::parse_command_line(app, argc, argv); status >= 0) return status;

  // uint8 images (N, 28, 28): add the channel axis and scale to [0, 1] floats.
  auto [train, test] = data::load_fashion_mnist();
  Tensor x_train = expand_dims(train.images, -1).astype(DType::f32) / 255.0;
  Tensor x_test = expand_dims(test.images, -1).astype(DType::f32) / 255.0;

  auto image = Input({28, 28, 1}, {.name = "image"});
  auto x = Conv2D(32, {3, 3}, {.activation = Activation::relu})(image);   // (None, 26, 26, 32)
  x = MaxPool2D({2, 2})(x);                                               // (None, 13, 13, 32)
  x = Conv2D(64, {3, 3}, {.activation = Activation::relu})(x);            // (None, 11, 11, 64)
  x = MaxPool2D({2, 2})(x);                                               // (None, 5, 5, 64)
  x = Flatten()(x);                                                       // (None, 1600)
  x = Dense(128, {.activation = Activation::relu})(x);
  auto logits = Dense(10)(x);                     // raw scores; the loss applies the softmax
  Model model(image, logits, "fashion_cnn");
  model.summary();

  model.compile({.optimizer = SGD({.learning_rate = 0.01, .momentum = 0.9}),
                 .loss = SparseCategoricalCrossentropy({.from_logits = true}),
                 .metrics = {Metric::accuracy}});
  model.fit(x_train, train.labels, {.epochs = epochs, .batch_size = 64, .seed = 1,
                                    .validation_split = 0.1});

  Logs scores = model.evaluate(x_test, test.labels, {.batch_size = 256});
  std::printf("test accuracy %.4f, test loss %.4f\n", scores["accuracy"], scores["loss"]);
  return 0;
} catch (const tenet::Error& e) {  // a contract, file or internal error: explained, status 1
  std::cerr << e.what() << "\n";
  return 1;
}
