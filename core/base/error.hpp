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

#include <tenet/core/base/shape.hpp>

namespace tenet {

enum class Phase { build, run, load };
const char* phase_name(Phase p);

// What a call does with a warning-level contract (input.range): print it once to stderr (the
// message in the format of every contract error, headed "warning"), raise it as a
// ContractError like any other, or stay silent.
enum class WarningMode { print, raise, off };

// The layer or op a contract belongs to, the user's source line that created it, and the
// user's source line of the call that broke the contract (when the call could record it).
struct Site {
  std::string name;   // "conv2d_1", or an op name such as "concat"
  std::string type;   // "Conv2D", or "op"
  std::string file;   // user's file (basename), empty when unknown
  unsigned line = 0;
  std::string call_file;  // the failing call's file (basename), empty when unknown
  unsigned call_line = 0;
  std::string call_what;  // the call, when it is not the layer or op itself: "model.fit"
  // Where a layer, Input or model read from a file came from, in place of tenet's own source
  // line: "created by layer 'conv2d_1' in model.keras" (see ScopedOrigin, core/base/user_call.hpp).
  std::string origin;

  Site() = default;
  Site(std::string n, std::string t) : name(std::move(n)), type(std::move(t)) {}
  Site(std::string n, std::string t, const std::source_location& loc);
  // An op called at `loc` (an op is called, not created): "'equal' (op) called at t.cpp:30".
  static Site call(std::string n, std::string t, const std::source_location& loc);
  // "'dense' (Dense) created at model.cpp:12, called at model.cpp:20"
  std::string str() const;
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
  // The user's outer call when `where` names another call inside it: "model.fit at train.cpp:40"
  // (a layer call of the graph, or an op in a generator, running during fit).
  std::string during;
  std::string cause;
  std::string fix;
  // The shapes an op received (elementwise.shape, matmul.shape), so that a caller running the
  // op on the user's behalf (a user layer's call at build time) can say which operand is what.
  std::vector<Shape> operands;
};

class ContractError : public Error {
 public:
  explicit ContractError(ContractInfo info);
  const std::string& code() const { return info_.code; }
  Phase phase() const { return info_.phase; }
  // The layer or op, where it was created and the failing call's line ("called at"), when known.
  std::string where() const;
  // "train.cpp:40": the user's line of the failing call, empty when it could not be recorded
  // (see docs/models.md, "Which line an error names").
  std::string called_at() const;
  const Site& site() const { return info_.where; }
  const std::string& expected() const { return info_.expected; }
  const std::string& actual() const { return info_.actual; }
  const std::string& cause() const { return info_.cause; }
  const std::string& fix() const { return info_.fix; }
  const std::vector<std::string>& provenance() const { return info_.provenance; }
  const ContractInfo& info() const { return info_; }

 private:
  ContractError(ContractInfo info, int);  // `info` already holds the failing call
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
