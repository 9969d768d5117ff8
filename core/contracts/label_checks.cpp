#include "core/base/user_call.hpp"
#include "core/contracts/label_checks.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

namespace tenet::checks {

namespace {
// Code in the fixes below, in the reader's notation (checks::snippet).
std::string one_hot_code(const std::string& classes) {
  return snippet("one_hot(y, " + classes + ")", "keras.utils.to_categorical(y, " + classes + ")");
}
std::string as_float_code() { return snippet("y.astype(DType::f32)", "y.astype('float32')"); }
std::string as_int_code() { return snippet("y.astype(DType::i32)", "y.astype('int32')"); }
std::string argmax_code() { return snippet("y.argmax(-1)", "y.argmax(axis=-1)"); }
}  // namespace

namespace {


// The shape the labels should have: the predictions' with the given last axis.
Shape label_shape_for(const Shape& p, std::int64_t last) {
  Shape s = p;
  if (s.rank() > 0) s[s.rank() - 1] = last;
  return s;
}

bool looks_like_indices(const Shape& p, const Shape& l) {
  return l.rank() == p.rank() - 1 || (l.rank() == p.rank() && l.rank() > 0 && l.dim(-1) == 1);
}

// Cross-entropies need a class axis: rank-0 predictions (one number per batch) have none.
void check_class_axis(const Shape& p, const Shape& l, Phase phase, const Site& where) {
  if (p.rank() > 0) return;
  Violation("loss.label_shape", phase, where)
      .summary("cross-entropy needs predictions with a class axis, got " + p.str())
      .expected("predictions (batch, classes)")
      .actual(p)
      .cause("the predictions " + p.str() + " are a single number, so there are no classes to "
             "score the labels " + l.str() + " against")
      .fix("end the model with Dense(classes), or use MeanSquaredError() for one real target")
      .raise();
}

}  // namespace

void check_one_hot_labels(const Shape& p, const LabelFacts& labels, Phase phase, const Site& where) {
  check_class_axis(p, labels.shape, phase, where);
  const Shape& l = labels.shape;
  const std::int64_t classes = p.rank() > 0 ? p.dim(-1) : kUnknown;
  const std::string c = dim_str(classes);
  const Shape want = label_shape_for(p, classes);
  if (classes != 1 && looks_like_indices(p, l))
    Violation("loss.label_shape", phase, where)
        .summary("categorical cross-entropy needs one-hot labels " + want.str() + ", got " +
                 l.str())
        .expected(want)
        .actual(l)
        .mark({l.rank() - 1})
        .mark_expected({want.rank() - 1})
        .cause("the labels " + l.str() + " hold one " + (is_floating(labels.dtype) ? "" : "integer ") +
               "value per sample: they look like class indices, but CategoricalCrossentropy "
               "expects one row of " + c + " probabilities per sample")
        .fix(fix_for_data("either one-hot encode them with " + one_hot_code(c) + ", or keep the "
                          "indices and use SparseCategoricalCrossentropy() as the loss",
                          "one-hot encode them with " + one_hot_code(c)))
        .raise();
  if (l.rank() != p.rank() || (classes >= 0 && l.dim(-1) != classes))
    Violation("loss.label_shape", phase, where)
        .summary("one-hot labels of width " + dim_str(l.rank() ? l.dim(-1) : 0) +
                 " do not fit " + c + " outputs")
        .expected(want)
        .actual(l)
        .mark_differences(want, l)
        .cause("the labels are one-hot rows of width " + dim_str(l.rank() ? l.dim(-1) : 0) +
               " but the model has " + c + " outputs: the labels were encoded for another "
               "number of classes, or the last layer has the wrong number of units")
        .fix(fix_for_data("give the last layer one unit per class (Dense(" +
                              dim_str(l.rank() ? l.dim(-1) : 0) + ")), or encode the labels "
                              "with " + one_hot_code(c),
                          "encode the labels with " + one_hot_code(c)))
        .raise();
  if (!is_floating(labels.dtype))
    Violation("loss.label_dtype", phase, where)
        .summary(std::string("CategoricalCrossentropy needs float one-hot labels, got ") +
                 dtype_name(labels.dtype))
        .expected("float32 one-hot rows")
        .actual(dtype_name(labels.dtype))
        .cause(std::string("the labels are ") + dtype_name(labels.dtype) +
               "; a one-hot loss reads each row as class probabilities")
        .fix("cast one-hot rows with " + as_float_code() + "; build them from class indices with " +
             one_hot_code(c))
        .raise();
}

void check_dense_targets(const Shape& p, const LabelFacts& labels, Phase phase, const Site& where) {
  Shape l = labels.shape;
  if (p.rank() == 2 && p[1] == 1 && l.rank() == 1) return;  // (N,) targets for (N, 1)
  Shape want = p;
  if (want.rank() > 0 && want[0] < 0 && l.rank() > 0) want[0] = l[0];
  if (l.rank() == p.rank() && l.compatible(want)) return;
  std::string cause = "the model predicts " + p.str() + " per batch but the targets are " +
                      l.str() + "; an element-wise loss would otherwise broadcast them against "
                      "each other";
  std::string fix = fix_for_data("reshape the targets to " + p.str() + ", or change the last "
                                 "layer's units to the number of target values",
                                 "reshape the targets to " + p.str());
  const std::int64_t outputs = p.rank() == 2 ? p[1] : -1;
  if (l.rank() == 1 && outputs > 1 && !is_floating(labels.dtype)) {
    cause = "the targets are one " + std::string(dtype_name(labels.dtype)) + " per sample, "
            "which looks like class indices, while this loss compares its " +
            std::to_string(outputs) + " outputs per sample element by element with targets of "
            "the same shape";
    fix = fix_for_data("for class indices use SparseCategoricalCrossentropy (from_logits = true "
                       "when the last layer has no softmax), or give this loss " +
                           one_hot_code(std::to_string(outputs)),
                       "give this loss " + one_hot_code(std::to_string(outputs)));
  } else if (l.rank() + 1 == p.rank() && p[p.rank() - 1] == 1) {
    std::vector<std::int64_t> dims(l.begin(), l.end());
    dims.push_back(1);
    fix = "add the last axis to the targets: " +
          snippet("expand_dims(y, -1)", "np.expand_dims(y, -1)") + " makes them " + Shape(dims).str();
  }
  Violation("loss.label_shape", phase, where)
      .summary("the targets of an element-wise loss must have the predictions' shape")
      .expected(p)
      .actual(l)
      .mark_differences(want, l)
      .cause(cause)
      .fix(fix)
      .raise();
}

namespace {
// loss.label_range: a class index outside [0, classes), the first one named with its sample.
[[noreturn]] void sparse_label_range(const LabelFacts& labels, std::int64_t classes, Phase phase,
                                     const Site& where) {
  const std::string c = dim_str(classes);
  const std::int64_t lo = labels.lo, hi = labels.hi, i = labels.first_outside, bad = labels.outside_value;
  const bool one_based = lo == 1 && hi == classes;
  const std::string hint = one_based ? "; the labels run from 1 to " + c + ", so they look 1-based" : "";
  Violation("loss.label_range", phase, where)
      .summary("label " + std::to_string(bad) + " of sample " + std::to_string(i) +
               " is outside [0, " + c + ")")
      .expected("class indices in [0, " + c + ") for " + c + " outputs")
      .actual("sample " + std::to_string(i) + " has label " + std::to_string(bad) +
              " (labels range from " + std::to_string(lo) + " to " + std::to_string(hi) + ")")
      .cause("the model has " + c + " outputs, so valid classes are 0 to " +
             std::to_string(classes - 1) + "; the first offending sample is " +
             std::to_string(i) + " with label " + std::to_string(bad) + hint)
      .fix(one_based ? "subtract 1 from every label so that classes start at 0"
                     : lo < 0 ? "labels must be class indices from 0; map the negative ones (" +
                                    std::to_string(lo) + ") to a class or drop those samples"
                              : fix_for_data("check the label encoding (labels must start at 0), or "
                                             "give the last layer " +
                                                 std::to_string(std::max<std::int64_t>(hi + 1, classes)) +
                                                 " units if there are that many classes",
                                             "check the label encoding: the labels must be the "
                                             "class indices 0 to " + std::to_string(classes - 1)))
      .raise();
}
}  // namespace

void check_sparse_labels(const Shape& p, const LabelFacts& labels, Phase phase, const Site& where) {
  check_class_axis(p, labels.shape, phase, where);
  const Shape& l = labels.shape;
  const std::int64_t classes = p.rank() > 0 ? p.dim(-1) : kUnknown;
  const Shape want = p.rank() > 0 ? p.removed(p.rank() - 1) : p;
  const bool one_hot_rows = l.rank() == p.rank() && l.rank() > 0 && l.dim(-1) != 1;
  if (is_floating(labels.dtype))
    Violation("loss.label_dtype", phase, where)
        .summary(std::string("SparseCategoricalCrossentropy needs integer class indices, got ") +
                 dtype_name(labels.dtype) + " labels " + l.str())
        .expected("integer class indices (uint8, int32 or int64) of shape " + want.str())
        .actual(std::string(dtype_name(labels.dtype)) + " " + l.str())
        .cause(one_hot_rows
                   ? "the labels are float rows of width " + dim_str(l.dim(-1)) +
                         ": they look like one-hot rows, which a sparse loss does not read"
                   : "the labels are floating-point numbers; a sparse loss reads each label as "
                     "a class index")
        .fix(one_hot_rows ? fix_for_data("use CategoricalCrossentropy() for one-hot rows, or turn "
                                         "them into indices with " + argmax_code() +
                                             " (then no cast is needed)",
                                         "turn them into indices with " + argmax_code())
                          : fix_for_data("cast the indices with " + as_int_code() + ", or use "
                                         "CategoricalCrossentropy() if they are one-hot rows",
                                         "cast the indices with " + as_int_code()))
        .raise();
  if (!looks_like_indices(p, l))
    Violation("loss.label_shape", phase, where)
        .summary("sparse labels must hold one class index per sample")
        .expected(want.str() + " or " + label_shape_for(p, 1).str())
        .actual(l)
        .mark({l.rank() - 1})
        .cause(one_hot_rows ? "the labels have " + dim_str(l.dim(-1)) + " columns: they look "
                              "like one-hot rows, not class indices"
                            : "the labels have rank " + std::to_string(l.rank()) +
                                  " but the predictions " + p.str() + " need rank " +
                                  std::to_string(want.rank()))
        .fix(one_hot_rows ? fix_for_data("use CategoricalCrossentropy() with " + as_float_code() +
                                             ", or convert the rows to indices with " + argmax_code(),
                                         "convert the rows to indices with " + argmax_code())
                          : "reshape the labels to " + want.str())
        .raise();
  if (classes < 0 || labels.first_outside < 0) return;
  sparse_label_range(labels, classes, phase, where);
}

}  // namespace tenet::checks

namespace tenet::checks {

void check_label_count(const Shape& p, const Shape& l, Phase phase, const Site& where) {
  if (p.rank() == 0 || l.rank() == 0 || p[0] < 0 || p[0] == l[0]) return;
  const std::string np = std::to_string(p[0]), nl = std::to_string(l[0]);
  Violation("batch.mismatch", phase, where)
      .summary("predictions and labels hold different numbers of samples (" + np + " vs " + nl +
               ")")
      .expected(l.with(0, p[0]).str() + ": one label per prediction")
      .actual(l)
      .mark({0})
      .cause("there are " + np + " predictions " + p.str() + " and " + nl + " labels " +
             l.str() + "; the loss pairs prediction i with label i, so axis 0 (samples) must "
             "match")
      .fix("give the loss one label per prediction: take predictions and labels from the "
           "same samples (slice both with the same indices)")
      .raise();
}

namespace {

// Why binary targets hold values outside [0, 1], read from the values themselves.
std::pair<std::string, std::string> binary_range_explanation(double lo, double hi,
                                                             bool integral) {
  if (lo == -1 && hi == 1 && integral)
    return {"the targets are -1 and 1: a +-1 encoding (as for a hinge loss), while "
            "binary cross-entropy reads each target as the probability of 'yes'",
            "map them to 0 and 1 with (y + 1) / 2"};
  if (lo >= 0 && hi == 255 && integral)
    return {"the targets run up to 255: a 0/255 mask (an 8-bit image of the answer)",
            "divide the targets by 255"};
  if (lo >= 0 && integral && hi > 1)
    return {"the targets are whole numbers from " + option_value(lo) + " to " +
                option_value(hi) + ": they look like class indices of " +
                option_value(hi + 1) + " classes, not yes/no answers",
            "for one class out of several, end the model with Dense(" + option_value(hi + 1) +
                ", softmax) and use SparseCategoricalCrossentropy; for independent yes/no "
                "outputs give 0/1 targets"};
  return {"binary cross-entropy reads each target as the probability of 'yes', which must lie "
          "in [0, 1]",
          "rescale or recode the targets into [0, 1]"};
}

// " (targets range from -1 to 1)", or nothing when every target is NaN.
std::string range_text(const BinaryTargets& f) {
  if (f.lo > f.hi) return "";
  return " (targets range from " + option_value(f.lo) + " to " + option_value(f.hi) + ")";
}

// Why categorical targets hold values outside [0, 1] (`value` is the first such), read from
// the values themselves.
std::pair<std::string, std::string> categorical_range_explanation(double value, double lo,
                                                                  double hi, bool integral,
                                                                  std::int64_t classes) {
  const std::string one_hot = one_hot_code(std::to_string(classes));
  const std::string rows = "categorical cross-entropy reads each row as the probabilities of "
                           "the classes";
  if (lo < 0)
    return {rows + "; a negative target (the smallest is " + option_value(lo) + ") rewards "
                "a lower probability for its class, so the loss has no minimum: training "
                "drives it down without bound" +
                (lo == -1 && integral ? " (-1 often marks a missing value, or a +-1 encoding)"
                                      : std::string()),
            "give each row probabilities in [0, 1]: " + one_hot + " for class indices; drop the "
            "samples whose targets are missing"};
  if (std::isnan(value))
    return {rows + "; a NaN target has no such meaning and makes the loss NaN",
            "replace or drop the samples holding NaN targets"};
  if (integral)
    return {"the targets are whole numbers up to " + option_value(hi) + ": counts or class "
                "indices, while " + rows,
            "for class indices use SparseCategoricalCrossentropy (or " + one_hot + "); for "
            "counts divide each row by its sum"};
  return {rows + "; a target above 1 (the largest is " + option_value(hi) + ") is no "
              "probability",
          "divide each row by its sum so that it holds probabilities"};
}

}  // namespace

void categorical_target_range(const BinaryTargets& f, const Shape& labels, Phase phase,
                              const Site& where) {
  const int rank = labels.rank();
  const std::int64_t classes = rank > 0 ? std::max<std::int64_t>(labels[rank - 1], 1) : 1;
  const auto [cause, fix] = categorical_range_explanation(f.value, f.lo, f.hi, f.integral, classes);
  std::vector<std::int64_t> index(static_cast<std::size_t>(rank));  // of element f.first
  std::int64_t rest = static_cast<std::int64_t>(f.first);
  for (int a = rank - 1; a >= 0; --a) {
    const std::int64_t d = std::max<std::int64_t>(labels[a], 1);
    index[static_cast<std::size_t>(a)] = rest % d;
    rest /= d;
  }
  std::string at = "(";
  for (int a = 0; a < rank; ++a) at += (a ? ", " : "") + std::to_string(index[a]);
  at += rank == 1 ? ",)" : ")";
  const std::string value = option_value(f.value);
  const std::string cell = rank > 0 ? " (sample " + std::to_string(index[0]) + ", class " +
                                          std::to_string(index[rank - 1]) + ")"
                                    : std::string();
  Violation("loss.label_range", phase, where)
      .summary("categorical target " + value + " at " + at + cell + " is outside [0, 1]")
      .expected("targets in [0, 1]: one row of class probabilities per sample")
      .actual("labels" + at + " = " + value + range_text(f))
      .cause(cause)
      .fix(fix)
      .raise();
}

void binary_target_range(const BinaryTargets& f, Phase phase, const Site& where) {
  const auto [cause, fix] = binary_range_explanation(f.lo, f.hi, f.integral);
  const std::string element = std::to_string(f.first), value = option_value(f.value);
  Violation("loss.label_range", phase, where)
      .summary("binary target " + value + " (element " + element + ") is outside [0, 1]")
      .expected("targets in [0, 1] (0 = no, 1 = yes)")
      .actual("element " + element + " is " + value + range_text(f))
      .cause(cause)
      .fix(fix)
      .raise();
}

void check_one_hot_input(const Shape& labels, const Site& where) {
  const bool column = labels.rank() == 2 && labels[1] == 1;
  if (labels.rank() == 1 || column) return;
  Violation("loss.label_shape", Phase::run, where)
      .summary("one_hot takes one class index per sample")
      .expected("(N,) or (N, 1)")
      .actual(labels)
      .cause(labels.rank() == 2 ? "the labels have " + std::to_string(labels[1]) +
                                      " columns: they may be one-hot already"
                                : "the labels have rank " + std::to_string(labels.rank()))
      .fix("pass class indices of shape (N,); labels that are one-hot already need no one_hot")
      .raise();
}

void check_class_index(double y, std::int64_t i, std::int64_t classes, const std::string& call,
                       const Site& where) {
  if (std::floor(y) != y)
    Violation("loss.label_dtype", Phase::run, where)
        .summary("a float label is not a whole number")
        .expected("class indices 0.." + std::to_string(classes - 1))
        .actual("label " + std::to_string(y) + " at sample " + std::to_string(i))
        .cause(where.name + " needs class indices; these labels look like probabilities or "
               "regression targets")
        .fix("pass integer class indices, or use the labels as they are with a loss that "
             "takes them")
        .raise();
  if (y >= 0 && y < static_cast<double>(classes)) return;
  Violation("loss.label_range", Phase::run, where)
      .summary("label out of range for " + std::to_string(classes) + " classes")
      .expected("labels in [0, " + std::to_string(classes) + ")")
      .actual("label " + option_value(y) + " at sample " + std::to_string(i))
      .cause(y < 0 ? "a negative label (a missing-value marker such as -1?)"
                   : "the label is >= classes: the labels count from 1, or there are more "
                     "than " + std::to_string(classes) + " classes")
      .fix(y >= 0 && y < 1e9  // never a cast of 1e30 or inf to an integer (undefined)
               ? "check the label encoding, or call " + call + option_value(y + 1) +
                     ") if there are that many classes"
               : std::string("check the label encoding"))
      .raise();
}

}  // namespace tenet::checks
