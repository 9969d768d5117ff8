#pragma once
// The metrics fit and evaluate report (CompileOptions::metrics), under Keras's names in the
// logs, the progress line and History (val_ prefixed for validation):
//   Metric::accuracy           "accuracy": the top class (the first, on a tie) is the label
//   Metric::top_k_accuracy(k)  "sparse_top_k_categorical_accuracy" with class-index labels,
//                              "top_k_categorical_accuracy" with one-hot labels: the label's
//                              score is among the k largest; a tie at the boundary counts as
//                              in (Keras's in_top_k), a NaN score never does
//   Metric::precision          "precision_<c>" per class c and "precision", their macro mean
//   Metric::recall             "recall_<c>" and "recall"
//   Metric::f1_score           "f1_score_<c>" and "f1_score"
// Each is computed over all the samples of the epoch (not a mean of batch values), as Keras's
// stateful metrics are. Precision, recall and F1 count the top class as the prediction
// (Keras's Precision(class_id=c, top_k=1)); a class never predicted has precision 0, a class
// never present recall 0, and F1 is 0 where precision + recall is 0 (Keras's divide_no_nan).
// The macro value averages every class, those absent from the data included (Keras's
// F1Score(average="macro")). The progress line shows the macro values; History and the logs
// hold the per-class ones too. Class metrics need class labels: with a regression loss they are
// accepted, as Keras accepts them, and not logged.
namespace tenet {

class Metric {
 public:
  enum class Kind { accuracy, top_k_accuracy, precision, recall, f1_score };
  static const Metric accuracy, precision, recall, f1_score;
  static Metric top_k_accuracy(int k = 5);  // Keras's default k; k >= 1 (checked by compile)

  Kind kind() const { return kind_; }
  int k() const { return k_; }
  bool operator==(const Metric&) const = default;

 private:
  constexpr Metric(Kind kind, int k) : kind_(kind), k_(k) {}
  Kind kind_;
  int k_;
};

inline constexpr Metric Metric::accuracy{Kind::accuracy, 1};
inline constexpr Metric Metric::precision{Kind::precision, 1};
inline constexpr Metric Metric::recall{Kind::recall, 1};
inline constexpr Metric Metric::f1_score{Kind::f1_score, 1};
inline Metric Metric::top_k_accuracy(int k) { return Metric(Kind::top_k_accuracy, k); }

}  // namespace tenet
