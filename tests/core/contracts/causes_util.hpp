#pragma once
// Helpers of the cause tests: each code is raised in two situations that need different
// explanations, and both texts are checked (issue 19: causes derived from the case's facts).
#include <doctest/doctest.h>

#include <string>

#include <tenet/tenet.hpp>

#include "support/test_contracts_util.hpp"

namespace causes_test {

using contracts_test::has;
// The ContractError `f` must raise, checked to carry `code` and the rules of every message.
using contracts_test::capture;
template <class F>
tenet::ContractError raised(const std::string& code, F&& f) {
  return capture(code, std::forward<F>(f));
}

// Two situations of one code explained differently: both the causes and the fixes differ.
inline void differ(const tenet::ContractError& a, const tenet::ContractError& b) {
  CHECK(a.code() == b.code());
  CHECK_MESSAGE((a.cause() != b.cause() && a.fix() != b.fix()), a.what() << "\n" << b.what());
}

}  // namespace causes_test
