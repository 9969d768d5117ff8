#include <tenet/core/base/shape.hpp>

#include <tenet/core/base/error.hpp>

namespace tenet {

void Shape::resize(std::size_t rank) {
  if (rank > static_cast<std::size_t>(kInline)) {
    if (!heap_ || rank_ < static_cast<int>(rank)) heap_ = std::make_unique<std::int64_t[]>(rank);
  } else {
    heap_.reset();
  }
  rank_ = static_cast<int>(rank);
}

void Shape::assign(const std::int64_t* dims, std::size_t rank) {
  resize(rank);  // never called with this shape's own dimensions (operator= checks)
  std::copy(dims, dims + rank, data());
}

void Shape::take(Shape& other) noexcept {
  heap_ = std::move(other.heap_);
  std::copy(other.inline_, other.inline_ + kInline, inline_);
  rank_ = other.rank_;
  other.rank_ = 0;
}

std::int64_t Shape::numel() const {
  // The fast path of every element count, in one pass; raise_numel raises the contract errors
  // (an unknown or negative dimension, a count beyond what a 64-bit index can address).
  std::int64_t n = 1;
  bool overflow = false;
  for (auto d : *this) {
    if (d < 0) raise_numel();
    overflow |= __builtin_mul_overflow(n, d, &n);
  }
  if (!overflow) return n;
  for (auto d : *this)  // any 0 makes it empty, however large the other sizes
    if (d == 0) return 0;
  raise_numel();
}

std::int64_t Shape::dim(int axis) const {
  int a = normalize_axis(axis);
  if (a < 0) raise_axis(axis, -rank(), rank() - 1);
  return data()[a];
}

bool Shape::fully_known() const {
  for (auto d : *this)
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
  Shape s;
  s.resize(size() + 1);
  std::int64_t* d = std::copy(begin(), begin() + axis, s.data());
  *d = value;
  std::copy(begin() + axis, end(), d + 1);
  return s;
}

Shape Shape::removed(int axis) const {
  if (axis < 0 || axis >= rank()) raise_axis(axis, 0, rank() - 1);
  Shape s;
  s.resize(size() - 1);
  std::copy(begin() + axis + 1, end(), std::copy(begin(), begin() + axis, s.data()));
  return s;
}

Shape Shape::drop_front(int count) const {
  if (count < 0 || count > rank()) raise_axis(count, 0, rank());
  Shape s;
  s.assign(begin() + count, size() - static_cast<std::size_t>(count));
  return s;
}

Shape Shape::with_batch(std::int64_t batch) const { return inserted(0, batch); }

bool Shape::compatible(const Shape& other) const {
  if (rank() != other.rank()) return false;
  for (int i = 0; i < rank(); ++i)
    if ((*this)[i] >= 0 && other[i] >= 0 && (*this)[i] != other[i]) return false;
  return true;
}

std::string dim_str(std::int64_t d) { return d < 0 ? "None" : std::to_string(d); }

std::string Shape::str() const {
  std::string s = "(";
  for (int i = 0; i < rank_; ++i) {
    if (i) s += ", ";
    s += dim_str(data()[i]);
  }
  if (rank_ == 1) s += ",";
  return s + ")";
}

std::string to_string(const Shape& s) { return s.str(); }

}  // namespace tenet
