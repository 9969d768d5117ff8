#include "data/format_error.hpp"

#include <atomic>
#include <cstdio>

#include "core/error.hpp"

namespace tenet::data::detail {

namespace {
std::atomic<bool> refused_a_file{false};
}  // namespace

bool refused_data_file() { return refused_a_file.load(); }

void format_error(const std::string& file, const std::string& kind, const FormatFacts& f) {
  refused_a_file = true;
  std::string fix = f.fix.empty()
      ? "re-create or re-download " + file + "; a file that fails these checks cannot be read"
      : f.fix;
  checks::Violation("data.format", Phase::load, Site(file, kind))
      .summary(kind + " " + file + ": " + f.summary)
      .expected(f.expected)
      .actual(f.actual)
      .cause(f.cause)
      .fix(fix)
      .raise();
}

void io_error(const std::string& file, const std::string& what, const std::string& hint) {
  std::string msg = "tenet: cannot read " + file + ": " + what;
  if (!hint.empty()) msg += "\n  fix: " + hint;
  throw IOError(msg);
}

std::string bytes_str(unsigned long long n) {
  std::string s = std::to_string(n) + (n == 1 ? " byte" : " bytes");
  if (n >= (1ull << 20)) {
    char buf[32];
    std::snprintf(buf, sizeof buf, " (%.1f MiB)", static_cast<double>(n) / (1 << 20));
    s += buf;
  }
  return s;
}

}  // namespace tenet::data::detail
