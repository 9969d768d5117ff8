// Suite "core/ops": the tests of empty_handles.
#include <doctest/doctest.h>

#include <functional>
#include <string>

#include "support/test_util.hpp"

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::has;

TEST_SUITE("core/ops") {

TEST_CASE("empty handles: ops on a default-constructed Tensor name the argument") {
  const Tensor t = Tensor::ones({2});
  const std::vector<std::pair<std::function<void()>, std::string>> cases = {
      {[&] { (void)(Tensor() + t); }, "the left operand of +"},
      {[&] { (void)(t - Tensor()); }, "the right operand of -"},
      {[&] { (void)(Tensor() * 2.0); }, "the left operand of *"},
      {[&] { (void)(2.0 / Tensor()); }, "the right operand of /"},
      {[&] { (void)(-Tensor()); }, "the right operand of -"},
      {[&] { (void)add(t, Tensor()); }, "the right operand of +"},
      {[&] { (void)Tensor().sum(); }, "the Tensor whose sum() was called"},
      {[&] { (void)Tensor().mean(0); }, "the Tensor whose mean() was called"},
      {[&] { (void)Tensor().argmax(0); }, "the Tensor whose argmax() was called"},
      {[&] { (void)Tensor().shape(); }, "the Tensor whose shape() was called"},
      {[&] { (void)Tensor().item(); }, "the Tensor whose item() was called"},
      {[&] { (void)Tensor().astype(DType::f64); }, "the Tensor whose astype() was called"},
      {[&] { (void)Tensor().clone(); }, "the Tensor whose clone() was called"},
      {[&] { (void)Tensor().detach(); }, "the Tensor whose detach() was called"},
      {[&] { Tensor().backward(); }, "the Tensor whose backward() was called"},
      {[&] { (void)Tensor().reshape({1}); }, "the input of reshape"},
      {[&] { (void)expand_dims(Tensor(), 0); }, "the input of expand_dims"},
      {[&] { (void)transpose(Tensor()); }, "the input of transpose"},
      {[&] { (void)slice(Tensor(), 0, 0, 1); }, "the input of slice"},
      {[&] { (void)exp(Tensor()); }, "the input of exp"},
      {[&] { (void)relu(Tensor()); }, "the input of relu"},
      {[&] { (void)softmax(Tensor()); }, "the input of softmax"},
      {[&] { (void)matmul(Tensor::ones({2, 2}), Tensor()); }, "the second operand of matmul"},
      {[&] { (void)concat({t, Tensor()}, 0); }, "the 2nd tensor of concat"},
      {[&] { (void)stack({Tensor(), t}); }, "the 1st tensor of stack"},
      {[&] { (void)allclose(Tensor(), t); }, "the first tensor of allclose"},
      {[&] { (void)equal(t, Tensor()); }, "the second tensor of equal"},
      {[&] { (void)array_equal(t, Tensor()); }, "the second tensor of array_equal"},
      {[&] { (void)max_abs_diff(Tensor(), t); }, "the first tensor of max_abs_diff"},
  };
  for (const auto& [f, argument] : cases) {
    CAPTURE(argument);
    auto e = capture(f);
    CHECK(e.code() == "options.invalid");
    CHECK(has(e, argument));
    CHECK(has(e, "empty Tensor"));
  }
  CHECK(Tensor().str() == "Tensor(undefined)");  // printing an empty tensor is fine
}

}  // TEST_SUITE
