#pragma once
// ArrayReader: the batches of in-memory arrays that fit, evaluate and predict iterate, shuffled
// per epoch from (seed, epoch) with a portable Fisher-Yates, so the order of epoch e depends
// only on (seed, e). Internal to core (not installed with the public headers' API).
#include <algorithm>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

#include <tenet/core/contracts/checks.hpp>
#include <tenet/core/training/model.hpp>
#include <tenet/core/ops/ops.hpp>
#include "core/tensor/tensor_impl.hpp"

namespace tenet::detail {

class ArrayReader : public BatchReader {
 public:
  // `share_whole` (predict): a batch of every row in order is the caller's own tensors, not
  // copies, when they are row-major values that need no gradient (see reads_as_is).
  ArrayReader(std::vector<Tensor> x, Tensor y, std::int64_t batch, bool shuffle, std::uint64_t seed,
              bool share_whole = false)
      : x_(std::move(x)), y_(std::move(y)), batch_(batch),  // >= 1: checked by the caller
        shuffle_(shuffle), share_whole_(share_whole), seed_(seed),
        order_(static_cast<std::size_t>(x_[0].dim(0))) {}
  std::int64_t steps() const override {
    return checks::batch_count(x_[0].dim(0), batch_);
  }
  void start_epoch(int epoch) override {
    std::iota(order_.begin(), order_.end(), 0);
    if (shuffle_) {
      std::mt19937_64 gen(seed_ * 1000003ULL + static_cast<std::uint64_t>(epoch));
      for (std::size_t i = order_.size(); i > 1; --i)  // Fisher-Yates, portable
        std::swap(order_[i - 1], order_[gen() % i]);
    }
    pos_ = 0;
  }
  bool next(std::vector<Tensor>& inputs, Tensor& labels, std::int64_t& index) override {
    const auto n = static_cast<std::int64_t>(order_.size());
    if (pos_ >= n) return false;
    std::int64_t end = pos_ + std::min(batch_, n - pos_);  // never pos_ + batch_ (overflow)
    if (share_whole_ && !shuffle_ && pos_ == 0 && end == n && !y_.defined() &&
        std::all_of(x_.begin(), x_.end(), reads_as_is)) {
      inputs = x_;  // a single-image predict copied its image here
      labels = Tensor();
      index = 0;
      pos_ = end;
      return true;
    }
    std::vector<std::int64_t> rows(order_.begin() + pos_, order_.begin() + end);
    inputs.clear();
    for (const auto& x : x_) inputs.push_back(take_rows(x, rows));
    labels = y_.defined() ? take_rows(y_, rows) : Tensor();
    index = pos_ / batch_;
    pos_ = end;
    return true;
  }

 private:
  std::vector<Tensor> x_;
  Tensor y_;
  std::int64_t batch_;
  bool shuffle_, share_whole_;
  std::uint64_t seed_;
  std::vector<std::int64_t> order_;
  std::int64_t pos_ = 0;
};

}  // namespace tenet::detail
