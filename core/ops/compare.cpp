// Comparing tensors: equal (element-wise mask), allclose, max_abs_diff, array_equal.
// Tensors compared must have the same shape (compare.shape); nothing broadcasts here.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include <tenet/core/tensor/autograd.hpp>
#include <tenet/core/contracts/checks.hpp>
#include <tenet/core/ops/ops.hpp>

namespace tenet {

// Both tensors of a comparison hold values and have one shape (compare.shape).
static void check_comparable(const Tensor& a, const Tensor& b, const char* name,
                             const std::source_location& loc) {
  const Site site = Site::call(name, "op", loc);
  checks::defined(a, [&] { return std::string("the first tensor of ") + name; }, site);
  checks::defined(b, [&] { return std::string("the second tensor of ") + name; }, site);
  checks::check_compare(a.shape(), b.shape(), site);
}

Tensor equal(const Tensor& a, const Tensor& b, std::source_location loc) {
  check_comparable(a, b, "equal", loc);
  Tensor out = Tensor::empty(a.shape(), DType::u8);
  Tensor bb = b.dtype() == a.dtype() ? b : b.astype(a.dtype());
  visit_dtype(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* pa = a.data<T>();
    const T* pb = bb.data<T>();
    auto* po = out.data<std::uint8_t>();
    for (std::int64_t i = 0, n = a.numel(); i < n; ++i) po[i] = pa[i] == pb[i];
  });
  return out;
}

double max_abs_diff(const Tensor& a, const Tensor& b, std::source_location loc) {
  check_comparable(a, b, "max_abs_diff", loc);
  auto va = a.to_vector<double>(), vb = b.to_vector<double>();
  double m = 0;
  for (std::size_t i = 0; i < va.size(); ++i) m = std::max(m, std::abs(va[i] - vb[i]));
  return m;
}

bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol,
              std::source_location loc) {
  check_comparable(a, b, "allclose", loc);
  // A NaN tolerance made every comparison false (so any tensors were "close"), a negative one
  // made even equal tensors differ.
  const double inf = std::numeric_limits<double>::infinity();
  const Site site = Site::call("allclose", "op", loc);
  const std::string why = "a tolerance is a distance, so it cannot be negative";
  checks::check_option_real("allclose rtol", rtol, 0.0, inf, false, site, Phase::run, why);
  checks::check_option_real("allclose atol", atol, 0.0, inf, false, site, Phase::run, why);
  auto va = a.to_vector<double>(), vb = b.to_vector<double>();
  for (std::size_t i = 0; i < va.size(); ++i) {
    if (std::isnan(va[i]) || std::isnan(vb[i])) return false;
    if (std::abs(va[i] - vb[i]) > atol + rtol * std::abs(vb[i])) return false;
  }
  return true;
}

bool array_equal(const Tensor& a, const Tensor& b, std::source_location loc) {
  checks::defined(a, "the first tensor of array_equal", Site::call("array_equal", "op", loc));
  checks::defined(b, "the second tensor of array_equal", Site::call("array_equal", "op", loc));
  if (!(a.shape() == b.shape()) || a.dtype() != b.dtype()) return false;
  return std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()) == 0;
}

}  // namespace tenet
