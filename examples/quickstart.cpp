// quickstart: a first tenet program. It loads Fashion-MNIST (Debian's dataset-fashion-mnist),
// builds a small convolutional network, trains it for two epochs and saves its weights.
// This is the program shown in the README, plus its command line (it takes no arguments; CLI11
// answers --help and refuses anything else with status 2). A tenet::Error (a contract broken,
// the data set missing) is printed with its explanation and the program exits with status 1.
#include <iostream>

#include <tenet/tenet.hpp>

#include "example_cli.hpp"
using namespace tenet;

int main(int argc, char** argv) try {
  CLI::App app{"quickstart: a first tenet program (trains a small CNN on Fashion-MNIST)"};
  if (int status = example::parse_command_line(app, argc, argv); status >= 0) return status;

  auto [train, test] = data::load_fashion_mnist();              // uint8 (60000, 28, 28)
  Tensor x = expand_dims(train.images, -1).astype(DType::f32) / 255.0;   // (60000, 28, 28, 1)

  auto image = Input({28, 28, 1}, {.name = "image"});
  auto h = Conv2D(32, {3, 3}, {.activation = Activation::relu})(image);
  h = MaxPool2D({2, 2})(h);
  h = Flatten()(h);
  auto logits = Dense(10)(h);
  Model model(image, logits, "fashion");

  model.summary();
  model.compile({.optimizer = Adam(),
                 .loss = SparseCategoricalCrossentropy({.from_logits = true}),
                 .metrics = {Metric::accuracy}});
  History history = model.fit(x, train.labels, {.epochs = 2, .batch_size = 64,
                                                .validation_split = 0.1});
  model.save_weights("fashion.weights.h5");
} catch (const tenet::Error& e) {
  std::cerr << e.what() << "\n";
  return 1;
}
