#pragma once
// The diagram of a model file as far as it builds: one box per layer with its output shape, an
// edge per connection labelled with the shape it carries. When a layer does not build, the
// diagram ends there: the failing layer is drawn in red, and so are the edges into it, each
// with the shape it brings, beside the shapes the layer expected and received.
#include <string>
#include <vector>

#include <tenet/data/keras.hpp>

namespace tenet::cli {

struct DiagramNode {
  std::string name, type, shape;  // shape empty for the failing layer
  bool failed = false;
  std::string note;               // the failure: code, expected and actual
};
struct DiagramEdge {
  std::size_t from = 0, to = 0;
  std::string label;
  bool failed = false;
};
struct Diagram {
  std::string title;
  std::vector<DiagramNode> nodes;
  std::vector<DiagramEdge> edges;
};

Diagram diagram_of(const keras::PartialBuild& build, const std::string& title);
std::string diagram_dot(const Diagram& d);
// A self-contained SVG: layers in rows by their depth from the inputs.
std::string diagram_svg(const Diagram& d);

}  // namespace tenet::cli
