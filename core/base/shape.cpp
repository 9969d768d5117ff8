#include <tenet/core/base/shape.hpp>

#include <tenet/core/base/error.hpp>

namespace tenet {

std::int64_t Shape::numel() const {
  // The fast path of every element count, in one pass; raise_numel raises the contract errors
  // (an unknown or negative dimension, a count beyond what a 64-bit index can address).
  std::int64_t n = 1;
  bool overflow = false;
  for (auto d : dims_) {
    if (d < 0) raise_numel();
    overflow |= __builtin_mul_overflow(n, d, &n);
  }
  if (!overflow) return n;
  for (auto d : dims_)  // any 0 makes it empty, however large the other sizes
    if (d == 0) return 0;
  raise_numel();
}

std::int64_t Shape::dim(int axis) const {
  int a = normalize_axis(axis);
  if (a < 0) raise_axis(axis, -rank(), rank() - 1);
  return dims_[static_cast<std::size_t>(a)];
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
  s[axis] = value;
  return s;
}

Shape Shape::inserted(int axis, std::int64_t value) const {
  if (axis < 0 || axis > rank()) raise_axis(axis, 0, rank());
  Shape s = *this;
  s.dims_.insert(s.dims_.begin() + axis, value);
  return s;
}

Shape Shape::removed(int axis) const {
  if (axis < 0 || axis >= rank()) raise_axis(axis, 0, rank() - 1);
  Shape s = *this;
  s.dims_.erase(s.dims_.begin() + axis);
  return s;
}

Shape Shape::drop_front(int count) const {
  if (count < 0 || count > rank()) raise_axis(count, 0, rank());
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
