// Suite "examples": the tests of error_gallery.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sys/wait.h>

#include "support/test_contracts_util.hpp"

using namespace tenet;
using contracts_test::at;
using contracts_test::capture;
using contracts_test::has;

TEST_SUITE("examples") {

TEST_CASE("the error gallery raises every code and exits 0") {
  const std::string cmd = std::string(TENET_BINARY_DIR) + "/examples/error_gallery 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int status = pclose(p);
  REQUIRE(WIFEXITED(status));
  CHECK_MESSAGE(WEXITSTATUS(status) == 0, out);
  const char* codes[] = {
      "concat.shape", "concat.rank", "concat.axis", "dense.features", "dense.undefined",
      "conv.rank", "conv.channels", "conv.too_small", "batchnorm.features", "elementwise.shape",
      "layer.input_spec", "model.graph", "input.count", "input.rank", "input.shape",
      "input.dtype", "batch.mismatch", "batch.empty", "batch.ragged", "loss.label_shape",
      "loss.label_range", "loss.label_dtype", "numerics.nonfinite", "compare.shape",
      "options.invalid", "checkpoint.mismatch", "data.format", "input.range",
      "model.unsupported"};
  for (const char* c : codes) CHECK_MESSAGE(has(out, std::string("[") + c + "]"), c);
  CHECK(!has(out, "FAILED"));
  // docs/errors.md has one section per code
  std::ifstream doc(std::string(TENET_SOURCE_DIR) + "/docs/errors.md");
  const std::string text((std::istreambuf_iterator<char>(doc)), std::istreambuf_iterator<char>());
  for (const char* c : codes) CHECK_MESSAGE(has(text, std::string("\n## ") + c + "\n"), c);
  CHECK(!has(out, "dnnl"));
}

TEST_CASE("docs/errors.md catalogues the data-parallel fit's codes, which the gallery cannot raise") {
  // They need several ranks (or a tenet without MPI); scripts/gen_errors_doc.py writes their
  // sections without output, and tests/distributed checks their messages.
  std::ifstream doc(std::string(TENET_SOURCE_DIR) + "/docs/errors.md");
  const std::string text((std::istreambuf_iterator<char>(doc)), std::istreambuf_iterator<char>());
  CHECK(has(text, "\n# Codes of the data-parallel fit\n"));
  for (const char* c : {"distribution.unavailable", "distribution.mismatch", "distribution.peer",
                        "distribution.rank_failed"}) {
    CHECK_MESSAGE(has(text, std::string("\n## ") + c + "\n"), c);
    CHECK_MESSAGE(has(text, std::string("[`") + c + "`]"), c);  // in the table of contents
  }
}

}  // TEST_SUITE
