#include "source_scan.hpp"

#include <cctype>
#include <regex>
#include <sstream>

namespace arch {

namespace {

bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Length of a raw string literal starting at text[i] == 'R' (R"delim(...)delim"), or 0.
std::size_t raw_string_length(const std::string& text, std::size_t i) {
  if (text.compare(i, 2, "R\"") != 0) return 0;
  if (i > 0 && ident_char(text[i - 1])) {
    const bool prefix = text[i - 1] == '8' || text[i - 1] == 'u' || text[i - 1] == 'U' ||
                        text[i - 1] == 'L';
    if (!prefix || (i > 1 && ident_char(text[i - 2]) && text[i - 2] != 'u')) return 0;
  }
  std::size_t open = text.find('(', i + 2);
  if (open == std::string::npos) return 0;
  const std::string close = ")" + text.substr(i + 2, open - i - 2) + "\"";
  std::size_t end = text.find(close, open);
  return end == std::string::npos ? text.size() - i : end + close.size() - i;
}

// Replaces text[from, from + n) by spaces, keeping line breaks.
void blank(std::string& out, std::size_t from, std::size_t n) {
  for (std::size_t k = from; k < from + n && k < out.size(); ++k)
    if (out[k] != '\n') out[k] = ' ';
}

// Length of the quoted literal starting at text[i] (a " or '), escapes included.
std::size_t quoted_length(const std::string& text, std::size_t i) {
  const char quote = text[i];
  std::size_t k = i + 1;
  while (k < text.size() && text[k] != quote && text[k] != '\n') k += text[k] == '\\' ? 2 : 1;
  return k + 1 - i;
}

}  // namespace

std::string code_only(const std::string& text) {
  std::string out = text;
  bool line_start = true;
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == '\n') { line_start = true; ++i; continue; }
    if (line_start && c == '#') {  // a preprocessor line, with its continuations
      std::size_t k = i;
      while (k < text.size() && !(text[k] == '\n' && text[k - 1] != '\\')) ++k;
      blank(out, i, k - i);
      i = k;
      continue;
    }
    if (!std::isspace(static_cast<unsigned char>(c))) line_start = false;
    std::size_t n = 0;
    if (text.compare(i, 2, "//") == 0) {
      n = text.find('\n', i) == std::string::npos ? text.size() - i : text.find('\n', i) - i;
    } else if (text.compare(i, 2, "/*") == 0) {
      std::size_t end = text.find("*/", i + 2);
      n = end == std::string::npos ? text.size() - i : end + 2 - i;
    } else if (c == 'R' && (n = raw_string_length(text, i)) > 0) {
    } else if (c == '"') {
      n = quoted_length(text, i);
    } else if (c == '\'' && !(i > 0 && std::isxdigit(static_cast<unsigned char>(text[i - 1])) &&
                              i + 1 < text.size() &&
                              std::isxdigit(static_cast<unsigned char>(text[i + 1])))) {
      n = quoted_length(text, i);  // a character literal, not a digit separator (1'000)
    }
    if (n == 0) { ++i; continue; }
    // Keep the quotes of a literal so `f("x") {` still ends in `)`.
    blank(out, i, n);
    i += n;
  }
  return out;
}

std::vector<Include> includes_of(const std::string& text) {
  static const std::regex directive(R"(^\s*#\s*include\s*([<"])([^>"]+)[>"])");
  std::vector<Include> found;
  std::istringstream in(text);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    std::smatch m;
    if (std::regex_search(line, m, directive)) found.push_back({n, m[2], m[1] == "<"});
  }
  return found;
}

namespace {

std::string trim(const std::string& s) {
  std::size_t a = s.find_first_not_of(" \t\r\n");
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(" \t\r\n") + 1 - a);
}

// The head without a leading `template <...>` (angle brackets balanced).
std::string without_template(std::string head) {
  head = trim(head);
  while (head.rfind("template", 0) == 0) {
    std::size_t k = head.find('<');
    if (k == std::string::npos) break;
    int depth = 0;
    for (; k < head.size(); ++k) {
      if (head[k] == '<') ++depth;
      if (head[k] == '>' && --depth == 0) break;
    }
    head = trim(head.substr(std::min(k + 1, head.size())));
  }
  return head;
}

bool opens_scope(const std::string& head) {
  static const std::regex scope(
      R"(^(inline\s+)?(namespace|class|struct|union|enum|extern|typedef|TEST_SUITE)\b)");
  return std::regex_search(without_template(head), scope);
}

bool opens_function(const std::string& head) {
  std::size_t close = head.rfind(')');
  if (close == std::string::npos) return false;
  static const std::regex qualifiers(
      R"(^(\s*(const|noexcept|override|final|mutable|volatile|&&|&|->[\w\s:<>,*&]+))*\s*$)");
  return std::regex_match(head.substr(close + 1), qualifiers);
}

enum class Block { scope, function, other };

}  // namespace

std::vector<FunctionBody> function_bodies(const std::string& code) {
  std::vector<FunctionBody> bodies;
  std::vector<Block> stack;  // open blocks outside functions
  std::string head;
  int head_line = 0, line = 1, function_depth = 0;
  FunctionBody current;
  for (char c : code) {
    if (function_depth > 0) {  // inside a function body: count braces only
      if (c == '{') ++function_depth;
      if (c == '}' && --function_depth == 0) {
        current.last_line = line;
        bodies.push_back(current);
        head.clear();
      }
    } else if (!stack.empty() && stack.back() == Block::other) {
      if (c == '{') stack.push_back(Block::other);
      if (c == '}') stack.pop_back();
      head += c;  // `name{value}` stays part of the head around it
    } else if (c == '{') {
      if (opens_scope(head)) {
        stack.push_back(Block::scope);
        head.clear();
      } else if (opens_function(head)) {
        current = {head_line ? head_line : line, 0};
        function_depth = 1;
      } else {
        stack.push_back(Block::other);
        head += c;
      }
    } else if (c == '}' || c == ';') {
      if (c == '}' && !stack.empty()) stack.pop_back();
      head.clear();
    } else if (c != '\n' || !head.empty()) {
      if (trim(head).empty() && !std::isspace(static_cast<unsigned char>(c))) head_line = line;
      head += c;
      const std::string h = trim(head);
      if (h == "public:" || h == "private:" || h == "protected:") head.clear();
    }
    if (c == '\n') ++line;
  }
  return bodies;
}

}  // namespace arch
