#pragma once
// Reporting helpers for training runs: training curves as SVG, History as CSV, and a
// confusion matrix with the most confused class pairs.
#include <string>
#include <utility>
#include <vector>

#include <tenet/core/training/callbacks.hpp>
#include <tenet/core/tensor/tensor.hpp>

namespace tenet {

// Writes loss and accuracy per epoch (train and val_ when present) as an SVG of two panels.
void plot_history(const History& history, const std::string& path, const std::string& title = "");
// Writes History as CSV: epoch, then one column per key.
void write_history_csv(const History& history, const std::string& path);

// (classes, classes) int64 counts: row = true class, column = predicted class.
// `labels` are class indices (N,) of any integer dtype; `predicted` likewise.
Tensor confusion_matrix(const Tensor& labels, const Tensor& predicted, std::int64_t classes);

struct Confusion {
  std::int64_t true_class, predicted_class, count;
};
// The largest off-diagonal cells, most frequent first.
std::vector<Confusion> top_confusions(const Tensor& matrix, std::size_t count);

}  // namespace tenet
