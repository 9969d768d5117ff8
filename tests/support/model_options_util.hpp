#pragma once
// A small compiled model, its data and snapshots, for the option and state tests of Model.
#include <doctest/doctest.h>

#include <limits>

#include <tenet/tenet.hpp>
#include <tenet/losses/mean_squared_error.hpp>
#include <tenet/losses/sparse_categorical_crossentropy.hpp>

#include "support/test_util.hpp"

namespace tenet::testing {
using namespace tenet;

// The facts of an options.invalid error: the option named, its value, its valid range.
inline void check_invalid(const ContractError& e, const std::string& option, const std::string& value,
                   const std::string& range) {
  tenet::testing::check_invalid_option(e, option, value, range);
}

}  // namespace tenet::testing
