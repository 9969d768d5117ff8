#pragma once
// Shape: a list of dimensions. A dimension may be unknown (kUnknown, printed `None`) in
// symbolic shapes, e.g. the batch axis of a model Input. Prints in Keras notation.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace tenet {

inline constexpr std::int64_t kUnknown = -1;

class Shape {
 public:
  Shape() = default;
  Shape(std::initializer_list<std::int64_t> dims) : dims_(dims) {}
  explicit Shape(std::vector<std::int64_t> dims) : dims_(std::move(dims)) {}

  int rank() const { return static_cast<int>(dims_.size()); }
  // Dimension `axis` in [0, rank); tensor.index otherwise.
  std::int64_t operator[](int axis) const {
    if (static_cast<std::size_t>(axis) >= dims_.size()) raise_axis(axis, 0, rank() - 1);
    return dims_[static_cast<std::size_t>(axis)];
  }
  std::int64_t& operator[](int axis) {
    if (static_cast<std::size_t>(axis) >= dims_.size()) raise_axis(axis, 0, rank() - 1);
    return dims_[static_cast<std::size_t>(axis)];
  }
  // Dimension by possibly negative axis (-1 is the last).
  std::int64_t dim(int axis) const;
  const std::vector<std::int64_t>& dims() const { return dims_; }
  auto begin() const { return dims_.begin(); }
  auto end() const { return dims_.end(); }

  // Number of elements, multiplied with overflow checks: tensor.shape if a dimension is
  // unknown or negative, options.invalid if the count exceeds a 64-bit count.
  std::int64_t numel() const;
  bool fully_known() const;
  // Maps a negative axis to its positive index; returns -1 when out of range.
  int normalize_axis(int axis) const;

  Shape with(int axis, std::int64_t value) const;       // copy with one dimension changed
  Shape inserted(int axis, std::int64_t value) const;   // copy with a dimension inserted
  Shape removed(int axis) const;                        // copy without one dimension
  Shape drop_front(int count = 1) const;                // e.g. without the batch axis
  Shape with_batch(std::int64_t batch) const;           // prepend a batch axis

  // True when every known dimension agrees (unknown matches anything).
  bool compatible(const Shape& other) const;
  std::string str() const;  // "(None, 28, 28, 1)"

  friend bool operator==(const Shape&, const Shape&) = default;

 private:
  [[noreturn, gnu::cold, gnu::noinline]] void raise_axis(int axis, int lo, int hi) const;  // tensor.index
  [[noreturn, gnu::cold, gnu::noinline]] void raise_numel() const;  // via checks::checked_numel
  std::vector<std::int64_t> dims_;
};

std::string to_string(const Shape& s);
std::string dim_str(std::int64_t d);  // "None" or the number

}  // namespace tenet
