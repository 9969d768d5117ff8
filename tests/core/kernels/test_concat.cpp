// Suite "core/kernels": the tests of concat (channel concatenation of blocked images).
#include <doctest/doctest.h>

#include <tenet/tenet.hpp>

#include "core/kernels/concat.hpp"
#include "core/kernels/layout.hpp"
#include "core/kernels/memory.hpp"

using namespace tenet;

namespace {

// A copy of the row-major (N, H, W, C) tensor t whose bytes lie in oneDNN's nChw16c.
Tensor blocked_copy(const Tensor& t) {
  const Shape& s = t.shape();
  const dnnl::memory::desc rm = kernels::nhwc_desc(s);
  const dnnl::memory::desc d = kernels::f32_desc({s[0], s[3], s[1], s[2]}, kernels::tag::aBcd16b);
  Tensor b = kernels::empty_in(s, d, rm);
  kernels::reorder(kernels::row_major_memory(rm, t), kernels::stored_memory(d, b));
  return b;
}

}  // namespace

TEST_SUITE("core/kernels") {

TEST_CASE("blocked concat of whole channel blocks: values and gradients are exact slices") {
  // 16 + 32 channels in nChw16c: whole blocks, the path that copies images. The values are
  // copies, so the joined tensor and each input's gradient must equal their slices exactly.
  const Tensor a0 = Tensor::uniform({3, 5, 4, 16}, 1, -1.0, 1.0);
  const Tensor b0 = Tensor::uniform({3, 5, 4, 32}, 2, -1.0, 1.0);
  Tensor a = blocked_copy(a0).requires_grad(true);
  Tensor b = blocked_copy(b0).requires_grad(true);
  REQUIRE(kernels::is_blocked(a));
  Tensor joined = concat({a, b}, 3);
  CHECK(kernels::is_blocked(joined));
  const Tensor r = Tensor::uniform({3, 5, 4, 48}, 3, -1.0, 1.0);
  (joined * r).sum().backward();
  const auto jv = joined.to_vector<float>(), rv = r.to_vector<float>();
  const auto av = a0.to_vector<float>(), bv = b0.to_vector<float>();
  const auto ga = a.grad().to_vector<float>(), gb = b.grad().to_vector<float>();
  int wrong_values = 0, wrong_grads = 0;
  for (std::size_t cell = 0; cell < 3 * 5 * 4; ++cell)
    for (std::size_t c = 0; c < 48; ++c) {
      const std::size_t at = cell * 48 + c;
      const bool first = c < 16;
      const float x = first ? av[cell * 16 + c] : bv[cell * 32 + c - 16];
      const float g = first ? ga[cell * 16 + c] : gb[cell * 32 + c - 16];
      wrong_values += jv[at] != x;
      wrong_grads += g != rv[at];
    }
  CHECK(wrong_values == 0);
  CHECK(wrong_grads == 0);
}

}  // TEST_SUITE
