#pragma once
// The contracts of data files (internal: data/'s readers and writers call these): data.format
// for a file that breaks its format, input.rank and options.invalid for an array an IDX file
// cannot hold. Each message frame is written here once (format_checks.cpp).
#include <string>

#include <tenet/core/contracts/checks.hpp>

namespace tenet::checks {

// The facts of a data.format violation; the file is named in the Site and in the summary.
struct FormatFacts {
  std::string summary;   // what broke, e.g. "the data ends early"
  std::string expected;  // what a valid file holds here
  std::string actual;    // what this file holds
  std::string cause;
  std::string fix;       // empty: re-create or re-download the file
};
// data.format (phase load): `file`, a `kind` ("IDX file", "HDF5 file", "image folder"), breaks
// its format. The readers each know what they found (a header field, a size, a byte count), so
// they state the facts and this one builder gives every such refusal the same frame and the
// same default fix.
[[noreturn]] void data_format(const std::string& file, const std::string& kind,
                              const FormatFacts& facts);
// input.rank: write_idx writes arrays of rank 1 to 255.
void check_idx_rank(const Shape& values, const Site& where);
// options.invalid: an IDX header stores each dimension as a 32-bit unsigned size, so write_idx
// writes no axis longer than 4294967295.
void check_idx_dims(const Shape& values, const Site& where);

}  // namespace tenet::checks
