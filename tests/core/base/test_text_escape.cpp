// Suite "core/base": the tests of text_escape.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>

#include "core/training/path_template.hpp"
#include "core/base/text_escape.hpp"
#include "support/test_util.hpp"

using namespace tenet;
using tenet::testing::capture;

TEST_SUITE("core/base") {

TEST_CASE("terminal text: control characters become visible escapes") {
  CHECK(text::printable("a\x1b[2J\r\n\tb\x7f") == "a\\x1B[2J\\r\\n\\tb\\x7F");
  CHECK(text::printable("caf\xc3\xa9") == "caf\xc3\xa9");
  CHECK(text::quoted("ab") == "\"ab\"");
  CHECK(text::quoted(std::string(300, 'x'), 10) == "\"xxxxxxxxxx...\" (300 characters)");
  CHECK(text::shortened(std::string(100, 'y'), 20) == std::string(17, 'y') + "...");
  CHECK(text::shortened("short", 20) == "short");
}

TEST_CASE("DOT, XML and CSV escaping: one function per format") {
  CHECK(text::dot("q\"uote\\back\nline") == "q\\\"uote\\\\back\\nline");
  CHECK(text::dot("{a|b}<p>") == "{a|b}<p>");
  CHECK(text::dot("{a|b}<p>", true) == "\\{a\\|b\\}\\<p\\>");
  CHECK(text::dot("bell\x07") == "bell\\\\x07");
  CHECK(text::dot("\"];x[URL=\"javascript:alert(1)\"") == "\\\"];x[URL=\\\"javascript:alert(1)\\\"");
  CHECK(text::xml("a & b <c> \"d\" 'e'") == "a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos;");
  CHECK(text::xml("nul\x01") == "nul\xEF\xBF\xBD");
  CHECK(text::xml("bad \xff utf8") == "bad \xEF\xBF\xBD utf8");
  CHECK(text::valid_utf8("\xe2\x82\xac ok") == "\xe2\x82\xac ok");
  CHECK(text::valid_utf8("\xed\xa0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
  CHECK(text::csv("plain") == "plain");
  CHECK(text::csv("a,b") == "\"a,b\"");
  CHECK(text::csv("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(text::csv("two\nlines") == "\"two\nlines\"");
  CHECK(text::csv("cr\r") == "\"cr\r\"");
  CHECK(text::csv("a;b", ';') == "\"a;b\"");
  CHECK(text::csv("a;b", ',') == "a;b");
}

TEST_CASE("quoted cuts at a whole UTF-8 character") {
  // "é" is two bytes (C3 A9): a cut after 4 bytes of "abcé..." would keep C3 alone.
  const std::string s = "abc\xC3\xA9" + std::string(10, 'x');
  CHECK(text::quoted(s, 4) == "\"abc...\" (15 characters)");
  CHECK(text::quoted(s, 5) == "\"abc\xC3\xA9...\" (15 characters)");
}

}  // TEST_SUITE
