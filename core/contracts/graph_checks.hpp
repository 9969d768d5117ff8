#pragma once
// model.graph (internal: Model and Sequential call these); each message is written here once.
#include <string>
#include <vector>

#include <tenet/core/contracts/checks.hpp>

namespace tenet::checks {

// `inputs` lists the model's inputs as "name (None, 4), ...".
[[noreturn]] void input_listed_twice(const std::string& name, const std::string& inputs,
                                     const Site& model);
// An output needs Input `missing`, which `listed` (the listed Inputs' names) lacks.
[[noreturn]] void input_not_listed(const std::vector<std::string>& listed,
                                   const std::string& inputs, const std::string& missing,
                                   const std::string& missing_inputs, const Site& model);
[[noreturn]] void input_unused(const std::string& name, const Shape& shape, const Site& model);
[[noreturn]] void duplicate_layer_name(const std::string& name, const std::string& first_type,
                                       const std::string& second_type, const Site& model);
[[noreturn]] void no_outputs(const Site& model);
// A Sequential that does not start with an Input (`empty`: no elements at all).
[[noreturn]] void sequential_start(bool empty, const Site& where);
// A Sequential with an Input at position `i` > 0.
[[noreturn]] void sequential_input_inside(std::size_t i, const Site& where);
// get_layer(name) with no such layer among `names`.
[[noreturn]] void no_layer_named(const std::string& name, const std::vector<std::string>& names,
                                 const Site& model);

}  // namespace tenet::checks
