#include "core/kernels/pooling_avx512.hpp"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define TENET_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl")))
#endif

namespace tenet::kernels {

#ifdef TENET_AVX512

bool avx512_rows_supported() {
  static const bool yes = __builtin_cpu_supports("avx512f") &&
                          __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
  return yes;
}

// As forward_row_2x2: m = a, then b, c, d each replace it where strictly greater (an ordered
// comparison: a NaN never replaces), and the position follows the last replacement.
TENET_AVX512 void forward_row_2x2_avx512(const float* x0, const float* x1, float* y,
                                         std::uint8_t* argmax, std::int64_t ow,
                                         std::int64_t lanes, bool relu_input) {
  const __m128i one = _mm_set1_epi8(1), two = _mm_set1_epi8(2), three = _mm_set1_epi8(3);
  const __m128i none = _mm_set1_epi8(static_cast<char>(0xff));  // kNoGradient
  const __m512 zero = _mm512_setzero_ps();
  for (std::int64_t o = 0; o < ow; ++o)
    for (std::int64_t j0 = 0; j0 < lanes; j0 += 16) {
      const float* a = x0 + 2 * o * lanes + j0;
      const float* c = x1 + 2 * o * lanes + j0;
      __m512 m = _mm512_loadu_ps(a);
      const __m512 b = _mm512_loadu_ps(a + lanes), cv = _mm512_loadu_ps(c),
                   d = _mm512_loadu_ps(c + lanes);
      const __mmask16 kb = _mm512_cmp_ps_mask(b, m, _CMP_GT_OQ);
      m = _mm512_mask_mov_ps(m, kb, b);
      const __mmask16 kc = _mm512_cmp_ps_mask(cv, m, _CMP_GT_OQ);
      m = _mm512_mask_mov_ps(m, kc, cv);
      const __mmask16 kd = _mm512_cmp_ps_mask(d, m, _CMP_GT_OQ);
      m = _mm512_mask_mov_ps(m, kd, d);
      _mm512_storeu_ps(y + o * lanes + j0, m);
      if (!argmax) continue;
      __m128i i = _mm_maskz_mov_epi8(kb, one);
      i = _mm_mask_mov_epi8(i, kc, two);
      i = _mm_mask_mov_epi8(i, kd, three);
      if (relu_input) i = _mm_mask_mov_epi8(none, _mm512_cmp_ps_mask(m, zero, _CMP_GT_OQ), i);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(argmax + o * lanes + j0), i);
    }
}

// As backward_row_2x2: each cell dy where its position matches, else +0.
TENET_AVX512 void backward_row_2x2_avx512(const float* dy, std::int64_t dy_step,
                                          const std::uint8_t* argmax, float* dx0, float* dx1,
                                          std::int64_t ow, std::int64_t lanes) {
  const __m128i cell[4] = {_mm_setzero_si128(), _mm_set1_epi8(1), _mm_set1_epi8(2),
                           _mm_set1_epi8(3)};
  for (std::int64_t o = 0; o < ow; ++o)
    for (std::int64_t j0 = 0; j0 < lanes; j0 += 16) {
      const __m512 v = _mm512_loadu_ps(dy + o * dy_step + j0);
      const __m128i k = _mm_loadu_si128(reinterpret_cast<const __m128i*>(argmax + o * lanes + j0));
      float* a = dx0 + 2 * o * lanes + j0;
      float* c = dx1 + 2 * o * lanes + j0;
      float* out[4] = {a, a + lanes, c, c + lanes};
      for (int q = 0; q < 4; ++q)
        _mm512_storeu_ps(out[q], _mm512_maskz_mov_ps(_mm_cmpeq_epi8_mask(k, cell[q]), v));
    }
}

#else  // no AVX-512 copies on this compiler or machine: never called

bool avx512_rows_supported() { return false; }
void forward_row_2x2_avx512(const float*, const float*, float*, std::uint8_t*, std::int64_t,
                            std::int64_t, bool) {}
void backward_row_2x2_avx512(const float*, std::int64_t, const std::uint8_t*, float*, float*,
                             std::int64_t, std::int64_t) {}

#endif

}  // namespace tenet::kernels
