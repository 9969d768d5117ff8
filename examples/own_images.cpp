// own_images: training on your own photos, one class per subfolder.
//
//   my_photos/cats/001.jpg  my_photos/cats/002.png  my_photos/dogs/001.jpg ...
//   build/examples/own_images my_photos --size 64 64
//
// data::image_folder reads PNG and JPEG files (class names = subfolder names, sorted), resizes
// them to --size, and this program trains a small CNN on 80% of them and reports its accuracy on
// the other 20%. Without a folder, --demo DIR first writes a toy folder (PNG images of
// horizontal and vertical stripes) and trains on it.
//
// Usage: own_images [FOLDER] [--size H W] [--epochs N] [--demo DIR]
#include <png.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include <tenet/tenet.hpp>

#include "example_cli.hpp"
using namespace tenet;

namespace {

// 40 PNGs per class: 24x24 grey stripes, horizontal or vertical, with noise.
void write_demo_folder(const std::string& dir) {
  const Tensor noise = Tensor::uniform({80, 24, 24}, 5, 0.0, 60.0);
  for (int i = 0; i < 80; ++i) {
    const bool horizontal = i % 2 == 0;
    std::vector<std::uint8_t> px(24 * 24);
    for (int y = 0; y < 24; ++y)
      for (int x = 0; x < 24; ++x)
        px[y * 24 + x] = static_cast<std::uint8_t>(((horizontal ? y : x) / 3 % 2 ? 180 : 20) +
                                                   noise.at({i, y, x}));
    const auto cls = std::filesystem::path(dir) / (horizontal ? "horizontal" : "vertical");
    std::filesystem::create_directories(cls);
    png_image img{};
    img.version = PNG_IMAGE_VERSION;
    img.width = img.height = 24;
    img.format = PNG_FORMAT_GRAY;
    const auto file = cls / (std::to_string(i) + ".png");
    if (!png_image_write_to_file(&img, file.c_str(), 0, px.data(), 0, nullptr))
      throw IOError("cannot write " + file.string() + ": " + img.message);
  }
}

Model build_model(std::int64_t h, std::int64_t w, std::int64_t classes) {
  // image_folder gives uint8 pixels: the Input takes them as they are, Rescaling scales them.
  auto input = Input({h, w, 3}, {.name = "photo", .dtype = DType::u8});
  auto x = Rescaling(1.0 / 255)(input);
  x = Conv2D(16, {3, 3}, {.padding = Padding::same, .activation = Activation::relu})(x);
  x = MaxPool2D({2, 2})(x);
  x = Conv2D(32, {3, 3}, {.padding = Padding::same, .activation = Activation::relu})(x);
  x = GlobalAveragePooling2D()(x);
  return Model(input, Dense(classes)(x), "own_images");
}

}  // namespace

int main(int argc, char** argv) try {
  CLI::App app{"own_images: trains a small CNN on a folder of PNG/JPEG images, one class per subfolder"};
  std::string folder, demo;
  std::vector<std::int64_t> size{32, 32};
  int epochs = 10;
  app.add_option("folder", folder, "your images: one subfolder per class (read only)")
      ->check(CLI::ExistingDirectory);
  app.add_option("--size", size, "height and width every image is resized to")->expected(2)
      ->check(CLI::Range(1, 4096))->capture_default_str();
  app.add_option("--epochs", epochs, "passes over the data")->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("--demo", demo, "write a toy folder of striped images to DIR and train on it");
  if (int status = example::parse_command_line(app, argc, argv); status >= 0) return status;
  if (folder.empty() == demo.empty()) {
    std::cerr << "give either your FOLDER or --demo DIR (see --help)\n";
    return 2;
  }
  if (!demo.empty()) {
    write_demo_folder(demo);
    folder = demo;
    std::printf("wrote a toy image folder to %s\n", demo.c_str());
  }
  auto images = data::image_folder(folder, {.image_size = {{size[0], size[1]}}});
  std::printf("read %lld images of %zu classes from %s\n",
              static_cast<long long>(images.images.dim(0)), images.class_names.size(),
              folder.c_str());
  Model model = build_model(size[0], size[1], static_cast<std::int64_t>(images.class_names.size()));
  model.compile({.optimizer = Adam({.learning_rate = 0.003}),
                 .loss = SparseCategoricalCrossentropy({.from_logits = true}),
                 .metrics = {Metric::accuracy}});
  // The folder comes class by class: mix the samples once, so that the last 20% (validation)
  // holds every class.
  std::vector<std::int64_t> order(static_cast<std::size_t>(images.images.dim(0)));
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), std::mt19937(1));
  auto ds = data::Dataset::from_tensors({take_rows(images.images, order)},
                                        take_rows(images.labels, order));
  auto [train, val] = ds.split(0.2);
  model.fit(train.shuffle(2).batch(16), {.epochs = epochs, .verbose = 2}, &val);
  std::printf("validation accuracy %.3f\n", model.evaluate(val.batch(16))["accuracy"]);
  return 0;
} catch (const tenet::Error& e) {  // a contract, file or internal error: explained, status 1
  std::cerr << e.what() << "\n";
  return 1;
}
