// own_data_hdf5: training on your own data set stored in HDF5.
//
// Any tool that writes HDF5 (h5py, MATLAB, another C++ program) can prepare the data: tenet
// needs one dataset of images, (N, height, width, channels) or (N, height, width), and one of
// integer labels (N), with the same first axis. Given such a file, this program reads it (it
// never writes it), builds a small convolutional network for its image size and label count,
// and trains on it. Given no file, it first writes a toy data set to OUT/squares.h5 (is the
// bright square in the left or the right half of the image?) and trains on that.
//
// Usage: own_data_hdf5 [FILE.h5] [--images NAME] [--labels NAME] [--epochs N] [--out DIR]
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>

#include <tenet/tenet.hpp>

#include "example_cli.hpp"
using namespace tenet;

namespace {

struct Args {
  std::string file;             // the user's data; empty: write and use the toy data set
  std::string images = "images", labels = "labels";
  int epochs = 15;
  std::string out = "out";
};

// 16x16 grayscale images with a 4x4 bright square; label 0 = left half, 1 = right half.
void write_example_file(const std::string& path) {
  const std::int64_t n = 600;
  Tensor images = Tensor::uniform({n, 16, 16, 1}, 7, 0.0, 0.2);
  Tensor labels = Tensor::zeros({n}, DType::u8);
  Tensor where = Tensor::uniform({n, 2}, 8);
  for (std::int64_t i = 0; i < n; ++i) {
    auto row = static_cast<std::int64_t>(where.at({i, 0}) * 12);
    auto col = static_cast<std::int64_t>(where.at({i, 1}) * 12);
    labels.data<std::uint8_t>()[i] = col >= 6 ? 1 : 0;
    for (std::int64_t r = row; r < row + 4; ++r)
      for (std::int64_t c = col; c < col + 4; ++c) images.data<float>()[(i * 16 + r) * 16 + c] = 1.0f;
  }
  data::save_h5(path, {{"images", images}, {"labels", labels}});
}

// Images as float (N, H, W, C): a missing channel axis is added, uint8 pixels scaled to [0, 1].
Tensor as_float_images(Tensor images) {
  if (images.shape().rank() == 3) images = expand_dims(images, -1);
  if (images.dtype() == DType::u8) return images.astype(DType::f32) / 255.0;
  return images.dtype() == DType::f32 ? images : images.astype(DType::f32);
}

// The number of classes: one more than the largest label (a negative label is refused by the loss).
std::int64_t class_count(const Tensor& labels) {
  Tensor as_i64 = labels.astype(DType::i64);
  const std::int64_t* p = as_i64.data<std::int64_t>();
  const std::int64_t largest = as_i64.numel() > 0 ? *std::max_element(p, p + as_i64.numel()) : 0;
  return std::max<std::int64_t>(2, largest + 1);
}

Model build_model(const Shape& image, std::int64_t classes) {
  auto input = Input({image[1], image[2], image[3]}, {.name = "image"});
  auto x = Conv2D(8, {3, 3}, {.padding = Padding::same, .activation = Activation::relu})(input);
  x = MaxPool2D({2, 2})(x);
  x = Flatten()(x);  // keeps where things are: the toy answer depends on the square's position
  x = Dense(16, {.activation = Activation::relu})(x);
  auto logits = Dense(classes)(x);
  return Model(input, logits, "own_data");
}

void describe_arguments(CLI::App& app, Args& a) {
  app.add_option("file", a.file, "your HDF5 file (read only; without it a toy data set is written "
                                 "to OUT/squares.h5 and used)")
      ->check(CLI::ExistingFile);
  app.add_option("--images", a.images, "name of the images dataset in the file")->capture_default_str();
  app.add_option("--labels", a.labels, "name of the labels dataset in the file")->capture_default_str();
  app.add_option("--epochs", a.epochs, "passes over the data")->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("--out", a.out, "folder for the toy data set")->capture_default_str();
}

}  // namespace

int main(int argc, char** argv) try {
  CLI::App app{"own_data_hdf5: trains a small CNN on images and labels stored in an HDF5 file"};
  Args args;
  describe_arguments(app, args);
  if (int status = example::parse_command_line(app, argc, argv); status >= 0) return status;
  std::string path = args.file;
  if (path.empty()) {  // no data of the user's: make the toy set, in our own output folder
    std::filesystem::create_directories(args.out);
    path = (std::filesystem::path(args.out) / "squares.h5").string();
    write_example_file(path);
    std::printf("wrote the toy data set to %s\n", path.c_str());
  }

  // Reading validates the file: dtypes, ranks, sizes; a damaged file raises data.format.
  auto arrays = data::load_h5(path, {args.images, args.labels});
  data::check_same_length(arrays, path);   // images and labels must agree in length
  Tensor images = as_float_images(arrays[args.images]), labels = arrays[args.labels];
  if (images.shape().rank() != 4) {
    std::cerr << "error: '" << args.images << "' in " << path << " has shape "
              << arrays[args.images].shape().str()
              << "; images are (N, height, width) or (N, height, width, channels)\n";
    return 1;
  }
  std::printf("read %s: images %s, labels %s\n", path.c_str(), images.shape().str().c_str(),
              labels.shape().str().c_str());

  Model model = build_model(images.shape(), class_count(labels));
  model.compile({.optimizer = Adam({.learning_rate = 0.01}),
                 .loss = SparseCategoricalCrossentropy({.from_logits = true}),
                 .metrics = {Metric::accuracy}});

  auto ds = data::Dataset::from_tensors({images}, labels);
  auto [train, val] = ds.split(0.2);
  model.fit(train.shuffle(1).batch(32), {.epochs = args.epochs, .verbose = 2}, &val);
  Logs scores = model.evaluate(val);
  std::printf("validation accuracy %.3f\n", scores["accuracy"]);
  return 0;
} catch (const tenet::Error& e) {  // a contract, file or internal error: explained, status 1
  std::cerr << e.what() << "\n";
  return 1;
}
