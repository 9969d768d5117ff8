// Explanations of batch.mismatch and batch.empty read from the batch at hand: which inputs are
// images, which batch of the epoch was empty and where it came from.
#include <algorithm>

#include <tenet/core/contracts/checks.hpp>

namespace tenet::checks {

std::string sample_count_note(const std::vector<Shape>& shapes) {
  const bool images = std::any_of(shapes.begin(), shapes.end(),
                                  [](const Shape& s) { return s.rank() == 4; });
  if (!images) return "";
  return " Resizing images cannot fix this: it changes height and width, not the number of "
         "samples.";
}

namespace {

// "the 4th batch of the epoch (index 3)"
std::string nth_batch(std::int64_t index) {
  return "the " + ordinal(static_cast<std::size_t>(index)) + " batch of the epoch (index " +
         std::to_string(index) + ")";
}

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
      .summary(nth_batch(f.index) + " from " + f.source + " holds no samples")
      .expected("a batch of 1 or more samples")
      .actual(f.shape)
      .cause(t.cause)
      .fix(t.fix)
      .raise();
}

}  // namespace tenet::checks
