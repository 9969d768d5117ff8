#pragma once
// data.format and IOError raising shared by the IDX and HDF5 readers (internal to data/).
#include <string>

#include <tenet/core/contracts/checks.hpp>
#include "core/contracts/format_checks.hpp"

namespace tenet::data::detail {

// The facts of a data.format violation (core/contracts/format_checks.hpp).
using FormatFacts = checks::FormatFacts;
[[noreturn]] void format_error(const std::string& file, const std::string& kind,
                               const FormatFacts& facts);

// True once this process has refused a data file as corrupt (any format_error call in it; a
// refusal raised in the HDF5 guard's child and passed on does not count): tenet's HDF5 exit
// handler then leaves libhdf5's possibly broken state alone (hdf5_write.cpp).
bool refused_data_file();

// IOError for a file that is missing or unreadable, with a hint for what to do.
[[noreturn]] void io_error(const std::string& file, const std::string& what,
                           const std::string& hint = "");

// IOError unless `path` names a regular file (symbolic links followed), with a true reason: an
// empty path; a missing file (`missing` says so and `hint` is the fix); a path through
// something that is not a directory ("f.h5/"); or a directory, device, FIFO or socket, named
// as what it is. Looks with stat() only: a FIFO or device is never opened (that could block).
void require_regular_file(const std::string& path, const std::string& missing = "no such file",
                          const std::string& hint = "");
// "47040016 bytes (44.9 MiB)"
std::string bytes_str(unsigned long long n);

}  // namespace tenet::data::detail
