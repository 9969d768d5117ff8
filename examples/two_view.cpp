// two_view: tenet's main job. A two-input classifier on Fashion-MNIST:
//   input 1: the 28x28 image            -> its own convolution branch
//   input 2: a 14x14 view of that image -> its own convolution branch
// The branches meet in Concatenate (both are 14x14 by then), pass BatchNorm and more
// convolution, and end in Dense(10). The program trains it (flipping half the images
// left-right, with a cosine learning-rate schedule), reports test accuracy and the classes it
// confuses most, and writes the weights, training curves and the model diagram.
//
// Usage: two_view [--epochs N] [--train-samples N] [--batch N] [--out DIR]   (--help for more)
//        mpirun -np 2 two_view --distributed   (data-parallel over MPI, docs/distributed.md)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>

#include <tenet/tenet.hpp>

#include "example_cli.hpp"

using namespace tenet;
namespace fs = std::filesystem;

namespace {

struct Args {
  int epochs = 5;
  std::int64_t train_samples = 60000, batch = 64;
  std::string out = "out";
  bool distributed = false;
};

void describe_arguments(CLI::App& app, Args& a) {
  app.add_option("--epochs", a.epochs, "passes over the training data")
      ->check(CLI::Range(1, 1000))->capture_default_str();
  app.add_option("--train-samples", a.train_samples, "train on the first N of the 60,000 images")
      ->check(CLI::Range(1, 60000))->capture_default_str();
  app.add_option("--batch", a.batch, "samples per training step")
      ->check(CLI::Range(1, 60000))->capture_default_str();
  app.add_option("--out", a.out, "folder for the weights, curves, log and diagram")
      ->capture_default_str();
  app.add_flag("--distributed", a.distributed,
               "train data-parallel on every rank of mpirun (mpirun -np 2 two_view --distributed); "
               "--batch is then the global batch, split between the ranks");
}

Model build_model() {
  auto image_in = Input({28, 28, 1}, {.name = "image"});
  auto thumb_in = Input({14, 14, 1}, {.name = "thumb"});
  // Augmentation, only while training: a left-right flip of half the images. Both flips share
  // a seed, so an image and its 14x14 view are flipped together.
  auto image = RandomFlip(FlipMode::horizontal, {.seed = 101})(image_in);
  auto thumb = RandomFlip(FlipMode::horizontal, {.seed = 101})(thumb_in);

  auto x = Conv2D(32, {3, 3}, {.padding = Padding::same, .activation = Activation::relu})(image);
  x = MaxPool2D({2, 2})(x);                                   // (None, 14, 14, 32)
  auto t = Conv2D(16, {3, 3}, {.padding = Padding::same, .activation = Activation::relu})(thumb);

  auto z = Concatenate(-1)({x, t});                           // (None, 14, 14, 48)
  z = BatchNorm()(z);
  z = MaxPool2D({2, 2})(z);                                   // (None, 7, 7, 48)
  z = Conv2D(64, {3, 3}, {.padding = Padding::same, .activation = Activation::relu})(z);
  z = Flatten()(z);                                           // (None, 3136)
  z = Dropout(0.3)(z);                                        // only while training
  z = Dense(128, {.activation = Activation::relu})(z);
  auto logits = Dense(10)(z);
  return Model({image_in, thumb_in}, logits, "two_view");
}

// The 28x28 images as float (N, 28, 28, 1) in [0, 1], and their 14x14 views.
std::pair<Tensor, Tensor> views(const Tensor& images_u8) {
  Tensor image = expand_dims(images_u8, -1).astype(DType::f32) / 255.0;
  return {image, data::resize(image, {14, 14})};
}

// The training curves (SVG and CSV) and the model's graph (Graphviz .dot, and .svg when `dot`
// is installed) in `out`; true when the .svg was rendered.
bool write_curves_and_graph(const Model& model, const History& history, const fs::path& out) {
  plot_history(history, (out / "training_curves.svg").string(), "two_view on Fashion-MNIST");
  write_history_csv(history, (out / "training_curves.csv").string());
  const std::string dot = (out / "two_view.dot").string();
  std::FILE* f = std::fopen(dot.c_str(), "w");
  if (!f) throw IOError("cannot write " + dot);
  std::fputs(model.to_dot().c_str(), f);
  std::fclose(f);
  std::string render = "dot -Tsvg '" + dot + "' -o '" + (out / "two_view.svg").string() + "' 2>/dev/null";
  return std::system("command -v dot >/dev/null 2>&1") == 0 && std::system(render.c_str()) == 0;
}

// Test accuracy and the classes the model confuses most.
void report_test(Model& model, const data::Split& test) {
  auto [t_img, t_thumb] = views(test.images);
  Logs scores = model.evaluate({t_img, t_thumb}, test.labels, {.batch_size = 256});
  std::printf("\nTest accuracy: %.2f%%  (loss %.4f)\n", 100 * scores["accuracy"], scores["loss"]);

  Tensor predicted = model.predict({t_img, t_thumb}, {.batch_size = 256}).argmax(-1);
  Tensor confusion = confusion_matrix(test.labels, predicted, 10);
  const auto& names = data::fashion_mnist_class_names();
  std::printf("Most confused classes (true -> predicted, of 1000 test images each):\n");
  for (const auto& c : top_confusions(confusion, 5))
    std::printf("  %-12s -> %-12s %4lld\n", names[c.true_class].c_str(),
                names[c.predicted_class].c_str(), static_cast<long long>(c.count));
}

}  // namespace

int main(int argc, char** argv) try {
  const auto start = std::chrono::steady_clock::now();
  CLI::App app{"two_view: trains tenet's two-input classifier on Fashion-MNIST (the main job)"};
  Args args;
  describe_arguments(app, args);
  if (int status = example::parse_command_line(app, argc, argv); status >= 0) return status;
  // With --distributed under mpirun every rank trains; rank 0 alone prints and writes files.
  const bool lead = distributed::rank() == 0;
  if (lead) fs::create_directories(args.out);

  auto [train, test] = data::load_fashion_mnist();
  Tensor train_images = slice(train.images, 0, 0, args.train_samples);
  Tensor train_labels = slice(train.labels, 0, 0, args.train_samples);
  auto [x_img, x_thumb] = views(train_images);
  const std::string ranks = " (data-parallel, " + std::to_string(distributed::size()) + " ranks)";
  if (lead)
    std::printf("Fashion-MNIST: %lld training and %lld test images%s\n\n",
                static_cast<long long>(x_img.dim(0)), static_cast<long long>(test.images.dim(0)),
                args.distributed ? ranks.c_str() : "");

  set_random_seed(1);
  Model model = build_model();
  if (lead) model.summary();
  // The rate falls from 0.002 to 0 along a cosine over all training steps (90% of the samples
  // train, 10% validate).
  const std::int64_t steps = args.epochs * ((x_img.dim(0) * 9 / 10 + args.batch - 1) / args.batch);
  model.compile({.optimizer = Adam({.learning_rate = CosineDecay({.initial_learning_rate = 0.002,
                                                                  .decay_steps = steps})}),
                 .loss = SparseCategoricalCrossentropy({.from_logits = true}),
                 .metrics = {Metric::accuracy}});

  const std::string weights = (fs::path(args.out) / "two_view.weights.h5").string();
  FitOptions fit{.epochs = args.epochs, .batch_size = args.batch, .seed = 1, .validation_split = 0.1,
                 .callbacks = {ModelCheckpoint(weights, {.monitor = "val_accuracy",
                                                         .save_best_only = true}),
                               CSVLogger((fs::path(args.out) / "training_log.csv").string())}};
  if (args.distributed) fit.distribution = MpiDataParallel{};
  History history = model.fit({x_img, x_thumb}, train_labels, fit);
  if (!lead) return 0;

  report_test(model, test);
  const bool rendered = write_curves_and_graph(model, history, args.out);

  std::printf("\nWrote to %s/:\n", args.out.c_str());
  std::printf("  two_view.weights.h5     best weights (Keras .weights.h5 layout)\n");
  std::printf("  training_curves.svg/csv loss and accuracy per epoch, train and validation\n");
  std::printf("  training_log.csv        CSVLogger's per-epoch log\n");
  std::printf("  two_view.dot%s  the model with shapes on every edge\n", rendered ? " and .svg" : "        ");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("\nTotal time: %.1f s (data loading included)\n", seconds);
  return 0;
} catch (const tenet::Error& e) {  // a contract, file or internal error: explained, status 1
  std::cerr << e.what() << "\n";
  return 1;
} catch (const std::exception& e) {
  std::cerr << "error: " << e.what() << "\n";
  return 1;
}
