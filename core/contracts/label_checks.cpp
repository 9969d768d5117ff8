#include "core/contracts/label_checks.hpp"

#include <algorithm>

namespace tenet::checks {

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
        .fix("either one-hot encode them with one_hot(y, " + c + "), or keep the indices and "
             "use SparseCategoricalCrossentropy() as the loss")
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
        .fix("give the last layer one unit per class (Dense(" +
             dim_str(l.rank() ? l.dim(-1) : 0) + ")), or encode the labels with one_hot(y, " +
             c + ")")
        .raise();
  if (!is_floating(labels.dtype))
    Violation("loss.label_dtype", phase, where)
        .summary(std::string("CategoricalCrossentropy needs float one-hot labels, got ") +
                 dtype_name(labels.dtype))
        .expected("float32 one-hot rows")
        .actual(dtype_name(labels.dtype))
        .cause(std::string("the labels are ") + dtype_name(labels.dtype) +
               "; a one-hot loss reads each row as class probabilities")
        .fix("cast one-hot rows with y.astype(DType::f32); build them from class indices with "
             "one_hot(y, " + c + ")")
        .raise();
}

void check_dense_targets(const Shape& p, const LabelFacts& labels, Phase phase, const Site& where) {
  Shape l = labels.shape;
  if (p.rank() == 2 && p[1] == 1 && l.rank() == 1) return;  // (N,) targets for (N, 1)
  Shape want = p;
  if (want.rank() > 0 && want[0] < 0 && l.rank() > 0) want[0] = l[0];
  if (l.rank() == p.rank() && l.compatible(want)) return;
  Violation("loss.label_shape", phase, where)
      .summary("regression targets must have the predictions' shape")
      .expected(p)
      .actual(l)
      .mark_differences(want, l)
      .cause("the model predicts " + p.str() + " per batch but the targets are " + l.str() +
             "; an element-wise loss would otherwise broadcast them against each other")
      .fix("reshape the targets to " + p.str() + " (e.g. expand_dims(y, -1)), or change the "
           "last layer's units to the number of target values")
      .raise();
}

void check_sparse_labels(const Shape& p, const LabelFacts& labels, Phase phase, const Site& where) {
  check_class_axis(p, labels.shape, phase, where);
  const Shape& l = labels.shape;
  const std::int64_t classes = p.rank() > 0 ? p.dim(-1) : kUnknown;
  const std::string c = dim_str(classes);
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
        .fix(one_hot_rows ? "use CategoricalCrossentropy() for one-hot rows, or turn them into "
                            "indices with y.argmax(-1) (then astype(DType::i32) is not needed)"
                          : "cast the indices with y.astype(DType::i32), or use "
                            "CategoricalCrossentropy() if they are one-hot rows")
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
        .fix(one_hot_rows ? "use CategoricalCrossentropy() with y.astype(DType::f32), or "
                            "convert the rows to indices with y.argmax(-1)"
                          : "reshape the labels to " + want.str())
        .raise();
  if (classes < 0 || labels.first_outside < 0) return;
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
                              : "check the label encoding (labels must start at 0), or give the "
                                "last layer " + std::to_string(std::max<std::int64_t>(hi + 1, classes)) +
                                    " units if there are that many classes")
      .raise();
}

}  // namespace tenet::checks
