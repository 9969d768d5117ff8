// Suite "core/contracts": the tests of checks.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

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
  capture("slice.range", [] { (void)slice(Tensor::zeros({2, 3}), 2, 0, 1); });
  auto fl = capture("flatten.rank", [] { (void)Flatten()(Tensor::scalar(1.0)); });
  CHECK(has(fl.fix(), "expand_dims(x, 0)"));
}

}  // TEST_SUITE
