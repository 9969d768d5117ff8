#pragma once
// Error: the base of everything tenet throws, so `catch (const tenet::Error&)` catches it all.
// ContractError: a user's shapes, dtypes, batches, labels, options or files break a contract
// (see docs/errors.md for the catalog of codes).
// IOError: a file could not be opened, written or renamed (missing, permission, disk full).
// InternalError: a broken invariant of tenet itself; it asks for a bug report.
#include <source_location>
#include <stdexcept>
#include <string>
#include <vector>

namespace tenet {

enum class Phase { build, run, load };
const char* phase_name(Phase p);

// The layer or op a contract belongs to, and the user's source line that created it.
struct Site {
  std::string name;   // "conv2d_1", or an op name such as "concat"
  std::string type;   // "Conv2D", or "op"
  std::string file;   // user's file (basename), empty when unknown
  unsigned line = 0;

  Site() = default;
  Site(std::string n, std::string t) : name(std::move(n)), type(std::move(t)) {}
  Site(std::string n, std::string t, const std::source_location& loc);
  std::string str() const;  // "'concatenate' (Concatenate) created at multi_input.cpp:41"
};

// Every fact a contract error carries. Built by core/checks, never by hand in layers.
// The base class of every exception tenet throws.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ContractInfo {
  std::string code;
  Phase phase = Phase::run;
  Site where;
  std::string summary;                 // one line: what broke
  std::string expected, actual;        // Keras notation, expected first
  std::vector<int> marked;             // indices of differing axes, marked under `actual`
  // Axes marked under `expected` when its rank differs from `actual`'s (aligned by the check
  // that raised); when empty, `marked` is used for both shapes if their ranks are equal.
  std::vector<int> marked_expected;
  std::vector<std::string> provenance; // upstream path: "conv2d_1 (Conv2D) -> (None, 28, 28, 64)"
  std::string cause;
  std::string fix;
};

class ContractError : public Error {
 public:
  explicit ContractError(ContractInfo info);
  const std::string& code() const { return info_.code; }
  Phase phase() const { return info_.phase; }
  std::string where() const { return info_.where.str(); }
  const Site& site() const { return info_.where; }
  const std::string& expected() const { return info_.expected; }
  const std::string& actual() const { return info_.actual; }
  const std::string& cause() const { return info_.cause; }
  const std::string& fix() const { return info_.fix; }
  const std::vector<std::string>& provenance() const { return info_.provenance; }
  const ContractInfo& info() const { return info_; }

 private:
  ContractInfo info_;
};

// Renders a ContractInfo in tenet's one shared format (used for what()).
std::string render(const ContractInfo& info);

class InternalError : public Error {
 public:
  explicit InternalError(const std::string& what);
};

// An I/O failure (file missing, permission denied, disk full): not a contract, still explained.
class IOError : public Error {
 public:
  using Error::Error;
};

[[noreturn]] void internal_error(const std::string& what,
                                 std::source_location loc = std::source_location::current());

}  // namespace tenet
