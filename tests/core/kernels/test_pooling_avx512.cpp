// Suite "core/kernels": the tests of pooling_avx512 (the AVX-512 rows of the 2x2 max pooling).
// Both copies of the rows, the plain one (built for x86-64) and the AVX-512 one, must give the
// same bits: outputs, argmax positions and gradients, on ties, zeros, negative values and NaN,
// in inference and training, with and without a ReLU before the pooling.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "core/kernels/pooling.hpp"
#include "core/kernels/pooling_avx512.hpp"

using namespace tenet::kernels;

namespace {

struct PoolRun {
  std::vector<float> y, dx;
  std::vector<std::uint8_t> argmax;
};

// One 2x2 pooling step on [n][blocks][h][w][lanes] data, on the rows `avx512` selects.
PoolRun run_2x2(const std::vector<float>& x, const std::vector<float>& dy, const LaneBlocks& xb,
                bool training, bool relu_input, bool avx512) {
  REQUIRE(use_avx512_rows(avx512) == avx512);
  const LaneBlocks yb = with_size(xb, xb.h / 2, xb.w / 2);
  const PoolWindow win{2, 2, 2, 2, 0, 0};
  PoolRun r;
  r.y.assign(static_cast<std::size_t>(yb.size()), -7.0f);
  r.dx.assign(static_cast<std::size_t>(xb.size()), -7.0f);  // every cell must be written
  r.argmax.assign(static_cast<std::size_t>(yb.size()), 77);
  max_pool_forward(x.data(), xb, r.y.data(), yb, training ? r.argmax.data() : nullptr, win,
                   relu_input);
  if (training) max_pool_backward(dy.data(), yb, r.argmax.data(), r.dx.data(), xb, win);
  use_avx512_rows(true);  // back to the default
  return r;
}

// Few distinct values (ties), zeros, negatives and a NaN now and then.
std::vector<float> values(std::size_t n, std::uint32_t seed, bool relu_like) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> q(-3, 3);
  std::vector<float> v(n);
  for (auto& e : v) {
    const float f = static_cast<float>(q(rng)) * 0.5f;
    e = relu_like ? std::max(f, 0.0f) : f;
  }
  if (!relu_like)
    for (std::size_t i = 5; i < n; i += 97) v[i] = NAN;
  return v;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace

TEST_SUITE("core/kernels") {

TEST_CASE("the AVX-512 rows of 2x2 max pooling give the plain rows' bits") {
  if (!avx512_rows_supported()) {
    MESSAGE("this CPU has no AVX-512: only the plain rows run here");
    CHECK_FALSE(use_avx512_rows(true));
    return;
  }
  // (blocks, h, w, lanes): nChw16c with 2 blocks and odd sizes (a last row and column in no
  // window), and one block of 32 lanes (row-major nhwc with 32 channels).
  const LaneBlocks shapes[] = {{3, 2, 7, 9, 16, dnnl::memory::format_tag::aBcd16b},
                               {2, 1, 6, 4, 32, dnnl::memory::format_tag::nhwc}};
  for (const LaneBlocks& xb : shapes)
    for (bool relu_input : {false, true})
      for (bool training : {false, true}) {
        CAPTURE(xb.h);
        CAPTURE(relu_input);
        CAPTURE(training);
        const auto x = values(static_cast<std::size_t>(xb.size()), 11, relu_input);
        const auto dy = values(static_cast<std::size_t>(xb.size() / 4 + 64), 12, false);
        const PoolRun plain = run_2x2(x, dy, xb, training, relu_input, false);
        const PoolRun wide = run_2x2(x, dy, xb, training, relu_input, true);
        CHECK(same_bits(plain.y, wide.y));
        CHECK(plain.argmax == wide.argmax);
        CHECK(same_bits(plain.dx, wide.dx));
        if (training) {  // the gradient went somewhere, and the leftover cells are zero
          CHECK(std::count(wide.dx.begin(), wide.dx.end(), -7.0f) == 0);
          CHECK(std::count(wide.argmax.begin(), wide.argmax.end(), 77) == 0);
        }
      }
}

TEST_CASE("2x2 max pooling by hand: ties keep the first cell, a ReLU's zero window passes nothing") {
  // One image, one block of 16 lanes, a 2x2 input: lane j holds cells (a, b, c, d).
  const LaneBlocks xb{1, 1, 2, 2, 16, dnnl::memory::format_tag::nhwc};
  std::vector<float> x(64, 0.0f);
  const float cells[4][4] = {{1, 3, 3, 2}, {0, 0, 0, 0}, {-1, -2, -0.5f, -3}, {2, 2, 2, 2}};
  for (int j = 0; j < 4; ++j)
    for (int c = 0; c < 4; ++c) x[static_cast<std::size_t>(c * 16 + j)] = cells[j][c];
  std::vector<float> dy(16, 5.0f);
  for (bool avx512 : {false, true}) {
    if (avx512 && !avx512_rows_supported()) continue;
    CAPTURE(avx512);
    const PoolRun r = run_2x2(x, dy, xb, true, false, avx512);
    CHECK(r.y[0] == 3.0f);
    CHECK(r.argmax[0] == 1);  // b, the first of the two 3s
    CHECK(r.argmax[1] == 0);  // all zeros: the first cell
    CHECK(r.y[2] == -0.5f);
    CHECK(r.argmax[2] == 2);
    CHECK(r.argmax[3] == 0);
    CHECK(r.dx[16 + 0] == 5.0f);  // cell b of lane 0
    CHECK(r.dx[0] == 0.0f);
    const PoolRun relu = run_2x2(x, dy, xb, true, true, avx512);
    CHECK(relu.argmax[1] == 255);  // a ReLU's zero window: no gradient
    CHECK(relu.dx[1] == 0.0f);
    CHECK(relu.dx[16 + 1] == 0.0f);
  }
}

}  // TEST_SUITE
