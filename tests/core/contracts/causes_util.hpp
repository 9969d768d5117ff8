#pragma once
// Helpers of the cause tests: each code is raised in two situations that need different
// explanations, and both texts are checked (issue 19: causes derived from the case's facts).
#include <doctest/doctest.h>

#include <string>

#include <tenet/tenet.hpp>

namespace causes_test {

inline bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

template <class F>
tenet::ContractError raised(const std::string& code, F&& f) {
  try {
    f();
  } catch (const tenet::ContractError& e) {
    CHECK_MESSAGE(e.code() == code, e.what());
    return e;
  }
  FAIL("expected a ContractError " << code);
  throw std::logic_error("unreachable");
}

// Two situations of one code explained differently: the causes or the fixes differ.
inline void differ(const tenet::ContractError& a, const tenet::ContractError& b) {
  CHECK(a.code() == b.code());
  CHECK_MESSAGE((a.cause() != b.cause() && a.fix() != b.fix()), a.what() << "\n" << b.what());
}

}  // namespace causes_test
