#pragma once
// Fashion-MNIST from the Debian package `dataset-fashion-mnist`
// (/usr/share/datasets/fashion-mnist, gzip IDX files).
#include <array>
#include <string>

#include <tenet/core/tensor/tensor.hpp>

namespace tenet::data {

struct Split {
  Tensor images;  // uint8 (N, 28, 28), pixel values 0..255
  Tensor labels;  // uint8 (N,), class indices 0..9
};

struct FashionMnist {
  Split train;  // 60000 samples
  Split test;   // 10000 samples
};

// Reads the four files from `dir`, or when empty from $TENET_FASHION_MNIST_DIR, or else from
// /usr/share/datasets/fashion-mnist. `auto [train, test] = data::load_fashion_mnist();`
// A missing file raises IOError saying which package to install or which variable to set;
// a damaged file raises data.format. The four files are decoded in parallel.
FashionMnist load_fashion_mnist(std::string dir = "");

// Class names in label order: "T-shirt/top", "Trouser", ..., "Ankle boot".
const std::array<std::string, 10>& fashion_mnist_class_names();

}  // namespace tenet::data
