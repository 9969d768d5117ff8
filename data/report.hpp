#pragma once
// Reporting helpers for training runs: training curves as SVG, History as CSV, and a
// confusion matrix (counts, the most confused class pairs, an SVG picture, and a callback that
// draws it after each epoch).
#include <source_location>
#include <string>
#include <utility>
#include <vector>

#include <tenet/core/training/callbacks.hpp>
#include <tenet/core/tensor/tensor.hpp>

namespace tenet {

// Writes loss and accuracy per epoch (train and val_ when present) as an SVG of two panels.
// Ticks fall on round values (1, 2, 2.5 or 5 times a power of ten); loss and accuracy axes never
// go below 0 (nor accuracy above 1); epochs are labelled from 1 as the progress line counts
// them, starting at initial_epoch + 1, every epoch up to ten and every 2, 5, 10, ... beyond; a
// one-epoch run shows its values beside the points. The title is XML-escaped.
void plot_history(const History& history, const std::string& path, const std::string& title = "");
// Writes History as CSV in CSVLogger's format (core/training/callbacks.hpp): the epoch counted
// from 1, then one column per key, NA where an epoch lacks a value.
void write_history_csv(const History& history, const std::string& path);

// (classes, classes) int64 counts: row = true class, column = predicted class.
// `labels` are class indices (N,) of any integer dtype; `predicted` likewise.
Tensor confusion_matrix(const Tensor& labels, const Tensor& predicted, std::int64_t classes);

struct Confusion {
  std::int64_t true_class, predicted_class, count;
};
// The largest off-diagonal cells, most frequent first.
std::vector<Confusion> top_confusions(const Tensor& matrix, std::size_t count);

// The matrix of confusion_matrix as an SVG heat map: rows are true classes, columns predicted
// ones, each cell shows its count and is shaded by its share of the row (so the diagonal reads
// as each class's recall). `class_names` label the axes (the indices when empty). User text is
// XML-escaped.
std::string confusion_svg(const Tensor& matrix, const std::vector<std::string>& class_names = {},
                          const std::string& title = "");

struct ConfusionMatrixOptions {
  std::vector<std::string> class_names;  // one per class; empty: the class indices
  std::int64_t batch_size = 32;          // for the predictions
};
// After each epoch, predicts `x`, counts (label, top class) pairs against `y` (class indices,
// or one-hot rows) and writes confusion_svg to `filepath`, a template as ModelCheckpoint's
// ("confusion_{epoch:02d}.svg"; a path without fields is rewritten each epoch). Titled
// "Confusion matrix, epoch N" (N from 1). Written atomically.
class ConfusionMatrixLogger : public Callback {
 public:
  ConfusionMatrixLogger(std::string filepath, std::vector<Tensor> x, Tensor y,
                        ConfusionMatrixOptions options = {},
                        std::source_location loc = std::source_location::current());
};

}  // namespace tenet
