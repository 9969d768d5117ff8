#pragma once
// The contracts of a user's own layer (internal: core/graph/user_layer.cpp calls these), each
// message written here once. Causes read the facts of the call tenet ran when the model was
// built (the layer's inputs and weights, the batch it used, the shapes the failing op got).
//   layer.output_shape    a declared output_shape that forward does not follow, or none and
//                         inputs too unknown to run forward on
//   layer.expect          expect_shape / expect_dtype in a layer's forward
//   any op's own code     (elementwise.shape, matmul.shape, ...) re-raised at build time
#include <cstdint>
#include <string>
#include <vector>

#include <tenet/core/base/dtype.hpp>
#include <tenet/core/base/error.hpp>
#include <tenet/core/base/shape.hpp>

namespace tenet::checks {

// A user layer's forward as tenet ran it when the model was built (core/graph/user_layer.hpp).
struct UserCallFacts {
  Site layer;                      // the user's layer
  std::vector<Shape> inputs;       // its input shapes, batch axis None
  std::int64_t batch = 0;          // the batch forward ran on: 0 (empty) or 1
  std::string empty_refused_by;    // with batch 1: what refused the empty batch
  std::vector<std::string> weight_names;  // its weights, as weight_names() gives them
  std::vector<Shape> weights;
};
// A shape of that run as messages show it: with an empty batch, a size 0 is the batch (None).
Shape shown_shape(const Shape& s, std::int64_t batch);

// A contract broken inside that forward (`inner`, raised by an op or a layer it called): raised
// again with the same code at phase build, naming the user's layer, the op and its line, what
// each operand is (the layer's input, one of its weights, a value computed in the call) and a
// fix for that case (size the weight from the input in build(), give the layer the size its
// weight was made for, broadcast over the batch, ...).
[[noreturn]] void user_call_failed(const ContractInfo& inner, const UserCallFacts& facts);
// layer.output_shape: the layer's output_shape returns `declared`, forward produced `produced`.
[[noreturn]] void output_shape_mismatch(const Shape& declared, const Shape& produced,
                                        const UserCallFacts& facts);
// options.invalid: the Tensor at `index` of the `count` that weights() of `layer` returns is
// empty (default-constructed): a variable declared but never created.
[[noreturn]] void empty_weight(std::size_t index, std::size_t count, const Site& layer);
// layer.output_shape: the layer's output `output` has no axes, so no batch axis, while its
// inputs have one: as forward produced it at build time, or as output_shape declares it
// (`declared`). The layers after it would have no samples to work on.
void check_output_batch_axis(const Shape& output, bool declared, const UserCallFacts& facts);
// layer.output_shape: the layer declares no output_shape, and an input axis other than the
// batch is unknown, so no tensor exists to run forward on.
[[noreturn]] void output_shape_unknowable(const UserCallFacts& facts);
// layer.output_shape (phase run): while data flows, the forward of `layer` produced
// `produced` (batch axis included) where the model was built for `built` (batch axis None), what
// the same forward produced at build time for inputs of these sizes. `training`: the call's
// CallOptions::training (the run at build time is an inference call).
[[noreturn]] void run_output_mismatch(const Shape& built, const Shape& produced,
                                      const Site& layer, bool training);

// options.invalid: a layer class's `base_name` (the stem of automatic names) must not be
// empty, and a layer's name (given, or made from base_name) must be one a weights file can
// store and find again: not empty, without '/' or NUL, and not "." or "..".
void check_layer_name(const std::string& name, const std::string& base_name, const Site& layer);

// layer.output_shape (phase run): forward of `layer` returned `produced`, whose batch axis is not
// the `batch` samples its input holds.
[[noreturn]] void batch_changed(std::int64_t batch, const Shape& produced, const Site& layer,
                                bool training);

// The facts of an expect_shape / expect_dtype that failed.
struct ExpectFacts {
  Site where;                     // the layer being called, or the check itself outside one
  bool in_layer = false;
  std::string what;               // the user's name for the tensor: "features"
  std::string check_at;           // the check's line: "gate.cpp:31"
  Phase phase = Phase::run;       // build inside tenet's run of forward at build time
  std::int64_t build_batch = -1;  // that run's batch (0 or 1); -1 while data flows
  std::vector<Shape> layer_inputs;  // the layer's inputs in this call (as shown)
};
// layer.expect: the tensor is `actual` where the check requires `expected` (kUnknown: any).
[[noreturn]] void expected_shape_failed(const Shape& expected, const Shape& actual,
                                        const ExpectFacts& facts);
// layer.expect: the tensor is of dtype `actual` where the check requires `expected`.
[[noreturn]] void expected_dtype_failed(DType expected, DType actual, const ExpectFacts& facts);

}  // namespace tenet::checks
