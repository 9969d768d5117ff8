// data.format, the frame of every refusal of a data file, and what an IDX file can hold (its rank
// and its 32-bit sizes).
#include "core/contracts/format_checks.hpp"

namespace tenet::checks {

void data_format(const std::string& file, const std::string& kind, const FormatFacts& f) {
  const std::string fix = f.fix.empty()
      ? "check that " + file + " is the " + kind + " you meant; if it is, re-create or "
        "re-download it (a file that fails these checks cannot be read)"
      : f.fix;
  Violation("data.format", Phase::load, Site(file, kind))
      .summary(kind + " " + file + ": " + f.summary)
      .expected(f.expected)
      .actual(f.actual)
      .cause(f.cause)
      .fix(fix)
      .raise();
}

void check_idx_rank(const Shape& values, const Site& where) {
  if (values.rank() >= 1 && values.rank() <= 255) return;
  Violation("input.rank", Phase::run, where)
      .summary("an IDX file holds an array of rank 1 to 255")
      .expected("rank 1..255").actual(values)
      .fix("expand_dims(values, 0) for a single value").raise();
}

void check_idx_dims(const Shape& values, const Site& where) {
  constexpr std::int64_t kMax = 0xffffffffLL;  // the largest 32-bit unsigned size
  for (int axis = 0; axis < values.rank(); ++axis) {
    if (values[axis] <= kMax) continue;
    const std::string size = std::to_string(values[axis]), max = std::to_string(kMax);
    Violation("options.invalid", Phase::run, where)
        .summary("axis " + std::to_string(axis) + " of " + values.str() + " has " + size +
                 " elements, more than an IDX file can describe")
        .expected("every axis of at most " + max + " elements")
        .actual(values)
        .mark({axis})
        .cause("an IDX header stores each dimension as a 32-bit unsigned size (at most " + max +
               "), and " + size + " does not fit")
        .fix("split the array along axis " + std::to_string(axis) + " into several IDX files, "
             "or save it with data::save_h5, which stores 64-bit sizes")
        .raise();
  }
}

}  // namespace tenet::checks
