// The compiled metrics' running totals (core/training/metric_tally.hpp).
#include "core/training/metric_tally.hpp"

#include <cmath>

namespace tenet {

namespace {

// The per-class metrics' names in the logs ("precision" + "_3").
const char* class_metric_name(Metric::Kind k) {
  switch (k) {
    case Metric::Kind::precision: return "precision";
    case Metric::Kind::recall: return "recall";
    case Metric::Kind::f1_score: return "f1_score";
    default: return nullptr;
  }
}

double ratio(std::int64_t num, std::int64_t den) {  // Keras's divide_no_nan
  return den == 0 ? 0.0 : static_cast<double>(num) / static_cast<double>(den);
}

// Rank of the label's score among a row's C scores: 1 + the scores strictly above it, so tied
// scores share the better rank (Keras's in_top_k). A NaN label score ranks last.
std::int64_t label_rank(const float* row, std::int64_t classes, std::int64_t label) {
  const float s = row[label];
  if (std::isnan(s)) return classes + 1;
  std::int64_t above = 0;
  for (std::int64_t j = 0; j < classes; ++j) above += row[j] > s;
  return 1 + above;
}

std::int64_t first_max(const float* row, std::int64_t classes) {
  std::int64_t best = 0;
  for (std::int64_t j = 1; j < classes; ++j)
    if (row[j] > row[best] || (std::isnan(row[best]) && !std::isnan(row[j]))) best = j;
  return best;
}

}  // namespace

MetricTally::MetricTally(std::vector<Metric> metrics, LabelKind labels)
    : metrics_(std::move(metrics)), labels_(labels), top_k_hits_(metrics_.size(), 0) {}

void MetricTally::add(const Tensor& predictions, const Tensor& labels) {
  if (metrics_.empty() || labels_ == LabelKind::dense || predictions.rank() == 0) return;
  const std::int64_t c = predictions.dim(-1);
  if (c <= 0) return;
  if (classes_ == 0) {  // per class, never classes x classes: a 50000-word vocabulary is fine
    classes_ = c;
    for (auto* v : {&true_positives_, &predicted_, &present_}) v->assign(static_cast<std::size_t>(c), 0);
  }
  const std::vector<float> p = predictions.detach().astype(DType::f32).to_vector<float>();
  const std::int64_t rows = static_cast<std::int64_t>(p.size()) / c;
  std::vector<std::int64_t> truth;
  if (labels_ == LabelKind::sparse) {
    truth = labels.to_vector<std::int64_t>();
  } else {
    const std::vector<float> y = labels.astype(DType::f32).to_vector<float>();
    for (std::int64_t i = 0; i < rows; ++i) truth.push_back(first_max(y.data() + i * c, c));
  }
  for (std::int64_t i = 0; i < rows && i < static_cast<std::int64_t>(truth.size()); ++i) {
    const float* row = p.data() + i * c;
    const std::int64_t t = truth[static_cast<std::size_t>(i)];
    if (t < 0 || t >= c || c != classes_) continue;  // the loss refuses such labels first
    const std::int64_t top = first_max(row, c);
    ++present_[static_cast<std::size_t>(t)];
    ++predicted_[static_cast<std::size_t>(top)];
    true_positives_[static_cast<std::size_t>(t)] += top == t;
    for (std::size_t m = 0; m < metrics_.size(); ++m)
      if (metrics_[m].kind() == Metric::Kind::top_k_accuracy)
        top_k_hits_[m] += label_rank(row, c, t) <= metrics_[m].k();
    ++samples_;
  }
}

std::vector<std::int64_t> MetricTally::counts() const {
  std::vector<std::int64_t> out{samples_};
  out.insert(out.end(), top_k_hits_.begin(), top_k_hits_.end());
  for (const auto* v : {&true_positives_, &predicted_, &present_}) out.insert(out.end(), v->begin(), v->end());
  return out;
}

void MetricTally::set_counts(const std::vector<std::int64_t>& counts) {
  if (counts.size() != 1 + top_k_hits_.size() + 3 * static_cast<std::size_t>(classes_))
    internal_error("metric counts of another size across ranks");
  samples_ = counts[0];
  auto at = counts.begin() + 1;
  for (auto* v : {&top_k_hits_, &true_positives_, &predicted_, &present_}) {
    std::copy(at, at + static_cast<std::ptrdiff_t>(v->size()), v->begin());
    at += static_cast<std::ptrdiff_t>(v->size());
  }
}

Logs MetricTally::result() const {
  Logs out;
  if (samples_ == 0) return out;
  const std::int64_t c = classes_;
  std::vector<double> precision(c), recall(c), f1(c);
  std::int64_t hits = 0;
  for (std::size_t k = 0; k < static_cast<std::size_t>(c); ++k) {
    hits += true_positives_[k];
    precision[k] = ratio(true_positives_[k], predicted_[k]);
    recall[k] = ratio(true_positives_[k], present_[k]);
    const double sum = precision[k] + recall[k];
    f1[k] = sum == 0 ? 0.0 : 2 * precision[k] * recall[k] / sum;
  }
  for (std::size_t m = 0; m < metrics_.size(); ++m) {
    const Metric::Kind kind = metrics_[m].kind();
    if (kind == Metric::Kind::accuracy) out["accuracy"] = ratio(hits, samples_);
    if (kind == Metric::Kind::top_k_accuracy)
      out[labels_ == LabelKind::sparse ? "sparse_top_k_categorical_accuracy"
                                       : "top_k_categorical_accuracy"] = ratio(top_k_hits_[m], samples_);
    const char* name = class_metric_name(kind);
    if (!name) continue;
    const std::vector<double>& per_class = kind == Metric::Kind::precision ? precision
                                           : kind == Metric::Kind::recall  ? recall
                                                                           : f1;
    double sum = 0;
    for (std::int64_t k = 0; k < c; ++k) {
      out[std::string(name) + "_" + std::to_string(k)] = per_class[static_cast<std::size_t>(k)];
      sum += per_class[static_cast<std::size_t>(k)];
    }
    out[name] = sum / static_cast<double>(c);
  }
  return out;
}

Logs shown_logs(const Logs& logs, const std::vector<Metric>& metrics) {
  Logs out = logs;
  for (const Metric& m : metrics) {
    const char* name = class_metric_name(m.kind());
    if (!name) continue;
    for (const std::string& prefix : {std::string(name) + "_", "val_" + std::string(name) + "_"})
      for (auto it = out.lower_bound(prefix); it != out.end() && it->first.rfind(prefix, 0) == 0;)
        it = out.erase(it);
  }
  return out;
}

}  // namespace tenet
