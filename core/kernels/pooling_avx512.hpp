#pragma once
// The rows of pooling.cpp's 2x2 max-pooling loops (one-byte argmax positions) written with
// AVX-512 intrinsics, for CPUs that have them: the build targets plain x86-64 (SSE2), where
// GCC vectorised the one-byte positions two floats at a time. Each function does what its
// plain twin in pooling.cpp does (forward_row_2x2 / backward_row_2x2), comparison for
// comparison, so both give the same bits; tests/layers/test_max_pool2d.cpp compares them.
//
// Rows: x0, x1, dx0, dx1 are input rows 2 oh and 2 oh + 1 of one plane ([W][B] floats), y, dy
// and argmax output row oh ([OW][B]); `lanes` (B) is a multiple of 16.
#include <cstdint>

namespace tenet::kernels {

// True when the CPU (and the OS) support AVX-512 F, BW and VL; false off x86-64 or GCC/Clang.
bool avx512_rows_supported();

// y = the maximum of each 2x2 window; argmax (null in inference) its cell 0-3, or 255 when
// relu_input and the maximum is not above 0.
void forward_row_2x2_avx512(const float* x0, const float* x1, float* y, std::uint8_t* argmax,
                            std::int64_t ow, std::int64_t lanes, bool relu_input);

// dx0, dx1: dy at each window's argmax cell, 0 in its other cells; dy_step floats from one
// output's dy to the next (lanes, or the channel count of a row-major dy).
void backward_row_2x2_avx512(const float* dy, std::int64_t dy_step, const std::uint8_t* argmax,
                             float* dx0, float* dx1, std::int64_t ow, std::int64_t lanes);

}  // namespace tenet::kernels
