#pragma once
// checkpoint.mismatch (internal: Layer::set_weights and the weights loader call these). Each
// message is written here once (checkpoint_checks.cpp).
#include <string>
#include <vector>

#include <tenet/core/contracts/checks.hpp>

namespace tenet::checks {

// set_weights of a layer holding the variables `names` (of `shapes`) was given `given` values;
// `built` says whether the layer has been called (an unbuilt layer holds none yet).
void check_weight_count(const std::vector<std::string>& names, const std::vector<Shape>& shapes,
                        std::size_t given, bool built, const Site& layer);
// set_weights: variable `i` (`name`) of the layer is `want` (`want_dtype`); the value given
// is `got` (`got_dtype`).
void check_weight_fits(std::size_t i, const std::string& name, const Shape& want,
                       DType want_dtype, const Shape& got, DType got_dtype, const Site& layer);
// The negative values of a variable that can never hold one (LayerImpl::variable_nonnegative).
struct NegativeValues {
  std::int64_t count = 0;   // how many values are negative
  std::int64_t first = -1;  // row-major flat index of the first
  double value = 0;         // its value
  std::int64_t total = 0;   // the variable's values
  double tolerance = 0;     // counted: values below -tolerance (LayerImpl::negative_tolerance)
};
// options.invalid: set_weights was given (`saving` false), or save_weights would write to
// `path` (`saving` true), `found` negative values in variable `name` (of `shape`) of `layer`,
// whose variables are, in order, `order` ("gamma, beta, moving_mean, moving_variance").
// `facts` are the layer's: a normalising layer divides by sqrt(variance + epsilon).
struct NegativeWeight {
  bool saving = false;
  std::string path, name, order;
  Shape shape;
  NegativeValues found;
};
[[noreturn]] void negative_weight(const NegativeWeight& w, const LayerFacts& facts,
                                  const Site& layer);

// A weights file that does not fit the model: `differences` lists each place they differ.
struct WeightsFileFacts {
  std::string path, model;
  std::size_t model_layers = 0, file_layers = 0;
  std::vector<std::string> differences;
};
[[noreturn]] void weights_file_mismatch(const WeightsFileFacts& facts, const Site& model);

// options.invalid: a weights file named as another format's file. `option` ("save_weights
// path", "ModelCheckpoint filepath") holds `path`, whose extension (.keras, .json, any case) is
// a whole model's (keras::save_model): Keras 3 refuses it too, and a .weights.h5 written under
// that name is refused by keras::load_model and by Keras. Other names (.weights.h5, .h5) pass.
void check_weights_path(const std::string& option, const std::string& path, const Site& where,
                        Phase phase);

}  // namespace tenet::checks
