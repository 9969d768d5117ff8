// libFuzzer target: PathTemplate (ModelCheckpoint's path templates) on arbitrary bytes, and the
// text escapers (core/text_escape) on the same bytes.
// Accepted outcomes of parsing: a template, or options.invalid. A parsed template is then filled
// from logs holding extreme values (NaN, infinities, +-1e308, denormals) and an epoch taken from
// the input: the result must hold no NUL, stay within the size the subset allows, and equal the
// input when it has no braces; a missing key gives callback.filepath and nothing else.
// The escapers must leave nothing that ends their string or field.
// Standalone build (no tenet library, no HDF5): see tests/fuzz/CMakeLists.txt, or
//   clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
//     -I. -include tests/fuzz/source_location_shim.hpp tests/fuzz/fuzz_path_template.cpp
//     core/training/path_template.cpp core/contracts/checks.cpp core/base/error.cpp core/base/shape.cpp core/base/text_escape.cpp
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <string>

#include "core/training/path_template.hpp"
#include "core/base/text_escape.hpp"
#include "tests/fuzz/fuzz_common.hpp"

namespace {

void check(bool ok, const char* what, const std::string& input) {
  if (ok) return;
  std::fprintf(stderr, "property broken: %s (input of %zu bytes)\n", what, input.size());
  __builtin_trap();
}

void fuzz_template(const std::string& s, int epoch) {
  using tenet::fuzz::expect_explained;
  const tenet::Site site("ModelCheckpoint", "Callback");
  const double inf = std::numeric_limits<double>::infinity();
  const std::map<std::string, double> logs = {
      {"loss", -1e308},   {"val_loss", std::nan("")}, {"accuracy", inf},
      {"val_accuracy", -inf}, {"learning_rate", 4.9e-324}, {"a", 1e308}, {"_", -0.0}};
  expect_explained(
      [&] {
        tenet::PathTemplate t(s, "ModelCheckpoint filepath", site, tenet::Phase::run);
        std::string out = t.format(epoch, logs, site);
        check(out.find('\0') == std::string::npos, "no NUL in a formatted path", s);
        // A field is at most 64 + 330 characters (%f of 1e308 with 20 decimals), and its text
        // at least 2 ("{a}" is 3): 200 per input byte is a generous bound.
        check(out.size() <= 200 * s.size() + 400, "bounded output", s);
        if (s.find_first_of("{}") == std::string::npos) check(out == s, "literal text unchanged", s);
      },
      {"options.invalid", "callback.filepath"});
}

void fuzz_escapers(const std::string& s, char separator) {
  const std::string x = tenet::text::xml(s);
  check(x.find_first_of("<>\"'") == std::string::npos, "xml: no markup character", s);
  for (std::size_t i = x.find('&'); i != std::string::npos; i = x.find('&', i + 1)) {
    const std::string tail = x.substr(i, 6);
    check(tail.rfind("&amp;", 0) == 0 || tail.rfind("&lt;", 0) == 0 || tail.rfind("&gt;", 0) == 0 ||
              tail.rfind("&quot;", 0) == 0 || tail.rfind("&apos;", 0) == 0,
          "xml: every & starts an entity", s);
  }
  for (bool record : {false, true}) {
    const std::string d = tenet::text::dot(s, record);
    // Every " and (in records) { } | < > is preceded by an odd run of backslashes.
    for (std::size_t i = 0; i < d.size(); ++i) {
      const bool special = d[i] == '"' || (record && std::strchr("{}|<>", d[i]) && d[i] != '\0');
      if (d[i] == '\n' || d[i] == '\r') check(false, "dot: no raw line break", s);
      if (!special) continue;
      std::size_t run = 0;
      while (run < i && d[i - 1 - run] == '\\') ++run;
      check(run % 2 == 1, "dot: special characters escaped", s);
    }
    std::size_t run = 0;
    while (run < d.size() && d[d.size() - 1 - run] == '\\') ++run;
    check(run % 2 == 0, "dot: no trailing backslash", s);
  }
  // CSV: un-quoting the field gives the input back.
  const std::string c = tenet::text::csv(s, separator);
  if (c.size() >= 2 && c.front() == '"' && c.back() == '"' && c != s) {
    std::string back;
    for (std::size_t i = 1; i + 1 < c.size(); ++i) {
      if (c[i] == '"') {
        check(i + 2 < c.size() && c[i + 1] == '"', "csv: quotes doubled", s);
        ++i;
      }
      back += c[i];
    }
    check(back == s, "csv: round trip", s);
  } else {
    check(c == s, "csv: unquoted field unchanged", s);
    check(c.find_first_of(std::string{separator, '"', '\n', '\r'}) == std::string::npos,
          "csv: unquoted field holds no separator, quote or line break", s);
  }
  const std::string p = tenet::text::printable(s);
  for (unsigned char ch : p) check(ch >= 0x20 && ch != 0x7F, "printable: no control character", s);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  // The first byte picks the epoch (including the extremes) and the CSV separator.
  const int epochs[] = {1, 0, -1, 99, 12345, std::numeric_limits<int>::max(),
                        std::numeric_limits<int>::min(), 7};
  const int epoch = epochs[data[0] % 8];
  const char separators[] = {',', ';', '\t', ' ', '|', 'a', '\'', ','};
  const std::string s(reinterpret_cast<const char*>(data) + 1, size - 1);
  fuzz_template(s, epoch);
  fuzz_escapers(s, separators[(data[0] >> 3) % 8]);
  return 0;
}
