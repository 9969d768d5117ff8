// Suite "core/ops": the tests of linalg.
#include <doctest/doctest.h>

#include <cblas.h>
#include <cmath>

#include "support/test_util.hpp"
#include "support/gradcheck.hpp"

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::check_gradients;

TEST_SUITE("core/ops") {

TEST_CASE("matmul agrees with OpenBLAS, the independent reference") {
  Tensor a = Tensor::randn({37, 53}, 1), b = Tensor::randn({53, 29}, 2);
  Tensor c = matmul(a, b);
  std::vector<float> ref(37 * 29);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 37, 29, 53, 1.0f, a.data<float>(), 53,
              b.data<float>(), 29, 0.0f, ref.data(), 29);
  CHECK(allclose(c, Tensor::from_vector(ref, {37, 29}), 1e-5, 1e-5));
  auto e = capture([&] { (void)matmul(a, a); });
  CHECK(e.code() == "matmul.shape");
}

}  // TEST_SUITE
