#pragma once
// The contracts of a model's inputs (internal: Model::check_data and layers call these):
// input.count, input.rank, input.shape, input.dtype. Each message is written here once; causes
// read what the caller found in the model's graph (SizeUse) and in the data (ValueRange).
#include <string>
#include <vector>

#include <tenet/core/contracts/checks.hpp>

namespace tenet::checks {

// The smallest and largest value of the data, when the caller looked (integer data at run time).
struct ValueRange {
  bool known = false;
  double lo = 0, hi = 0;
};

// How a model uses the height and width of one of its image Inputs, from its layers' facts.
struct SizeUse {
  std::vector<std::string> fixers;  // layers that need the declared height and width, why
  std::vector<std::string> free;    // layers met on the way that work on any size
  bool flattened = false;           // a Flatten is among the reasons
  // How it uses the size of the Input's last axis (its features): the layers built for the
  // declared count (why), and those met on the way that take any count.
  std::vector<std::string> feature_fixers;
  std::vector<std::string> feature_free;
};

// input.shape (phase build): an Input's declared sample shape needs sizes >= 1 or kUnknown.
void check_input_declaration(const Shape& sample, const Site& where);
// input.count: `got` arrays for the Inputs named in `names` (in order), with their shapes.
void check_input_count(const std::vector<std::string>& names, const std::vector<Shape>& shapes,
                       std::size_t got, const Site& where);
// input.rank: data of shape `got` for Input `name` declared `want` (batch axis included).
void check_input_rank(const std::string& name, const Shape& want, const Shape& got,
                      std::size_t index, const Site& where);
// input.shape: data of shape `got` for Input `name` declared `want` (same rank); `use` says
// which layers need the declared height and width (only read for a height/width difference).
void check_input_shape(const std::string& name, const Shape& want, const Shape& got,
                       const SizeUse& use, const Site& where);
// input.dtype: data of dtype `got` (values in `range` when known) for Input `name` of `want`.
void check_input_dtype(const std::string& name, DType want, const Shape& want_shape, DType got,
                       const Shape& got_shape, const ValueRange& range, const Site& where);
// input.dtype: a layer computing in float32 receives integer data (`range` when known).
void check_layer_float(DType got, const ValueRange& range, const Site& layer, Phase phase);

// ---- input.range (a warning, at the start of fit) ----

// The values an Input's data reach its first layer with: beyond kRangeLarge in magnitude, or
// (after a Rescaling) all below kRangeSmall, they are far from the range a model is built for.
// 50 leaves room for the outliers of standardised data (and small counts) while catching
// 0..255 pixels and raw measurements.
inline constexpr double kRangeLarge = 50.0;
inline constexpr double kRangeSmall = 0.05;
// What fit found for one Input: the batch's finite values, and the Rescaling that first
// receives them (empty `rescaling` when none does: the first layer computes on them as is).
struct RangeFacts {
  std::string input;  // the Input's name
  DType dtype = DType::f32;
  bool image = false;  // (batch, height, width, channels)
  double lo = 0, hi = 0;
  std::string rescaling;  // "'rescaling' (Rescaling)"
  double scale = 1.0, offset = 0.0;
  std::string first_layer;  // "'conv2d' (Conv2D)": the layer that computes on them
};
// input.range: the data of `f` against the range its model was built for. Does nothing when
// they fit or `mode` is off; else prints the warning once to stderr or raises it.
void check_input_range(const RangeFacts& f, WarningMode mode, const Site& where);

}  // namespace tenet::checks

// ---- batch.mismatch between a model's arrays (input_checks.cpp) ----
namespace tenet::checks {

// The arrays given to fit, evaluate or predict: the model's Inputs (names and declared shapes,
// in order) and the shapes of the arrays given for them.
struct SampleArrays {
  std::vector<std::string> names;
  std::vector<Shape> declared;
  std::vector<Shape> inputs;
};
// batch.mismatch: every input array, and the labels (`labels` null: none), hold one entry per
// sample. The note about resizing is made only when the model has an image Input.
void check_sample_counts(const SampleArrays& arrays, const Shape* labels, const Site& where);
// batch.mismatch: `labels` ("ConfusionMatrixLogger's y", of shape `y`) give one label per
// sample of `inputs` ("its x[0]", of shape `x`), so both count the same samples on axis 0.
void check_label_samples(const std::string& labels, const Shape& y, const std::string& inputs,
                         const Shape& x, const Site& where);

}  // namespace tenet::checks
