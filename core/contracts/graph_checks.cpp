// model.graph: the contracts of a model's graph (its inputs, outputs and layer names) and of a
// Sequential's elements.
#include "core/contracts/graph_checks.hpp"

namespace tenet::checks {

void input_listed_twice(const std::string& name, const std::string& inputs, const Site& model) {
  Violation("model.graph", Phase::build, model)
      .summary("the Input '" + name + "' is listed twice in the model's inputs")
      .expected("each Input listed once")
      .actual("inputs: " + inputs)
      .cause("a model takes one array per listed input; '" + name + "' listed twice would be fed "
             "two arrays and could use only one of them")
      .fix("list each Input once, or create a second Input({...}) for the second array")
      .raise();
}

void input_not_listed(const std::vector<std::string>& listed, const std::string& inputs,
                      const std::string& missing, const std::string& missing_inputs,
                      const Site& model) {
  std::string all;
  for (const auto& n : listed) all += n + ", ";
  Violation("model.graph", Phase::build, model)
      .summary("an output depends on an Input that is not listed in the model's inputs")
      .expected("inputs: " + inputs)
      .actual("also needed: " + missing_inputs)
      .cause("the outputs are computed from " + missing + ", so the model could not be fed "
             "without it")
      .fix("list it: Model({" + all + missing + "}, outputs)")
      .raise();
}

void input_unused(const std::string& name, const Shape& shape, const Site& model) {
  Violation("model.graph", Phase::build, model)
      .summary("the Input '" + name + "' is listed but no output depends on it")
      .expected("every listed Input feeds an output")
      .actual("unused: " + name + " " + shape.str())
      .cause("no output is computed from " + name + ": its branch, if any, never joins the "
             "branches that reach the outputs")
      .fix("join its branch into the outputs (e.g. Concatenate()({a, b})) or drop it from the "
           "inputs")
      .raise();
}

void duplicate_layer_name(const std::string& name, const std::string& first_type,
                          const std::string& second_type, const Site& model) {
  Violation("model.graph", Phase::build, model)
      .summary("two different layers are named '" + name + "'")
      .expected("unique layer names")
      .actual("'" + name + "' used by a " + first_type + " and a " + second_type)
      .cause("layer names identify weights in summaries, errors and checkpoints, so the two "
             "layers' weights could not be told apart")
      .fix("give one of them another name, or leave names empty for automatic ones")
      .raise();
}

void no_outputs(const Site& model) {
  Violation("model.graph", Phase::build, model)
      .summary("a model needs at least one output")
      .expected("one or more outputs")
      .actual("none")
      .cause("the list of outputs given to Model is empty")
      .fix("pass the tensor the last layer returns: Model(inputs, outputs)")
      .raise();
}

void sequential_start(bool empty, const Site& where) {
  Violation("model.graph", Phase::build, where)
      .summary("a Sequential model starts with its Input")
      .expected("Sequential({Input({...}), layer, ...})")
      .actual(empty ? "no elements" : "a layer first")
      .cause(empty ? "the Sequential was given no elements"
                   : "the first element is a layer, so the model has no declared input shape")
      .fix("put Input(shape) first, e.g. Input({28, 28, 1})")
      .raise();
}

void sequential_input_inside(std::size_t i, const Site& where) {
  Violation("model.graph", Phase::build, where)
      .summary("only the first element of a Sequential may be an Input")
      .expected("a layer at position " + std::to_string(i))
      .actual("an Input")
      .cause("a Sequential feeds each element the previous one's output, so an Input at position " +
             std::to_string(i) + " would receive nothing")
      .fix("use the functional Model for several inputs")
      .raise();
}

void no_layer_named(const std::string& name, const std::vector<std::string>& names,
                    const Site& model) {
  std::string all, close;
  for (const auto& n : names) {
    all += (all.empty() ? "" : ", ") + n;
    if (close.empty() && (n.find(name) != std::string::npos || name.find(n) != std::string::npos))
      close = n;
  }
  Violation("model.graph", Phase::run, model)
      .summary("no layer named '" + name + "'")
      .expected("one of: " + all)
      .actual("'" + name + "'")
      .cause(close.empty() ? "no layer of this model has that name or a name containing it"
                           : "the closest name is '" + close + "'")
      .fix(close.empty() ? "use one of the listed names (model.summary() shows them)"
                         : "use '" + close + "', or name the layer when creating it (.name = \"" +
                               name + "\")")
      .raise();
}

}  // namespace tenet::checks
