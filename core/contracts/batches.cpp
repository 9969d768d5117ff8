// Explanations read from the case at hand: batch.mismatch (which inputs are images),
// batch.empty (which batch of the epoch, and where it came from), batch.ragged (how the odd
// sample differs) and compare.shape (which call, and how the shapes relate).
#include <algorithm>

#include <tenet/core/contracts/checks.hpp>

namespace tenet::checks {

std::string fix_for_data(const std::string& fix, const std::string& data_fix) {
  const std::string& data = validation_data();
  if (data.empty()) return fix;
  return data_fix + "; " + data.substr(0, data.find(',')) +
         " must match the data the model trains on, which the model fits";
}

std::string sample_count_note(const std::vector<Shape>& shapes) {
  const bool images = std::any_of(shapes.begin(), shapes.end(),
                                  [](const Shape& s) { return s.rank() == 4; });
  if (!images) return "";
  return " Resizing images cannot fix this: it changes height and width, not the number of "
         "samples.";
}

namespace {

// The dimensions of a shape other than 1s: equal for (10, 1) and (10).
std::vector<std::int64_t> without_ones(const Shape& s) {
  std::vector<std::int64_t> out;
  for (int i = 0; i < s.rank(); ++i)
    if (s[i] != 1) out.push_back(s[i]);
  return out;
}

}  // namespace

// compare.shape: the cause and fix name the call (`where.name`: equal, allclose, max_abs_diff)
// and read the two shapes: the same elements with an extra axis of size 1, the same count
// arranged differently, or different counts.
void check_compare(const Shape& a, const Shape& b, const Site& where) {
  if (a == b) return;
  const std::string& op = where.name;
  const std::string na = std::to_string(a.numel()), nb = std::to_string(b.numel());
  std::string cause = a.rank() != b.rank()
      ? "the ranks differ (" + std::to_string(a.rank()) + " vs " + std::to_string(b.rank()) + ")"
      : "the shapes differ on " + join_axes(differing_axes(a, b), a.rank());
  std::string fix;
  if (a.numel() == b.numel() && without_ones(a) == without_ones(b)) {
    cause += "; both hold the same " + na + " elements, one with an extra axis of size 1, and " +
             op + " never broadcasts, so " + a.str() + " against " + b.str() + " cannot pass as " +
             (op == "equal" ? "a mask of another shape"
                            : op == "max_abs_diff" ? "a small difference" : "equality");
    fix = "reshape(b, " + a.str() + ") (or squeeze the axis of size 1) before " + op +
          "; to test shapes on purpose, compare a.shape() == b.shape()";
  } else if (a.numel() == b.numel()) {
    cause += "; both hold " + na + " elements, arranged differently";
    fix = "reshape or transpose one side to " + a.str() + " if the elements correspond, then " +
          op + "; to test shapes on purpose, compare a.shape() == b.shape()";
  } else {
    cause += "; the first holds " + na + " elements and the second " + nb +
             ", so they cannot be the same values";
    fix = "compare a.shape() == b.shape() first, or " + op +
          " matching slices (slice(x, axis, start, stop))";
  }
  Violation("compare.shape", Phase::run, where)
      .summary(op + " compares element by element, so both tensors need the same shape")
      .expected(a)
      .actual(b)
      .mark_differences(a, b)
      .cause(cause)
      .fix(fix)
      .raise();
}

namespace {

struct Text {
  std::string cause, fix;
};

Text generator_text(const EmptyBatch& f) {
  const std::string shape = f.shape.str();
  if (f.index == 0)
    return {"the generator's first call of this epoch returned a batch of shape " + shape +
                ": the epoch starts with an empty batch, before any batch with samples",
            "check what the generator reads before its first batch, and let it yield the first "
            "batch that holds samples; if there is no data at all, return std::nullopt (fit "
            "then reports an epoch without batches)"};
  const std::string before = std::to_string(f.index) + " batch" + (f.index == 1 ? "" : "es");
  return {"the generator returned " + shape + " on call " + std::to_string(f.index + 1) +
              " of this epoch, after " + before + " with samples; an epoch ends only at "
              "std::nullopt, so this empty batch sits in the middle of the epoch (the generator "
              "built it from an empty selection)",
          "make the generator skip an empty selection and build the next batch that holds "
          "samples. Do not return std::nullopt here unless the data is exhausted: the epoch "
          "ends at the first std::nullopt, and every batch the generator would give after it "
          "is never used"};
}

Text map_text(const EmptyBatch& f) {
  const std::string given = f.samples_before >= 0
                                ? "a batch of " + std::to_string(f.samples_before) + " sample" +
                                      (f.samples_before == 1 ? "" : "s")
                                : "a batch";
  return {"the map function was given " + given + " and returned " + f.shape.str() +
              ": it removed every sample of this batch",
          "make the map function keep at least one sample of each batch; to leave samples out, "
          "select them in the arrays given to from_tensors, so that every batch is full"};
}

}  // namespace

void empty_batch(const EmptyBatch& f, const Site& where) {
  Text t;
  if (f.source == "map") t = map_text(f);
  else if (f.source == "from_generator") t = generator_text(f);
  else
    t = {"the batch from " + f.source + " has shape " + f.shape.str(),
         "give every batch at least one sample"};
  Violation("batch.empty", Phase::run, where)
      .summary(batch_name(f.index) + " from " + f.source + " holds no samples")
      .expected("a batch of 1 or more samples")
      .actual(f.shape)
      .cause(t.cause)
      .fix(t.fix)
      .raise();
}

// batch.ragged: the fix depends on how the outlier differs: its height/width (resize, pad or
// crop), its channels (convert), or its rank (an axis missing).
void check_stackable(const std::vector<Shape>& shapes, const Site& where, Phase phase) {
  for (std::size_t i = 1; i < shapes.size(); ++i) {
    if (shapes[i] == shapes[0]) continue;
    const Shape &first = shapes[0], &odd = shapes[i];
    const auto axes = differing_axes(first, odd);
    const bool image = first.rank() == 3 && odd.rank() == 3;  // (H, W, C) samples
    std::string fix;
    if (first.rank() != odd.rank())
      fix = "give every sample the same axes: sample " + std::to_string(i) + " has " +
            std::to_string(odd.rank()) + " and sample 0 has " + std::to_string(first.rank()) +
            (odd.rank() + 1 == first.rank() ? " (expand_dims(x, -1) adds a missing channel axis)" : "");
    else if (image && axes == std::vector<int>{2})
      fix = "convert sample " + std::to_string(i) + " to " + std::to_string(first[2]) +
            " channels (" + std::to_string(odd[2]) + " against " + std::to_string(first[2]) +
            "); resizing or padding changes height and width, not channels";
    else if (image && std::find(axes.begin(), axes.end(), 2) == axes.end())
      fix = "resize, pad or centre-crop every image to one height and width before batching "
            "(data::resize, data::pad_to), e.g. to " + dim_str(first[0]) + "x" + dim_str(first[1]);
    else
      fix = "make every sample " + first.str() + " before batching (reshape, slice or pad the "
            "odd one)";
    Violation("batch.ragged", phase, where)
        .summary("samples of one batch have different shapes")
        .expected(first)
        .actual(odd)
        .mark_differences(first, odd)
        .cause("sample 0 is " + first.str() + " but sample " + std::to_string(i) + " is " +
               odd.str() + "; a batch is one array, so every sample needs one shape")
        .fix(fix)
        .raise();
  }
}

std::string batch_name(std::int64_t index) {
  return "batch " + std::to_string(index + 1) + " of the epoch (counting from 1; index " +
         std::to_string(index) + ")";
}

}  // namespace tenet::checks
