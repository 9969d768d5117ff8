#pragma once
// Helpers shared by the test suites.
#include <doctest/doctest.h>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <tenet/tenet.hpp>

namespace tenet::testing {

// Runs f and returns the ContractError it must throw; fails the test if it throws none.
template <class F>
ContractError capture(F&& f) {
  try {
    f();
  } catch (const ContractError& e) {
    return e;
  }
  FAIL("expected a ContractError");
  throw std::logic_error("unreachable");
}

// What f prints to std::cerr (restored when f throws too).
template <class F>
std::string stderr_of(F&& f) {
  std::ostringstream text;
  struct Restore {
    std::streambuf* old;
    ~Restore() { std::cerr.rdbuf(old); }
  } restore{std::cerr.rdbuf(text.rdbuf())};
  f();
  return text.str();
}

inline std::vector<Tensor> clones(const std::vector<Tensor>& ts) {
  std::vector<Tensor> out;
  for (const auto& t : ts) out.push_back(t.clone());
  return out;
}

// Same shapes, dtypes and bits, tensor by tensor.
inline bool bitwise_equal(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!array_equal(a[i], b[i])) return false;
  return true;
}

// True when the error's message holds `text`, with its line wrapping undone (a phrase is found
// wherever the message breaks it).
inline bool mentions(const ContractError& e, const std::string& text) {
  std::string flat;
  for (const char* p = e.what(); *p; ++p)
    if (*p != '\n' && !(*p == ' ' && !flat.empty() && flat.back() == ' ')) flat += *p;
    else if (!flat.empty() && flat.back() != ' ') flat += ' ';
  return flat.find(text) != std::string::npos;
}

// A fresh directory under the system temp dir, removed with its contents at scope exit.
struct TempDir {
  TempDir() {
    static std::atomic<int> counter{0};
    path = std::filesystem::temp_directory_path() /
           ("tenet_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path / name).string(); }
  std::filesystem::path path;
};

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
inline constexpr double kInf = std::numeric_limits<double>::infinity();

// `part` occurs in `text`.
inline bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}
// The error's message holds `text`, its line wrapping undone (see mentions).
inline bool has(const ContractError& e, const std::string& text) { return mentions(e, text); }

// The facts of an options.invalid error: the option named, its value, its valid range, and a
// cause and fix.
inline void check_invalid_option(const ContractError& e, const std::string& option,
                                 const std::string& value, const std::string& range) {
  INFO(e.what());
  CHECK(e.code() == "options.invalid");
  CHECK(std::string(e.what()).find(option) != std::string::npos);
  CHECK(e.actual() == value);
  CHECK(e.expected().find(range) != std::string::npos);
  CHECK(!e.cause().empty());
  CHECK(!e.fix().empty());
}

}  // namespace tenet::testing
