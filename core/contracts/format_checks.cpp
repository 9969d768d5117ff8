// data.format, the frame of every refusal of a data file, and what an IDX file can hold.
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

}  // namespace tenet::checks
