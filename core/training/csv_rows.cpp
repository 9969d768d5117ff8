#include "core/training/csv_rows.hpp"

#include <charconv>
#include <cstdint>
#include <cmath>

#include "core/base/text_escape.hpp"

namespace tenet::csv_rows {

std::string header(const std::vector<std::string>& keys, char separator) {
  std::string out = "epoch";
  for (const auto& k : keys) out += separator + text::csv(k, separator);
  return out + "\n";
}

std::string row(int epoch, const std::vector<std::optional<double>>& values, char separator) {
  std::string out = std::to_string(std::int64_t{epoch} + 1);  // INT_MAX has a row too
  for (const auto& v : values) {
    out += separator;
    if (!v) {
      out += "NA";
    } else if (std::isnan(*v)) {
      out += "nan";
    } else {
      char buf[64];
      const auto r = std::to_chars(buf, buf + sizeof buf, *v);  // shortest round trip
      out.append(buf, r.ptr);
    }
  }
  return out + "\n";
}

}  // namespace tenet::csv_rows
