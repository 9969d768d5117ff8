#pragma once
// options.invalid for an enum option holding none of its enumerators (internal: the ops, layers
// and readers that take an enum call this). A cast of an integer, FillMode(9) or DType(42), makes
// such a value, and a switch over the enum then takes none of its branches: a default that was
// never asked for, or a tensor of dtype "?". The message is written once (options.cpp).
#include <string>
#include <vector>

#include <tenet/core/contracts/checks.hpp>

namespace tenet::checks {

// options.invalid: `option` ("AffineTransformOptions::fill_mode") holds `value` ("FillMode(9)"),
// none of `names` ("FillMode::reflect", ..., in the order of their values from 0).
[[noreturn]] void invalid_enum(const std::string& option, const std::string& value,
                               const std::vector<std::string>& names, const Site& where,
                               Phase phase);

// Nothing when `value` is one of the `count` enumerators of E, numbered from 0; else
// invalid_enum, naming them as `type` + "::" + name(E) ("FillMode::reflect").
template <class E, class Name>
void check_enum(const char* option, E value, const char* type, int count, Name name,
                const Site& where, Phase phase) {
  const auto v = static_cast<long long>(value);
  if (v >= 0 && v < count) return;
  std::vector<std::string> names;
  for (int i = 0; i < count; ++i) names.push_back(std::string(type) + "::" + name(static_cast<E>(i)));
  invalid_enum(option, std::string(type) + "(" + std::to_string(v) + ")", names, where, phase);
}

}  // namespace tenet::checks
