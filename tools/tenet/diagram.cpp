// The model diagram as Graphviz DOT or as SVG laid out here (rows by depth, no Graphviz needed).
#include "tools/tenet/diagram.hpp"

#include <algorithm>
#include <map>
#include <sstream>

#include "core/base/text_escape.hpp"

namespace tenet::cli {

namespace {

constexpr const char* kRed = "#d62728";
constexpr int kRowHeight = 110, kBoxHeight = 48, kGap = 40, kCharWidth = 7, kMargin = 30;

std::string failure_note(const ContractError& e) {
  return e.code() + ": expected " + e.expected() + ", received " + e.actual();
}

}  // namespace

Diagram diagram_of(const keras::PartialBuild& build, const std::string& title) {
  Diagram d{title, {}, {}};
  std::map<std::string, std::size_t> index;
  for (const auto& l : build.layers) {
    const bool failed = build.failure && l.name == build.failing_layer;
    if (!l.output_shape && !failed) continue;  // after the failure: not built, not drawn
    index[l.name] = d.nodes.size();
    d.nodes.push_back({l.name, l.class_name, l.output_shape ? l.output_shape->str() : "",
                       failed, failed ? failure_note(*build.failure) : ""});
    for (const auto& from : l.inbound) {
      auto it = index.find(from);
      if (it == index.end()) continue;
      d.edges.push_back({it->second, d.nodes.size() - 1, d.nodes[it->second].shape, failed});
    }
  }
  return d;
}

std::string diagram_dot(const Diagram& d) {
  std::ostringstream o;
  o << "digraph \"" << text::dot(d.title) << "\" {\n"
    << "  graph [rankdir=TB, fontname=\"Helvetica\", label=\"" << text::dot(d.title)
    << "\", labelloc=t];\n  node [shape=record, style=\"rounded,filled\", fillcolor=\"#eef3fb\", "
       "fontname=\"Helvetica\", fontsize=11];\n  edge [fontname=\"Helvetica\", fontsize=10];\n";
  for (std::size_t i = 0; i < d.nodes.size(); ++i) {
    const auto& n = d.nodes[i];
    o << "  n" << i << " [label=\"{" << text::dot(n.name, true) << " : " << text::dot(n.type, true)
      << "|" << text::dot(n.failed ? n.note : "out: " + n.shape, true) << "}\"";
    if (n.failed) o << ", color=\"" << kRed << "\", fontcolor=\"" << kRed << "\", fillcolor=\"#fde8e8\"";
    o << "];\n";
  }
  for (const auto& e : d.edges) {
    o << "  n" << e.from << " -> n" << e.to << " [label=\" " << text::dot(e.label) << "\"";
    if (e.failed) o << ", color=\"" << kRed << "\", fontcolor=\"" << kRed << "\", penwidth=2";
    o << "];\n";
  }
  o << "}\n";
  return o.str();
}

namespace {

struct Box {
  int x = 0, y = 0, w = 0;
};

// Depth = longest path from an input; each row centred.
std::vector<Box> layout(const Diagram& d, int& width, int& height) {
  std::vector<int> depth(d.nodes.size(), 0);
  for (const auto& e : d.edges)  // edges come in build order: a source precedes its target
    depth[e.to] = std::max(depth[e.to], depth[e.from] + 1);
  std::map<int, std::vector<std::size_t>> rows;
  for (std::size_t i = 0; i < d.nodes.size(); ++i) rows[depth[i]].push_back(i);
  std::vector<Box> boxes(d.nodes.size());
  std::map<int, int> row_width;
  for (const auto& [r, members] : rows)
    for (std::size_t i : members) {
      const auto& n = d.nodes[i];
      const std::size_t chars = std::max({n.name.size() + n.type.size() + 3, n.shape.size() + 5, n.note.size()});
      boxes[i].w = static_cast<int>(chars) * kCharWidth + 20;
      row_width[r] += boxes[i].w + kGap;
    }
  width = 0;
  for (const auto& [r, w] : row_width) width = std::max(width, w);
  width += 2 * kMargin;
  for (const auto& [r, members] : rows) {
    int x = (width - row_width[r] + kGap) / 2;
    for (std::size_t i : members) {
      boxes[i].x = x;
      boxes[i].y = kMargin + 30 + r * kRowHeight;
      x += boxes[i].w + kGap;
    }
  }
  height = kMargin * 2 + 30 + static_cast<int>(rows.size()) * kRowHeight;
  return boxes;
}

}  // namespace

std::string diagram_svg(const Diagram& d) {
  int width = 0, height = 0;
  const auto boxes = layout(d, width, height);
  std::ostringstream o;
  o << "<svg xmlns='http://www.w3.org/2000/svg' width='" << width << "' height='" << height
    << "' font-family='Helvetica, Arial, sans-serif' font-size='12'>\n"
    << "<defs><marker id='arrow' viewBox='0 0 10 10' refX='10' refY='5' markerWidth='7' "
       "markerHeight='7' orient='auto'><path d='M0,0 L10,5 L0,10 z' fill='#555'/></marker>"
    << "<marker id='arrow-red' viewBox='0 0 10 10' refX='10' refY='5' markerWidth='7' "
       "markerHeight='7' orient='auto'><path d='M0,0 L10,5 L0,10 z' fill='" << kRed << "'/></marker></defs>\n"
    << "<text x='" << width / 2 << "' y='" << kMargin << "' text-anchor='middle' font-size='14'>"
    << text::xml(text::valid_utf8(d.title)) << "</text>\n";
  for (const auto& e : d.edges) {
    const Box &a = boxes[e.from], &b = boxes[e.to];
    const int x1 = a.x + a.w / 2, y1 = a.y + kBoxHeight, x2 = b.x + b.w / 2, y2 = b.y;
    const char* colour = e.failed ? kRed : "#555";
    o << "<line x1='" << x1 << "' y1='" << y1 << "' x2='" << x2 << "' y2='" << y2 << "' stroke='"
      << colour << "' stroke-width='" << (e.failed ? 2.5 : 1.2) << "' marker-end='url(#"
      << (e.failed ? "arrow-red" : "arrow") << ")'/>\n<text x='" << (x1 + x2) / 2 + 6 << "' y='"
      << (y1 + y2) / 2 + 4 << "' fill='" << colour << "' font-size='11'>"
      << text::xml(text::valid_utf8(e.label)) << "</text>\n";
  }
  for (std::size_t i = 0; i < d.nodes.size(); ++i) {
    const auto& n = d.nodes[i];
    const Box& b = boxes[i];
    o << "<rect x='" << b.x << "' y='" << b.y << "' width='" << b.w << "' height='" << kBoxHeight
      << "' rx='8' fill='" << (n.failed ? "#fde8e8" : n.type == "InputLayer" ? "#fdf1d6" : "#eef3fb")
      << "' stroke='" << (n.failed ? kRed : "#7a8ba6") << "' stroke-width='" << (n.failed ? 2 : 1) << "'/>\n"
      << "<text x='" << b.x + b.w / 2 << "' y='" << b.y + 19 << "' text-anchor='middle' font-weight='bold'"
      << (n.failed ? std::string(" fill='") + kRed + "'" : "") << ">"
      << text::xml(text::valid_utf8(n.name + " (" + n.type + ")")) << "</text>\n"
      << "<text x='" << b.x + b.w / 2 << "' y='" << b.y + 37 << "' text-anchor='middle'"
      << (n.failed ? std::string(" fill='") + kRed + "'" : "") << ">"
      << text::xml(text::valid_utf8(n.failed ? n.note : "out: " + n.shape)) << "</text>\n";
  }
  o << "</svg>\n";
  return o.str();
}

}  // namespace tenet::cli
