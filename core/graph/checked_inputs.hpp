#pragma once
// A built-in layer's memory of the input signatures its run-time contracts already passed.
#include <algorithm>
#include <atomic>
#include <mutex>
#include <utility>
#include <vector>

#include <tenet/core/base/dtype.hpp>
#include <tenet/core/base/shape.hpp>
#include <tenet/core/tensor/tensor.hpp>

namespace tenet {

// The input signatures (shape and dtype of each input) for which a built-in layer's run-time
// contracts (input dtype, output_shape's checks) passed after it was built. They depend on
// nothing else, so a call with a signature seen before skips them: a single-image predict
// rebuilt every check's strings and Sites on every call. A new signature is checked in full.
struct CheckedInputs {
  static constexpr std::size_t kKept = 8;  // signatures kept (an epoch's last batch, predict's)
  std::mutex mutex;
  std::vector<std::vector<std::pair<Shape, DType>>> seen;
  // detail::is_builtin of the layer, asked once (a dynamic_cast on every call): -1 not asked yet.
  std::atomic<int> builtin{-1};

  static std::vector<std::pair<Shape, DType>> signature(const std::vector<Tensor>& xs) {
    std::vector<std::pair<Shape, DType>> s;
    for (const auto& x : xs) s.emplace_back(x.shape(), x.dtype());
    return s;
  }
  static bool same(const std::vector<std::pair<Shape, DType>>& s, const std::vector<Tensor>& xs) {
    if (s.size() != xs.size()) return false;
    for (std::size_t i = 0; i < s.size(); ++i)
      if (s[i].second != xs[i].dtype() || s[i].first != xs[i].shape()) return false;
    return true;
  }
  bool contains(const std::vector<Tensor>& xs) {
    std::lock_guard lock(mutex);
    return std::any_of(seen.begin(), seen.end(), [&](const auto& s) { return same(s, xs); });
  }
  void add(const std::vector<Tensor>& xs) {
    std::lock_guard lock(mutex);
    if (seen.size() == kKept) seen.erase(seen.begin());
    seen.push_back(signature(xs));
  }
};

}  // namespace tenet
