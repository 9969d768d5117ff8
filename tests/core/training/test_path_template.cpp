// Suite "core/training": the tests of path_template.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <tenet/tenet.hpp>
#include <tenet/layers/batch_norm.hpp>
#include <tenet/layers/concatenate.hpp>
#include <tenet/layers/conv2d.hpp>
#include <tenet/layers/flatten.hpp>
#include <tenet/layers/max_pool2d.hpp>
#include <tenet/losses/categorical_crossentropy.hpp>
#include <tenet/losses/sparse_categorical_crossentropy.hpp>

#include "core/training/path_template.hpp"
#include "core/base/text_escape.hpp"
#include "support/test_util.hpp"

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::clones;
using tenet::testing::bitwise_equal;
using tenet::testing::has;

namespace {

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

TEST_SUITE("core/training") {

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

TEST_CASE("format_filepath fills epoch and metric templates") {
  CHECK(format_filepath("ck/e{epoch:02d}-{val_loss:.2f}.weights.h5", 3, {{"val_loss", 0.4567}}) ==
        "ck/e03-0.46.weights.h5");
  CHECK(capture([] { (void)format_filepath("{nope}", 1, {}); }).code() == "callback.filepath");
}

}  // TEST_SUITE
