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

namespace tenet::detail {

class ArrayReader : public BatchReader {
 public:
  ArrayReader(std::vector<Tensor> x, Tensor y, std::int64_t batch, bool shuffle, std::uint64_t seed)
      : x_(std::move(x)), y_(std::move(y)), batch_(batch),  // >= 1: checked by the caller
        shuffle_(shuffle), seed_(seed), order_(static_cast<std::size_t>(x_[0].dim(0))) {}
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
  bool shuffle_;
  std::uint64_t seed_;
  std::vector<std::int64_t> order_;
  std::int64_t pos_ = 0;
};

}  // namespace tenet::detail
