#include "core/shape.hpp"

#include "core/error.hpp"

namespace tenet {

std::int64_t Shape::numel() const {
  std::int64_t n = 1;
  for (auto d : dims_)
    if (d < 0) internal_error("numel() of a shape with an unknown dimension " + str());
  for (auto d : dims_)  // any 0 makes it empty, however large the other sizes (no overflow)
    if (d == 0) return 0;
  for (auto d : dims_)
    if (__builtin_mul_overflow(n, d, &n))
      internal_error("numel() of " + str() + " overflows a 64-bit count");
  return n;
}

bool Shape::fully_known() const {
  for (auto d : dims_)
    if (d < 0) return false;
  return true;
}

int Shape::normalize_axis(int axis) const {
  int r = rank();
  if (axis < 0) axis += r;
  return (axis < 0 || axis >= r) ? -1 : axis;
}

Shape Shape::with(int axis, std::int64_t value) const {
  Shape s = *this;
  s.dims_.at(static_cast<std::size_t>(axis)) = value;
  return s;
}

Shape Shape::inserted(int axis, std::int64_t value) const {
  Shape s = *this;
  s.dims_.insert(s.dims_.begin() + axis, value);
  return s;
}

Shape Shape::removed(int axis) const {
  Shape s = *this;
  s.dims_.erase(s.dims_.begin() + axis);
  return s;
}

Shape Shape::drop_front(int count) const {
  return Shape(std::vector<std::int64_t>(dims_.begin() + count, dims_.end()));
}

Shape Shape::with_batch(std::int64_t batch) const { return inserted(0, batch); }

bool Shape::compatible(const Shape& other) const {
  if (rank() != other.rank()) return false;
  for (int i = 0; i < rank(); ++i)
    if (dims_[i] >= 0 && other.dims_[i] >= 0 && dims_[i] != other.dims_[i]) return false;
  return true;
}

std::string dim_str(std::int64_t d) { return d < 0 ? "None" : std::to_string(d); }

std::string Shape::str() const {
  std::string s = "(";
  for (std::size_t i = 0; i < dims_.size(); ++i) {
    if (i) s += ", ";
    s += dim_str(dims_[i]);
  }
  if (dims_.size() == 1) s += ",";
  return s + ")";
}

std::string to_string(const Shape& s) { return s.str(); }

}  // namespace tenet
