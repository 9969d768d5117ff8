#include <tenet/data/fashion_mnist.hpp>

#include <cstdlib>
#include <filesystem>
#include <future>

#include "data/format_error.hpp"
#include <tenet/data/idx.hpp>

namespace tenet::data {

namespace {

constexpr const char* kDefaultDir = "/usr/share/datasets/fashion-mnist";

std::string resolve_dir(std::string dir, std::string& origin) {
  if (!dir.empty()) { origin = "the argument of load_fashion_mnist"; return dir; }
  if (const char* env = std::getenv("TENET_FASHION_MNIST_DIR"); env && *env) {
    origin = "TENET_FASHION_MNIST_DIR";
    return env;
  }
  origin = "the default location";
  return kDefaultDir;
}

// Every label must name one of the 10 classes.
void check_labels(const Tensor& labels, const std::string& path) {
  const std::uint8_t* p = labels.data<std::uint8_t>();
  for (std::int64_t i = 0; i < labels.numel(); ++i)
    if (p[i] > 9)
      detail::format_error(path, "IDX file", {"a label is not a Fashion-MNIST class",
          "labels 0..9", "label " + std::to_string(p[i]) + " at sample " + std::to_string(i),
          "the file is not a Fashion-MNIST labels file, or it is corrupt", ""});
}

Split load_split(const std::string& dir, const std::string& prefix, std::int64_t n) {
  const std::string images = dir + "/" + prefix + "-images-idx3-ubyte.gz";
  const std::string labels = dir + "/" + prefix + "-labels-idx1-ubyte.gz";
  // Decode the two files at once: gzip inflation is the whole cost (~0.2 s for train images).
  auto lab = std::async(std::launch::async, [&] { return read_idx(labels, 1); });
  Tensor img = read_idx(images, 3);
  Split s{img, lab.get()};
  if (img.dim(1) != 28 || img.dim(2) != 28 || img.dim(0) != n)
    detail::format_error(images, "IDX file", {"not the Fashion-MNIST " + prefix + " images",
        Shape{n, 28, 28}.str(), img.shape().str(),
        "the directory holds a different data set under Fashion-MNIST's file names", ""});
  if (s.labels.dim(0) != n)
    detail::format_error(labels, "IDX file", {"images and labels disagree in length",
        std::to_string(n) + " labels, one per image of " + images,
        std::to_string(s.labels.dim(0)) + " labels", "the labels file is damaged or belongs "
        "to another set", ""});
  check_labels(s.labels, labels);
  return s;
}

}  // namespace

FashionMnist load_fashion_mnist(std::string dir) {
  std::string origin;
  dir = resolve_dir(std::move(dir), origin);
  for (const char* f : {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}) {
    const std::string path = dir + "/" + f;
    detail::require_regular_file(path,
          "Fashion-MNIST file not found (directory from " + origin + ")",
          origin == "the default location"
              ? "install the Debian package: sudo apt-get install dataset-fashion-mnist, or set "
                "TENET_FASHION_MNIST_DIR to a directory holding the four *-ubyte.gz files"
              : "point " + origin + " at a directory holding train-images-idx3-ubyte.gz, "
                "train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and "
                "t10k-labels-idx1-ubyte.gz (or apt-get install dataset-fashion-mnist and leave "
                "it unset)");
  }
  auto test = std::async(std::launch::async, [&] { return load_split(dir, "t10k", 10000); });
  Split train = load_split(dir, "train", 60000);
  return FashionMnist{train, test.get()};
}

const std::array<std::string, 10>& fashion_mnist_class_names() {
  static const std::array<std::string, 10> names = {
      "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
      "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return names;
}

}  // namespace tenet::data
