// Suite "core", part "text": checkpoint path templates (core/path_template) and the escaping of
// user text into terminal, DOT, XML and CSV output (core/text_escape).
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>

#include "core/training/path_template.hpp"
#include "core/base/text_escape.hpp"
#include "test_util.hpp"

using namespace tenet;
using tenet::testing::capture;

namespace {

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// The options.invalid raised for `pattern`, checked for the facts every refusal carries.
ContractError refused(const std::string& pattern) {
  auto e = capture([&] { (void)format_filepath(pattern, 1, {{"loss", 0.5}}); });
  CHECK_MESSAGE(e.code() == "options.invalid", pattern);
  CHECK(e.phase() == Phase::run);
  CHECK(e.expected() == PathTemplate::accepted());
  CHECK(has(e.what(), "format_filepath pattern"));
  return e;
}

}  // namespace

TEST_SUITE("core") {

TEST_CASE("path templates fill the documented subset of str.format") {
  const Logs logs = {{"loss", 0.5}, {"val_loss", 0.4567}, {"neg", -1.5}};
  CHECK(format_filepath("ck/e{epoch:02d}-{val_loss:.2f}.weights.h5", 3, logs) == "ck/e03-0.46.weights.h5");
  CHECK(format_filepath("{epoch}", 3, logs) == "3");
  CHECK(format_filepath("{epoch:}", 3, logs) == "3");
  CHECK(format_filepath("{epoch:d}", 3, logs) == "3");
  CHECK(format_filepath("{epoch:4d}", 3, logs) == "   3");
  CHECK(format_filepath("{epoch:04d}", 3, logs) == "0003");
  CHECK(format_filepath("{epoch:.1f}", 3, logs) == "3.0");
  CHECK(format_filepath("{epoch:03d}", -1, logs) == "-01");
  CHECK(format_filepath("{loss}", 1, logs) == "0.5");
  CHECK(format_filepath("{loss:.3e}", 1, logs) == "5.000e-01");
  CHECK(format_filepath("{neg:08.3f}", 1, logs) == "-001.500");
  CHECK(format_filepath("{neg:.2g}", 1, logs) == "-1.5");
  CHECK(format_filepath("{{epoch}}/a}}b{{", 1, logs) == "{epoch}/a}b{");
  CHECK(format_filepath("{{{epoch}}}", 7, logs) == "{7}");
  CHECK(format_filepath("100%s-%n-%p.h5", 1, logs) == "100%s-%n-%p.h5");  // text is never a format
  const double inf = std::numeric_limits<double>::infinity();
  CHECK(format_filepath("{a:.2f}_{b:.2f}_{c:5.1f}", 1, {{"a", std::nan("")}, {"b", inf}, {"c", -inf}}) ==
        "nan_inf_ -inf");
  // The largest accepted field: width 64, precision 20 of 1e308 (309 digits before the point).
  std::string big = format_filepath("{x:064.20f}", 1, {{"x", 1e308}});
  CHECK(big.size() == 309 + 1 + 20);
  CHECK(format_filepath("{x:64.20f}", 1, {{"x", 1.0}}).size() == 64);
}

TEST_CASE("path template specs outside the subset raise options.invalid, never reach printf") {
  // Each crashed (SIGSEGV) or printed memory into the file name when the spec went to snprintf.
  for (const char* bad : {"ck{epoch:s}.weights.h5", "{epoch:n}", "{loss:s}", "{epoch:p}", "{loss:x}"}) {
    auto e = refused(bad);
    CHECK_MESSAGE(has(e.actual(), bad), e.what());
    CHECK(has(e.cause(), "format spec"));
  }
  auto s = refused("ck{epoch:s}.weights.h5");
  CHECK(has(s.cause(), "the field {epoch:s} at character 3 has the format spec \"s\""));
  CHECK(has(s.fix(), "{epoch:02d}"));
  auto w = refused("{epoch:999999999d}");
  CHECK(w.cause() == "the field {epoch:999999999d} at character 1 asks for a width of 999999999, above the largest accepted, 64");
  CHECK(has(refused("{epoch:65d}").cause(), "width of 65"));
  CHECK(has(refused("{loss:.21f}").cause(), "precision of 21"));
  CHECK(has(refused("{loss:.99999999999999999999f}").cause(), "precision of 999999999999..."));
  CHECK(has(refused("{loss:d}").cause(), "log values are reals"));
  CHECK(has(refused("{epoch:.2d}").cause(), "precision to the integer format d"));
  CHECK(has(refused("{loss:.3}").cause(), "precision without a type"));
  CHECK(has(refused("{loss:.f}").cause(), "no precision after it"));
  for (const char* spec : {"{epoch:>5d}", "{epoch:+d}", "{epoch:,d}", "{epoch:#x}", "{epoch: d}", "{loss:%}"})
    CHECK_MESSAGE(has(refused(spec).cause(), "outside the accepted subset"), spec);
  CHECK(has(refused("{}").cause(), "names no key"));
  for (const char* key : {"{0}", "{loss.real}", "{loss[0]}", "{loss!r}", "{val loss}", "{1e}"})
    CHECK_MESSAGE(has(refused(key).cause(), "which is not a name"), key);
  CHECK(has(refused("ck/{epoch").cause(), "never closed"));
  CHECK(has(refused("ck/epoch}").cause(), "a single '}' at character 9"));
  CHECK(has(refused("{epoch:{w}d}").cause(), "nested fields"));
  CHECK(has(refused("").cause(), "empty"));
  CHECK(has(refused(std::string("a\0b.h5", 6)).cause(), "NUL"));
}

TEST_CASE("ModelCheckpoint refuses a bad template where it is constructed") {
  auto e = capture([] { ModelCheckpoint("ck{epoch:s}.weights.h5"); });
  CHECK(e.code() == "options.invalid");
  CHECK(has(e.what(), "ModelCheckpoint filepath"));
  CHECK(has(e.actual(), "\"ck{epoch:s}.weights.h5\""));
  CHECK(e.site().name == "ModelCheckpoint");
  CHECK(has(e.where(), "test_core_text.cpp"));  // the user's line
  CHECK(capture([] { ModelCheckpoint("{loss:n}"); }).code() == "options.invalid");
  CHECK(capture([] { ModelCheckpoint("{epoch:999999999d}"); }).code() == "options.invalid");
}

TEST_CASE("a key the logs do not hold: callback.filepath names the keys they do hold") {
  auto e = capture([] { (void)format_filepath("ck/{val_acc:.2f}.h5", 1, {{"loss", 1.0}, {"accuracy", 0.5}}); });
  CHECK(e.code() == "callback.filepath");
  CHECK(e.actual() == "{val_acc}");
  CHECK(e.expected() == "a field naming one of: epoch, accuracy, loss");
  CHECK(has(e.cause(), "validation_split or validation_data"));
  CHECK(e.fix() == "pass validation_split or validation_data to fit");  // no {acc} logged either
  auto v = capture([] { (void)format_filepath("{val_loss}", 1, {{"loss", 1.0}}); });
  CHECK(v.fix() == "pass validation_split or validation_data to fit, or use {loss} in the path");
  auto m = capture([] { (void)format_filepath("{acc}", 1, {{"loss", 1.0}}); });
  CHECK(has(m.cause(), "the logs of this epoch hold epoch, loss; 'acc' is not among them"));
  CHECK(m.fix() == "use a logged key in the path, e.g. {loss:.4f}");
}

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

}  // TEST_SUITE
