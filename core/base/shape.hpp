#pragma once
// Shape: a list of dimensions. A dimension may be unknown (kUnknown, printed `None`) in
// symbolic shapes, e.g. the batch axis of a model Input. Prints in Keras notation.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace tenet {

inline constexpr std::int64_t kUnknown = -1;

class Shape {
 public:
  Shape() = default;
  Shape(std::initializer_list<std::int64_t> dims) { assign(dims.begin(), dims.size()); }
  explicit Shape(const std::vector<std::int64_t>& dims) { assign(dims.data(), dims.size()); }
  Shape(const Shape& other) { assign(other.data(), other.size()); }
  Shape(Shape&& other) noexcept { take(other); }
  Shape& operator=(const Shape& other) {
    if (this != &other) assign(other.data(), other.size());
    return *this;
  }
  Shape& operator=(Shape&& other) noexcept {
    if (this != &other) take(other);
    return *this;
  }
  ~Shape() = default;

  int rank() const { return rank_; }
  // Dimension `axis` in [0, rank); tensor.index otherwise.
  std::int64_t operator[](int axis) const {
    if (static_cast<unsigned>(axis) >= static_cast<unsigned>(rank_)) raise_axis(axis, 0, rank_ - 1);
    return data()[axis];
  }
  std::int64_t& operator[](int axis) {
    if (static_cast<unsigned>(axis) >= static_cast<unsigned>(rank_)) raise_axis(axis, 0, rank_ - 1);
    return data()[axis];
  }
  // Dimension by possibly negative axis (-1 is the last).
  std::int64_t dim(int axis) const;
  std::span<const std::int64_t> dims() const { return {data(), size()}; }
  const std::int64_t* begin() const { return data(); }
  const std::int64_t* end() const { return data() + rank_; }

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

  friend bool operator==(const Shape& a, const Shape& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }

 private:
  // Up to this rank the dimensions live in the object itself: a tensor's shape, copied into
  // every tensor a kernel makes, took a heap allocation per tensor as a std::vector.
  static constexpr int kInline = 6;
  std::size_t size() const { return static_cast<std::size_t>(rank_); }
  const std::int64_t* data() const { return heap_ ? heap_.get() : inline_; }
  std::int64_t* data() { return heap_ ? heap_.get() : inline_; }
  // Makes room for `rank` dimensions (values unset), inline when they fit.
  void resize(std::size_t rank);
  void assign(const std::int64_t* dims, std::size_t rank);
  void take(Shape& other) noexcept;  // moves other's dimensions here; other becomes rank 0
  [[noreturn, gnu::cold, gnu::noinline]] void raise_axis(int axis, int lo, int hi) const;  // tensor.index
  [[noreturn, gnu::cold, gnu::noinline]] void raise_numel() const;  // via checks::checked_numel
  std::int64_t inline_[kInline] = {};
  std::unique_ptr<std::int64_t[]> heap_;  // rank > kInline only
  int rank_ = 0;
};

std::string to_string(const Shape& s);
std::string dim_str(std::int64_t d);  // "None" or the number

}  // namespace tenet
