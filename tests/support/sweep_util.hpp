#pragma once
// The catalog of codes and the tally of the sweep tests (layers, losses, Model).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <typeinfo>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <tenet/tenet.hpp>

#include "support/test_reliability_util.hpp"

namespace tenet::testing {
using namespace tenet;
using reliability::Rng;

// Every contract code raised anywhere in core/ layers/ losses/ data/ (grep 'Violation("' and
// the check_* helpers' code arguments).
inline const std::set<std::string>& known_codes() {
  static const std::set<std::string> codes = {
      "autograd.backward", "batch.empty",        "batch.mismatch",    "batch.ragged",
      "batchnorm.features", "callback.filepath", "checkpoint.mismatch", "compare.shape",
      "concat.axis",        "concat.rank",       "concat.shape",      "conv.channels",
      "conv.rank",          "conv.too_small",    "data.format",       "dense.features",
      "dense.rank",         "dense.undefined",   "elementwise.shape", "flatten.rank",
      "history.key",        "input.count",       "input.dtype",       "input.rank",
      "input.shape",        "options.invalid",   "layer.input_count", "layer.input_spec",
      "loss.label_dtype",   "loss.label_range",  "loss.label_shape",  "matmul.shape",
      "model.compile",      "model.graph",       "numerics.nonfinite", "reduce.axis",
      "reshape.axis",       "reshape.size",      "resize.size",       "slice.range",
      "tensor.index",       "tensor.item",       "tensor.shape"};
  return codes;
}

// Outcome tally of the sweep, printed once so a reader sees that both paths were exercised.
struct Tally {
  int computed = 0, refused = 0;
  std::map<std::string, int> codes;
};

// Runs one case. `body` computes and checks a result; a ContractError must carry a known code.
inline void run_case(const std::string& label, Tally& tally, const std::function<void()>& body) {
  CAPTURE(label);
  try {
    body();
    ++tally.computed;
  } catch (const ContractError& e) {
    INFO("contract error: " << e.what());
    CHECK_MESSAGE(known_codes().count(e.code()) == 1, "unknown code " << e.code());
    CHECK_FALSE(std::string(e.what()).empty());
    ++tally.refused;
    ++tally.codes[e.code()];
  } catch (const InternalError& e) {
    FAIL_CHECK("InternalError: " << std::string(e.what()));
  } catch (const std::exception& e) {
    FAIL_CHECK("unexpected exception " << typeid(e).name() << ": " << std::string(e.what()));
  }
}

inline bool all_finite(const Tensor& t) {
  if (!is_floating(t.dtype())) return true;
  for (double v : t.astype(DType::f64).to_vector<double>())
    if (!std::isfinite(v)) return false;
  return true;
}

}  // namespace tenet::testing
