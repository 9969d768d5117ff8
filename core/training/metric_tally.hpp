#pragma once
// Running totals of the compiled metrics (core/training/metric.hpp) over an epoch or an
// evaluate: hits for the accuracies and, per class, the samples of that class predicted as it,
// the samples predicted as it and the samples of it (precision, recall and F1 need no more), so
// an epoch's values are taken over all its samples. Not public API.
#include <cstdint>
#include <vector>

#include <tenet/core/graph/loss.hpp>
#include <tenet/core/training/callbacks.hpp>
#include <tenet/core/training/metric.hpp>

namespace tenet {

class MetricTally {
 public:
  MetricTally(std::vector<Metric> metrics, LabelKind labels);
  // Adds a batch: predictions (..., C) scores, labels class indices (...) or one-hot (..., C).
  void add(const Tensor& predictions, const Tensor& labels);
  Logs result() const;  // every metric's keys, per class included; empty before add
  // The counts as one array (samples, top-k hits, then per class: true positives, predicted,
  // present), and back: a data-parallel
  // fit sums them across ranks (core/training/distributed.hpp).
  std::vector<std::int64_t> counts() const;
  void set_counts(const std::vector<std::int64_t>& counts);

 private:
  std::vector<Metric> metrics_;
  LabelKind labels_;
  std::int64_t classes_ = 0, samples_ = 0;
  std::vector<std::int64_t> top_k_hits_;  // per metric (top_k_accuracy entries only)
  // Per class (memory linear in the classes: a table classes x classes of a 200000-word
  // vocabulary would need 320 GB): labelled and predicted as it, predicted as it, labelled as it.
  std::vector<std::int64_t> true_positives_, predicted_, present_;
};

// The logs without the per-class keys ("precision_3"), for the progress line.
Logs shown_logs(const Logs& logs, const std::vector<Metric>& metrics);

}  // namespace tenet
