#pragma once
// A user's layer at build time (internal). tenet's own layers declare their shape rules; a
// layer written by a user may not declare one, or may declare one its forward does not follow,
// and its forward may combine tensors that cannot meet. So when a model is built, tenet runs a
// user layer's forward once on a batch of its input shapes:
//   * an empty batch (0 samples) when it can: it costs no arithmetic, and 0, unlike 1, never
//     broadcasts against another size, so a call that only works for some batch sizes fails
//     here as it would on data;
//   * a batch of 1 sample when an op of the call cannot take an empty batch (a max or argmax
//     over the batch axis, resizing an empty image): 1 is the smallest batch that flows.
// A contract broken there is raised at the user's line that builds the model, naming the
// layer, where it was created and called, and the op that failed inside it.
#include <cstdint>
#include <utility>
#include <vector>

#include <tenet/core/base/shape.hpp>
#include <tenet/core/graph/layer.hpp>

namespace tenet::user_layer {

// Runs `layer`'s forward on a batch of `inputs`' shapes (their batch axis, and no other, may be
// unknown) and returns the shape it produces, batch axis None. `declared` is what its
// output_shape returned: when the layer declares one, it must agree (layer.output_shape).
// When an axis besides the batch is unknown nothing can run: a declared shape is returned as
// is, and a layer without one raises layer.output_shape.
Shape run_at_build(LayerImpl& layer, const std::vector<SymbolicTensor>& inputs,
                   const Shape& declared);

// The calls of a user layer at build time, input shapes -> output shape (batch axes None).
using BuildOutputs = std::vector<std::pair<std::vector<Shape>, Shape>>;
// Keeps what run_at_build returned for `inputs` in `seen` (once per input shapes).
void remember(BuildOutputs& seen, const std::vector<Shape>& inputs, const Shape& output);
// A user layer's forward while data flows: `out` must be a tensor (options.invalid naming the
// layer), and when the model was built for inputs of these sizes, of the shape forward produced
// then, batch axis aside (layer.output_shape): a forward whose shape depends on
// CallOptions::training or on the data would feed the layers after it a shape they were never
// built for. Eager calls of a layer never built symbolically check only the first.
void check_run_output(const LayerImpl& layer, const std::vector<Shape>& inputs, const Tensor& out,
                      const BuildOutputs& seen, bool training);

// The input shapes of the layer call running on this thread (LayerImpl::call, or the call at
// build time with its batch size), which expect_shape compares a checked tensor with.
class CallScope {
 public:
  explicit CallScope(const std::vector<Shape>& inputs, std::int64_t build_batch = -1);
  ~CallScope();
  CallScope(const CallScope&) = delete;
  CallScope& operator=(const CallScope&) = delete;

  const std::vector<Shape>& inputs;
  const std::int64_t build_batch;  // the batch of the run at build time; -1 while data flows
  const CallScope* const previous;
};

}  // namespace tenet::user_layer
