#pragma once
// Layer: the base of every layer. A layer is an object with shared state: copying a handle
// shares the layer, and calling it twice shares its weights.
//
// Called on SymbolicTensors (from Input) a layer runs its shape rule at once, so a broken
// contract surfaces at the line that builds the model (phase build). Called on concrete
// Tensors it runs eagerly, records the autograd graph, and checks the same rule (phase run).
#include <memory>
#include <source_location>
#include <string>
#include <variant>
#include <utility>
#include <vector>

#include <tenet/core/base/error.hpp>
#include <tenet/core/contracts/facts.hpp>
#include <tenet/core/graph/symbolic.hpp>
#include <tenet/core/tensor/tensor.hpp>

namespace tenet {

struct CallOptions {
  bool training = false;  // BatchNorm uses batch statistics and Dropout drops only when true
};

enum class Activation { none, relu, softmax };
const char* activation_name(Activation a);
const char* padding_name(Padding p);

// A declared input contract (like Keras's InputSpec). Unknown (kUnknown) entries match any size.
// Built-in layers check their contracts in output_shape; user layers may declare one instead.
struct InputSpec {
  int rank = -1;                       // -1: any rank
  std::vector<std::int64_t> axes_dims;  // parallel to axes: required size per axis
  std::vector<int> axes;                // axes (may be negative) with a required size
  DType dtype = DType::f32;
  bool check_dtype = false;
};

// One option of a layer under its Keras config name, in Keras's terms ("padding": "same",
// "activation": "relu"), so model files can describe the layer (data/keras*.cpp).
struct LayerOption {
  std::string key;
  std::variant<bool, std::int64_t, double, std::string, std::vector<std::int64_t>,
               std::vector<double>>
      value;  // vector<double>: a range of reals (an augmentation factor)
};

class LayerImpl {
 public:
  // `base_name` is Keras's snake-case name (conv2d); `name` empty means automatic (conv2d_1).
  LayerImpl(std::string type, std::string base_name, std::string name, std::source_location loc);
  virtual ~LayerImpl() = default;
  LayerImpl(const LayerImpl&) = delete;
  LayerImpl& operator=(const LayerImpl&) = delete;

  const std::string& name() const { return name_; }
  const std::string& type() const { return type_; }
  const std::string& base_name() const { return base_name_; }
  Site site() const { return site_; }
  bool built() const { return built_; }

  // ---- what a layer implements ----
  // The shape rule: checks the layer's contracts on input shapes (batch axis included, any
  // axis possibly unknown) and returns the output shape. Raises through core/checks only.
  // Every tenet layer declares one. A user's layer may leave it out: when a model is built,
  // tenet runs the layer's forward once on an empty batch of its input shapes and takes the
  // shape it produces; when declared, that shape must match what forward produces
  // (layer.output_shape). See docs/layers.md, "Writing your own layer".
  virtual Shape output_shape(const std::vector<Shape>& inputs, Phase phase);
  // Creates the weights for these input shapes; called once, before the first forward.
  virtual void build(const std::vector<Shape>& /*inputs*/) {}
  // Eager forward recording autograd history. Inputs have already passed output_shape.
  virtual Tensor forward(const std::vector<Tensor>& inputs, const CallOptions& opts) = 0;
  // Every variable in Keras's order (Conv2D: kernel, bias; BatchNorm: gamma, beta,
  // moving_mean, moving_variance) with their names and which of them a training step may
  // update while the layer is trainable (BatchNorm: gamma and beta, never its statistics).
  virtual std::vector<Tensor> weights() const { return {}; }
  virtual std::vector<std::string> weight_names() const { return {}; }
  virtual std::vector<bool> variable_trainable() const {
    return std::vector<bool>(weights().size(), true);
  }
  // Which variables can never hold a negative value (BatchNorm: moving_variance, a variance):
  // set_weights, save_weights and load_weights refuse a negative value there. None by default.
  virtual std::vector<bool> variable_nonnegative() const {
    return std::vector<bool>(weights().size(), false);
  }
  // How far below 0 such a variable may go and still compute (BatchNorm: epsilon, since it
  // divides by sqrt(variance + epsilon); training in E[x^2] - E[x]^2 rounds to tiny negatives).
  virtual double negative_tolerance() const { return 0.0; }
  // Called by Model after a successful training step; BatchNorm commits its moving statistics
  // here so that a step that fails leaves them untouched.
  virtual void commit_step() {}
  virtual void discard_step() {}
  // Everything needed to build the layer again, under Keras's config names (Conv2D: filters,
  // kernel_size, strides, padding, dilation_rate, use_bias, activation, seed). None by default.
  virtual std::vector<LayerOption> options() const { return {}; }
  // One line describing the configuration, used in provenance and summaries ("3x3, same").
  virtual std::string describe() const { return ""; }
  // What contract causes may read about this layer: its window, how it treats height and
  // width, the size its weights were built for (core/contracts/facts.hpp).
  virtual checks::LayerFacts facts() const { return {}; }
  // Number of inputs accepted: Concatenate/Add/Multiply take two or more.
  virtual bool multi_input() const { return false; }
  // True for layers that convert integer input themselves (Rescaling); others need float32.
  virtual bool accepts_integer_input() const { return false; }
  // A user layer's declared contract (checked before output_shape when present).
  virtual const InputSpec* input_spec() const { return nullptr; }
  // False when the layer leaves output_shape to tenet (the default rule above ran).
  bool declares_output_shape() const { return declares_output_shape_; }

  // ---- provided ----
  // Which variables the optimizer updates: variable_trainable() while the layer is trainable,
  // none once it is frozen (Keras's layer.trainable = False).
  std::vector<bool> trainable() const;
  bool is_trainable() const { return trainable_; }
  void set_trainable(bool on) { trainable_ = on; }
  Tensor call(const std::vector<Tensor>& inputs, const CallOptions& opts);
  SymbolicTensor call(const std::vector<SymbolicTensor>& inputs);
  void set_weights(const std::vector<Tensor>& values);
  std::int64_t param_count(bool trainable_only = false) const;
  // Shapes of the inputs this layer was built for (empty until built).
  const std::vector<Shape>& built_inputs() const { return built_inputs_; }

 protected:
  void ensure_built(const std::vector<Shape>& inputs, Phase phase);
  // Checks the input count (1 unless multi_input) with a clear message.
  void check_input_count(std::size_t n, Phase phase) const;
  Tensor profiled_forward(const std::vector<Tensor>& inputs, const CallOptions& opts);
  // Layers compute in float32 unless accepts_integer_input() (input.dtype).
  void check_input_dtype(DType t, Phase phase) const;

 private:
  std::string type_, base_name_, name_;
  Site site_;
  std::shared_ptr<const Site> shared_site_;  // for autograd nodes created by this layer
  bool built_ = false;
  bool trainable_ = true;
  bool declares_output_shape_ = true;
  std::vector<Shape> built_inputs_;
  // A user layer's calls at build time: input shapes -> the output shape forward produced
  // (batch axes None), which its calls on data must keep (core/graph/user_layer.hpp).
  std::vector<std::pair<std::vector<Shape>, Shape>> build_outputs_;
  // Input shapes and dtypes whose run-time contracts passed on this built layer (layer.cpp).
  std::shared_ptr<struct CheckedInputs> checked_;
};

// Checks a declared InputSpec (layer.input_spec) against an input shape.
void check_input_spec(const InputSpec& spec, const Shape& actual, const Site& where, Phase phase,
                      DType dtype = DType::f32);

// A handle to a layer. Concrete layers (Conv2D, Dense, ...) derive from it and add only
// their constructors.
class Layer {
 public:
  Layer() = default;
  explicit Layer(std::shared_ptr<LayerImpl> impl) : impl_(std::move(impl)) {}

  // `loc` is the user's line of this call: errors name it beside the layer's creation line
  // ("called at"), and a model's graph keeps it, so a layer called twice (shared weights) that
  // fails during fit names the call that broke.
  SymbolicTensor operator()(const SymbolicTensor& x,
                            std::source_location loc = std::source_location::current()) const;
  SymbolicTensor operator()(const std::vector<SymbolicTensor>& xs,
                            std::source_location loc = std::source_location::current()) const;
  Tensor operator()(const Tensor& x, CallOptions opts = {},
                    std::source_location loc = std::source_location::current()) const;
  Tensor operator()(const std::vector<Tensor>& xs, CallOptions opts = {},
                    std::source_location loc = std::source_location::current()) const;

  const std::string& name() const;
  const std::string& type() const;
  std::vector<Tensor> weights() const;
  void set_weights(const std::vector<Tensor>& values) const;
  std::int64_t count_params() const;
  // Keras's layer.trainable. A frozen layer (false) keeps its weights through fit: they get no
  // gradient and no optimizer slot, summary() counts them as non-trainable, and a frozen
  // BatchNorm normalises with its moving statistics even in training. fit follows the flags
  // as they were at model.compile: after changing one, compile again (as Keras asks).
  bool trainable() const;
  void set_trainable(bool on) const;
  const std::shared_ptr<LayerImpl>& impl() const { return impl_; }  // null when empty
  bool defined() const { return impl_ != nullptr; }

 protected:
  // The layer, or options.invalid (checks::empty_handle) for an empty handle.
  LayerImpl& checked(const char* member) const;
  std::shared_ptr<LayerImpl> impl_;
};

// Checks to write in a user layer's forward instead of assert (which aborts the whole program,
// and vanishes under NDEBUG): they raise layer.expect naming the layer being called, `what`,
// expected against actual with the differing axes marked, and a cause and fix. kUnknown in
// `expected` matches any size, and the batch axis of the empty batch tenet runs forward on when
// a model is built counts as unknown, so the same check works at build time and on real data:
//   expect_shape(x, {kUnknown, 1024}, "features");
void expect_shape(const Tensor& x, const Shape& expected, const std::string& what,
                  std::source_location loc = std::source_location::current());
void expect_shape(const SymbolicTensor& x, const Shape& expected, const std::string& what,
                  std::source_location loc = std::source_location::current());
void expect_dtype(const Tensor& x, DType expected, const std::string& what,
                  std::source_location loc = std::source_location::current());

// Automatic layer names like Keras: conv2d, conv2d_1, ... (counters per base name).
std::string unique_layer_name(const std::string& base_name);
// Resets the automatic name counters and the seed sequence (like keras.backend.clear_session()).
void clear_session();

// Seeds for weight initialisation: a layer created with seed 0 draws the next seed of a
// sequence that set_random_seed (or clear_session) restarts, so runs are reproducible.
void set_random_seed(std::uint64_t seed);
std::uint64_t layer_seed(std::uint64_t requested);

// Glorot (Xavier) uniform initialisation as Keras does: U(-l, l), l = sqrt(6 / (fan_in + fan_out)).
// Fans in double: a product of user sizes never overflows here (the shape is checked when the
// tensor is allocated).
Tensor glorot_uniform(const Shape& shape, double fan_in, double fan_out, std::uint64_t seed);

// `a` applied to x as an autograd op: x itself, relu(x), or softmax(x) over the last axis. For
// custom layers: Dense and Conv2D fuse a ReLU into their own kernels and call softmax directly.
Tensor apply_activation(const Tensor& x, Activation a);

}  // namespace tenet
