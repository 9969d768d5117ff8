// Printing tensors and shapes: Tensor::str and operator<<.
#include <ostream>
#include <sstream>

#include <tenet/core/tensor/tensor.hpp>

namespace tenet {

std::string Tensor::str(int max_items) const {
  if (!defined()) return "Tensor(undefined)";
  std::ostringstream o;
  o << "Tensor(shape=" << shape().str() << ", dtype=" << dtype_name(dtype()) << ", values=[";
  std::int64_t n = numel();
  visit_dtype(dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* p = data<T>();
    for (std::int64_t i = 0; i < n && i < max_items; ++i) {
      if (i) o << ", ";
      if constexpr (sizeof(T) == 1) o << static_cast<int>(p[i]);
      else o << p[i];
    }
  });
  if (n > max_items) o << ", ...";
  o << "])";
  return o.str();
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << t.str(); }
std::ostream& operator<<(std::ostream& os, const Shape& s) { return os << s.str(); }

}  // namespace tenet
