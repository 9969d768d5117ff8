#include "core/training/path_template.hpp"

#include <algorithm>
#include <cstdio>

#include <tenet/core/contracts/checks.hpp>
#include "core/base/text_escape.hpp"

namespace tenet {

namespace {

constexpr int kMaxWidth = 64;
constexpr int kMaxPrecision = 20;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_key_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool is_key_char(char c) { return is_key_start(c) || is_digit(c); }

// Refuses a template: options.invalid with the template, the field at fault and the subset.
class Refuser {
 public:
  Refuser(const std::string& pattern, const std::string& option, const Site& where, Phase phase)
      : pattern_(pattern), option_(option), where_(where), phase_(phase) {}
  [[noreturn]] void operator()(const std::string& cause, const std::string& fix) const {
    checks::invalid_option(option_, text::quoted(pattern_), PathTemplate::accepted(), where_,
                           phase_, cause, fix);
  }

 private:
  const std::string& pattern_;
  const std::string& option_;
  const Site& where_;
  Phase phase_;
};

// A run of digits at s[j...] as a number no larger than `max`; -1 when there is none. Longer
// runs are refused before they could overflow.
int read_number(const std::string& s, std::size_t& j, int max, const char* what,
                const std::string& field, const Refuser& refuse) {
  std::size_t start = j;
  while (j < s.size() && is_digit(s[j])) ++j;
  if (j == start) return -1;
  const std::string digits = s.substr(start, j - start);
  if (digits.size() > 3 || std::stoi(digits) > max)
    refuse(field + " asks for a " + what + " of " +
               (digits.size() > 12 ? digits.substr(0, 12) + "..." : digits) + ", above the " +
               "largest accepted, " + std::to_string(max),
           std::string("use a ") + what + " of at most " + std::to_string(max));
  return std::stoi(digits);
}

// A field "{key}" or "{key:spec}" (braces included), starting at character `at` (1-based).
PathTemplate::Piece parse_field(const std::string& f, std::size_t at, const Refuser& refuse) {
  const std::string where = "the field " + text::printable(f) + " at character " + std::to_string(at);
  const std::size_t colon = f.find(':');
  const std::string key = f.substr(1, (colon == std::string::npos ? f.size() - 1 : colon) - 1);
  if (key.empty())
    refuse(where + " names no key (positional fields are not supported)",
           "name the value: {epoch} or a log key such as {val_loss}");
  if (!is_key_start(key[0]) || !std::all_of(key.begin(), key.end(), is_key_char))
    refuse(where + " has the key " + text::quoted(key) + ", which is not a name (a key is "
               "[A-Za-z_][A-Za-z0-9_]*; indexing, attributes and !conversions are not supported)",
           "write {epoch} or the log key alone, e.g. {val_loss:.4f}");
  PathTemplate::Piece piece;
  piece.text = key;
  piece.field = true;
  const bool integer = key == "epoch";
  piece.type = integer ? 'd' : 'g';
  if (colon == std::string::npos) return piece;
  const std::string spec = f.substr(colon + 1, f.size() - colon - 2);
  const std::string example = integer ? "{epoch:02d}" : "{" + key + ":.4f}";
  std::size_t j = 0;
  if (j < spec.size() && spec[j] == '0' && j + 1 < spec.size()) piece.zero = true, ++j;
  piece.width = std::max(0, read_number(spec, j, kMaxWidth, "width", where, refuse));
  bool has_precision = false;
  if (j < spec.size() && spec[j] == '.') {
    ++j;
    piece.precision = read_number(spec, j, kMaxPrecision, "precision", where, refuse);
    if (piece.precision < 0)
      refuse(where + " has a '.' with no precision after it", "write e.g. " + example);
    has_precision = true;
  }
  const bool has_type = j < spec.size();
  if (has_type) piece.type = spec[j++];
  const std::string bad = text::quoted(spec);
  if (j != spec.size() || (has_type && std::string("defg").find(piece.type) == std::string::npos))
    refuse(where + " has the format spec " + bad + ", which is outside the accepted subset "
               "([0][width]d for epoch, [0][width][.precision]f|e|g for any field)",
           "write e.g. " + example);
  if (piece.type == 'd' && !integer)
    refuse(where + " formats the log value '" + key + "' with d, but log values are reals "
               "(d is for {epoch})", "write e.g. " + example);
  if (piece.type == 'd' && has_precision)
    refuse(where + " gives a precision to the integer format d", "write e.g. {epoch:02d}");
  if (has_precision && !has_type)
    refuse(where + " gives a precision without a type", "add f, e or g after it, e.g. " +
               (integer ? std::string("{epoch:.1f}") : "{" + key + ":.4f}"));
  return piece;
}

}  // namespace

const char* PathTemplate::accepted() {
  return "text with fields {epoch}, {epoch:[0][width]d} and {key} or "
         "{key:[0][width][.precision]f|e|g} for epoch or a log key (width <= 64, "
         "precision <= 20), and {{ }} for literal braces";
}

PathTemplate::PathTemplate(std::string pattern, const std::string& option, const Site& where,
                           Phase phase)
    : pattern_(std::move(pattern)) {
  const Refuser refuse(pattern_, option, where, phase);
  const std::string& p = pattern_;
  if (p.empty()) refuse("the path template is empty", "give a file path, e.g. \"ckpt/epoch{epoch:02d}.weights.h5\"");
  if (p.find('\0') != std::string::npos)
    refuse("the template holds a NUL character at character " + std::to_string(p.find('\0') + 1) +
               ", which would cut the file name short",
           "remove the NUL character");
  std::string text;
  auto flush_text = [&] {
    if (text.empty()) return;
    Piece piece;
    piece.text = text;
    pieces_.push_back(piece);
    text.clear();
  };
  for (std::size_t i = 0; i < p.size();) {
    const char c = p[i];
    if ((c == '{' || c == '}') && i + 1 < p.size() && p[i + 1] == c) {
      text += c;
      i += 2;
      continue;
    }
    if (c == '}')
      refuse("a single '}' at character " + std::to_string(i + 1) + " closes no field",
             "write '}}' for a literal '}'");
    if (c != '{') {
      text += c;
      ++i;
      continue;
    }
    const std::size_t close = p.find('}', i + 1);
    const std::size_t nested = p.find('{', i + 1);
    if (close == std::string::npos)
      refuse("the '{' at character " + std::to_string(i + 1) + " opens a field that is never "
                 "closed",
             "close the field with '}', or write '{{' for a literal '{'");
    if (nested < close)
      refuse("the field starting at character " + std::to_string(i + 1) + " holds another '{' "
                 "(nested fields are not supported)",
             "write the width and precision as numbers, e.g. {epoch:02d}");
    flush_text();
    pieces_.push_back(parse_field(p.substr(i, close - i + 1), i + 1, refuse));
    const std::string& key = pieces_.back().text;
    if (key != "epoch" && std::find(keys_.begin(), keys_.end(), key) == keys_.end())
      keys_.push_back(key);
    i = close + 1;
  }
  flush_text();
}

void PathTemplate::check_keys(const std::map<std::string, double>& logs, const Site& where) const {
  for (const auto& k : keys_)
    if (!logs.count(k)) checks::missing_log_key(pattern_, k, logs, where);
}

namespace {
// One field's text: the printf format is chosen from fixed strings (never built from the user's
// template), and the buffer is sized by a first call, so no spec can overrun it.
std::string format_value(const PathTemplate::Piece& f, int epoch, double value) {
  const int w = f.width, prec = f.precision < 0 ? 6 : f.precision;
  auto print = [&](auto&&... args) {
    int n = std::snprintf(nullptr, 0, args...);
    if (n < 0) return std::string();
    std::string out(static_cast<std::size_t>(n) + 1, '\0');
    std::snprintf(out.data(), out.size(), args...);
    out.pop_back();
    return out;
  };
  switch (f.type) {
    case 'd': return print(f.zero ? "%0*d" : "%*d", w, epoch);
    case 'f': return print(f.zero ? "%0*.*f" : "%*.*f", w, prec, value);
    case 'e': return print(f.zero ? "%0*.*e" : "%*.*e", w, prec, value);
    default: return print(f.zero ? "%0*.*g" : "%*.*g", w, prec, value);
  }
}
}  // namespace

std::string PathTemplate::format(int epoch, const std::map<std::string, double>& logs,
                                 const Site& where) const {
  check_keys(logs, where);
  std::string out;
  for (const auto& piece : pieces_) {
    if (!piece.field) {
      out += piece.text;
      continue;
    }
    const double value = piece.text == "epoch" ? static_cast<double>(epoch) : logs.at(piece.text);
    out += format_value(piece, epoch, value);
  }
  return out;
}

}  // namespace tenet
