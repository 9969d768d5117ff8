// Suite "core/contracts": the tests of checks.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include "core/contracts/checks.hpp"
#include "support/test_contracts_util.hpp"

using namespace tenet;
using contracts_test::at;
using contracts_test::capture;
using contracts_test::has;

TEST_SUITE("core/contracts") {

TEST_CASE("codes outside the catalog's tables") {
  clear_session();
  auto r = capture("reshape.size", [] { (void)reshape(Tensor::zeros({4, 6}), {5, 5}); });
  CHECK(has(r.fix(), "24"));
  auto mm = capture("matmul.shape", [] { (void)matmul(Tensor::zeros({4, 3}), Tensor::zeros({4, 5})); });
  CHECK(has(mm.expected(), "K = 3"));
  const unsigned line = __LINE__; auto cfg = capture("options.invalid", [] { (void)Dense(0); });
  CHECK(cfg.phase() == Phase::build);
  CHECK(has(cfg.where(), at(__FILE__, line)));
  auto cnt = capture("layer.input_count", [] { (void)Dense(4)({Input({4}), Input({4})}); });
  CHECK(cnt.actual() == "2 inputs");
  auto one = capture("layer.input_count", [] { (void)Concatenate()(std::vector<SymbolicTensor>{Input({4})}); });
  CHECK(has(one.fix(), "{a, b}"));
  auto red = capture("reduce.axis", [] { (void)Tensor::zeros({3, 4}).sum(2); });
  CHECK(has(red.expected(), "[-2, 1]"));
  auto rs = capture("resize.size", [] { (void)resize(Tensor::zeros({1, 8, 8, 1}), {0, 28}); });
  CHECK(rs.actual() == "(0, 28)");
  auto dr = capture("dense.rank", [] { (void)Dense(10)(Input({28, 28, 1})); });
  CHECK(has(dr.fix(), "Flatten()"));
  auto in = Input({4});
  Model m(in, Dense(1)(in));
  auto comp = capture("model.compile", [&] { m.fit(Tensor::zeros({4, 4}), Tensor::zeros({4, 1}), {.verbose = 0}); });
  CHECK(has(comp.fix(), "compile"));
  auto hk = capture("history.key", [] { (void)History()["val_loss"]; });
  CHECK(hk.actual() == "'val_loss'");
  auto fp = capture("callback.filepath", [] { (void)format_filepath("{val_acc}.h5", 1, {{"loss", 1.0}}); });
  CHECK(fp.actual() == "{val_acc}");
  CHECK(capture("tensor.item", [] { (void)Tensor::zeros({3}).item(); }).actual() == "(3,)");
  capture("tensor.index", [] { (void)Tensor::zeros({2, 2}).at({2, 0}); });
  CHECK(capture("tensor.shape", [] { (void)Tensor::zeros({kUnknown, 3}); }).actual() == "(None, 3)");
  capture("autograd.backward", [] {
    Tensor w = Tensor::ones({3}).requires_grad(true);
    (w * 2.0).backward();
  });
  capture("reshape.axis", [] { (void)transpose(Tensor::zeros({2, 3}), {0, 0}); });
  auto fl = capture("flatten.rank", [] { (void)Flatten()(Tensor::scalar(1.0)); });
  CHECK(has(fl.fix(), "expand_dims(x, 0)"));
}

TEST_CASE("slice.range: a matrix has no batch or channel axis; a Concatenate's images do") {
  auto matrix = capture("slice.range", [] { (void)slice(Tensor::zeros({2, 3}), 2, 0, 1); });
  CHECK(matrix.cause() == "the tensor has 2 axes, counted from 0, so the last one is 1; axis 2 counts "
                          "one past it (as if from 1)");
  CHECK(matrix.fix() == "use axis 1 (or axis -1) for the last axis");
  auto back = capture("slice.range", [] { (void)slice(Tensor::zeros({2, 8, 8, 3}), -5, 0, 1); });
  CHECK(back.cause() == "negative axes count back from -1 (the last axis), so -4 is the first of the "
                        "4 axes; -5 goes past it");
  CHECK(back.fix() == "use an axis from -1 to -4, or from 0 to 3");
  // A layer sees batches: axis 0 is the batch, and rank 4 is (N, H, W, C).
  auto img = Input({8, 8, 3});
  auto layer = capture("concat.axis", [&] { (void)Concatenate(4)({img, img}); });
  CHECK(has(layer.cause(), "each input has 4 axes, counted from 0 with the batch axis as axis 0"));
  CHECK(has(layer.fix(), "(channels in (N, H, W, C))"));
}

TEST_CASE("distribution codes: causes and fixes follow the situation") {
  const Site fit("fit", "Model");
  auto models = capture("distribution.mismatch", [&] {
    checks::distribution_mismatch("models", true, {"4 variables", "6 variables"}, "build the same model", fit);
  });
  CHECK(has(models.cause(), "the copies must match variable for variable"));
  CHECK(!has(models.cause(), "batches"));
  auto batches = capture("distribution.mismatch", [&] {
    checks::distribution_mismatch("batch counts", false, {"3 training", "4 training"}, "same data", fit);
  });
  CHECK(has(batches.cause(), "every rank must walk the same number of batches"));
  CHECK(!has(batches.cause(), "variable for variable"));
  auto waited = capture("distribution.peer", [&] {
    checks::distribution_peer("the gradient sum", true, 5, "", 0, 2, fit);
  });
  CHECK(has(waited.cause(), "no other rank answered within 5 s"));
  CHECK(has(waited.fix(), "raise MpiDataParallel::timeout_seconds"));
  auto lost = capture("distribution.peer", [&] {
    checks::distribution_peer("the gradient sum", false, 5, "MPI: connection reset", 1, 2, fit);
  });
  CHECK(lost.actual() == "MPI: connection reset");
  CHECK(has(lost.cause(), "waiting longer cannot help"));
  CHECK(!has(lost.fix(), "timeout_seconds"));
  auto user = capture("distribution.rank_failed", [&] {
    checks::rank_failed("callback: disk full", false, 1, 2, "training batch 3 of epoch 1", fit);
  });
  CHECK(user.fix() == "fix what rank 1's error names, then run again");
  auto bug = capture("distribution.rank_failed", [&] {
    checks::rank_failed("tenet internal error: x", true, 1, 2, "training batch 3 of epoch 1", fit);
  });
  CHECK(has(bug.cause(), "an internal error of tenet (a bug in tenet, not a mistake in the program)"));
  CHECK(has(bug.fix(), "report it with rank 1's output"));
}

}  // TEST_SUITE
