// own_data_hdf5: training on your own data set stored in HDF5.
//
// Any tool that writes HDF5 (h5py, MATLAB, another C++ program) can prepare the data: tenet
// needs one dataset per model input plus one for the labels, all with the same first axis.
// This program first writes such a file (a toy problem: is the bright square in the left or
// the right half of the image?), then reads it back as a user would and trains on it.
//
// Usage: own_data_hdf5 [path.h5]
#include <cstdio>
#include <string>

#include <tenet.hpp>
using namespace tenet;

// 16x16 grayscale images with a 4x4 bright square; label 0 = left half, 1 = right half.
static void write_example_file(const std::string& path) {
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

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : "squares.h5";
  write_example_file(path);

  // Reading validates the file: dtypes, ranks, sizes; a damaged file raises data.format.
  auto arrays = data::load_h5(path, {"images", "labels"});
  data::check_same_length(arrays, path);   // images and labels must agree in length
  Tensor images = arrays["images"], labels = arrays["labels"];
  std::printf("read %s: images %s, labels %s\n", path.c_str(), images.shape().str().c_str(),
              labels.shape().str().c_str());

  auto input = Input({16, 16, 1}, {.name = "image"});
  auto x = Conv2D(8, {3, 3}, {.padding = Padding::same, .activation = Activation::relu})(input);
  x = MaxPool2D({2, 2})(x);
  x = Flatten()(x);  // keeps where things are: the answer depends on the square's position
  x = Dense(16, {.activation = Activation::relu})(x);
  auto logits = Dense(2)(x);
  Model model(input, logits, "squares");
  model.compile({.optimizer = Adam({.learning_rate = 0.01}),
                 .loss = SparseCategoricalCrossentropy({.from_logits = true}),
                 .metrics = {Metric::accuracy}});

  auto ds = data::Dataset::from_tensors({images}, labels);
  auto [train, val] = ds.split(0.2);
  model.fit(train.shuffle(1).batch(32), {.epochs = 15, .verbose = 2}, &val);
  Logs scores = model.evaluate(val);
  std::printf("validation accuracy %.3f\n", scores["accuracy"]);
  return scores["accuracy"] > 0.8 ? 0 : 1;
}
