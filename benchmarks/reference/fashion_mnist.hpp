#pragma once
// Fashion-MNIST from Debian's IDX files (gzip), for the reference accuracy check and the
// tenet-vs-reference benchmarks. Standard library and zlib only.
#include <cstdint>
#include <string>
#include <vector>

namespace tenet_bench {

inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

struct FashionMnist {
  std::int64_t count = 0;
  std::vector<float> images;         // (count, 28, 28, 1), pixel / 255
  std::vector<std::int32_t> labels;  // (count), 0..9
};

// split: "train" (60000) or "t10k" (10000). Throws std::runtime_error on a missing or
// malformed file.
FashionMnist load_fashion_mnist(const std::string& split, const std::string& dir = kFashionMnistDir);

// (n, h, w, 1) -> (n, h/2, w/2, 1) by 2x2 averaging: the second input of net C.
void downsample2x(const float* nhwc, std::int64_t n, std::int64_t h, std::int64_t w, float* out);

}  // namespace tenet_bench
