#pragma once
// Helpers of the "contracts" suite: capture a ContractError and check the facts every message
// must carry (code, code in what(), expected before actual, no oneDNN status, pointer or
// mangled name).
#include <doctest/doctest.h>

#include <regex>
#include <string>

#include <tenet/tenet.hpp>

#include "support/test_util.hpp"

namespace contracts_test {

using tenet::testing::has;

// "<test file>.cpp:<line>": where() must name the test file and the line creating the layer.
inline std::string at(const char* file, unsigned line) {
  std::string f = file;
  auto slash = f.find_last_of('/');
  return (slash == std::string::npos ? f : f.substr(slash + 1)) + ":" + std::to_string(line);
}

// The rules of what() that hold for every code.
inline void check_message_rules(const tenet::ContractError& e) {
  const std::string w = e.what();
  CHECK_MESSAGE(has(w, "[" + e.code() + "]"), w);
  CHECK_MESSAGE(has(w, std::string("phase:    ") + tenet::phase_name(e.phase())), w);
  CHECK_MESSAGE(!has(w, "dnnl"), w);
  CHECK_MESSAGE(!has(w, "N5tenet"), w);
  CHECK_MESSAGE(!has(w, "_ZN"), w);
  CHECK_MESSAGE(!std::regex_search(w, std::regex("0x[0-9a-fA-F]{6,}")), w);  // no pointers
  CHECK(!e.where().empty());
  if (!e.expected().empty() || !e.actual().empty()) {
    auto pe = w.find("expected: "), pa = w.find("actual:   ");
    CHECK_MESSAGE(pe != std::string::npos, w);
    CHECK_MESSAGE(pe < pa, w);
    CHECK(has(w, "expected: " + e.expected()));
    CHECK(has(w, "actual:   " + e.actual()));
  }
}

// `m` compiled with SGD and SparseCategoricalCrossentropy from logits: a classifier for tests.
inline tenet::Model compiled(tenet::Model m) {
  m.compile({.optimizer = tenet::SGD(),
             .loss = tenet::SparseCategoricalCrossentropy({.from_logits = true})});
  return m;
}

// Runs f, which must raise `code`; returns the error after checking the common rules.
template <class F>
tenet::ContractError capture(const std::string& code, F&& f) {
  try {
    f();
  } catch (const tenet::ContractError& e) {
    CHECK_MESSAGE(e.code() == code, e.what());
    check_message_rules(e);
    return e;
  }
  FAIL("expected a ContractError with code " << code);
  throw std::logic_error("unreachable");
}

}  // namespace contracts_test
