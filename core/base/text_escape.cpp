#include "core/base/text_escape.hpp"

#include <cstdio>

namespace tenet::text {

namespace {

std::string hex_escape(unsigned char c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02X", c);
  return buf;
}

bool is_control(unsigned char c) { return c < 0x20 || c == 0x7F; }

// Length of the well-formed UTF-8 sequence starting at s[i], or 0 when it is not one.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  std::size_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((b(k) & 0xC0) != 0x80) return 0;
  if (c == 0xE0 && b(1) < 0xA0) return 0;   // overlong
  if (c == 0xED && b(1) > 0x9F) return 0;   // surrogates
  if (c == 0xF0 && b(1) < 0x90) return 0;   // overlong
  if (c == 0xF4 && b(1) > 0x8F) return 0;   // above U+10FFFF
  return n;
}

constexpr const char* kReplacement = "\xEF\xBF\xBD";  // U+FFFD

}  // namespace

std::string printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '\r') out += "\\r";
    else if (is_control(c)) out += hex_escape(c);
    else out += static_cast<char>(c);
  }
  return out;
}

std::string quoted(std::string_view s, std::size_t max_chars) {
  if (s.size() <= max_chars) return "\"" + printable(s) + "\"";
  std::size_t cut = max_chars;  // a whole UTF-8 character
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return "\"" + printable(s.substr(0, cut)) + "...\" (" + std::to_string(s.size()) +
         " characters)";
}

std::string shortened(std::string_view s, std::size_t max_chars) {
  std::string p = printable(s);
  if (p.size() <= max_chars || max_chars < 4) return p;
  std::size_t cut = max_chars - 3;
  while (cut > 0 && (static_cast<unsigned char>(p[cut]) & 0xC0) == 0x80) --cut;  // whole UTF-8
  return p.substr(0, cut) + "...";
}

std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    std::size_t n = utf8_length(s, i);
    if (n == 0) {
      out += kReplacement;
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string dot(std::string_view s, bool record) {
  std::string out;
  for (char ch : valid_utf8(s)) {
    const auto c = static_cast<unsigned char>(ch);
    if (ch == '\\' || ch == '"') out += std::string("\\") + ch;
    else if (record && (ch == '{' || ch == '}' || ch == '|' || ch == '<' || ch == '>'))
      out += std::string("\\") + ch;
    else if (ch == '\n') out += "\\n";
    else if (is_control(c)) out += "\\" + hex_escape(c);  // shown as \xNN, never interpreted
    else out += ch;
  }
  return out;
}

std::string xml(std::string_view s) {
  std::string out;
  for (char ch : valid_utf8(s)) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (is_control(c) && ch != '\t' && ch != '\n' && ch != '\r' && c != 0x7F) out += kReplacement;
        else out += ch;
    }
  }
  return out;
}

std::string csv(std::string_view s, char separator) {
  const bool quote = s.find_first_of(std::string{separator, '"', '\n', '\r'}) != std::string_view::npos ||
                     (!s.empty() && (s.front() == ' ' || s.back() == ' '));
  if (!quote) return std::string(s);
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

}  // namespace tenet::text
