#pragma once
// The counts of a confusion matrix as report.cpp and report_confusion.cpp read them (internal).
#include <cstdint>
#include <string>
#include <vector>

#include <tenet/core/base/error.hpp>
#include <tenet/core/tensor/tensor.hpp>

namespace tenet::detail {

// `matrix` (classes, classes), checked (checks::check_counts), as int64 counts row by row.
std::vector<std::int64_t> confusion_counts(const Tensor& matrix, const std::string& what,
                                           const Site& where);

}  // namespace tenet::detail
