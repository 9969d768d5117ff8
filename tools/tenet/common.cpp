// What the subcommands share (loading and compiling a model file, the first samples of arrays),
// and the two that need no data: summary and diagram.
#include <filesystem>
#include <ostream>

#include "core/training/model_state.hpp"
#include "core/base/atomic_file.hpp"
#include "core/contracts/checks.hpp"
#include "tools/tenet/commands.hpp"
#include "tools/tenet/diagram.hpp"

namespace tenet::cli {

namespace {

Loss loss_named(const std::string& name, bool from_logits) {
  if (name == "sparse_categorical_crossentropy") return SparseCategoricalCrossentropy({.from_logits = from_logits});
  if (name == "categorical_crossentropy") return CategoricalCrossentropy({.from_logits = from_logits});
  if (name == "mean_squared_error" || name == "mse") return MeanSquaredError();
  throw UsageError("--loss " + name + ": not a loss tenet has (sparse_categorical_crossentropy, "
                   "categorical_crossentropy, mean_squared_error)");
}

// The layers that built, one per line, for a model that does not build.
void print_built(const keras::PartialBuild& b, std::ostream& out) {
  out << "layers as far as they build:\n";
  for (const auto& l : b.layers) {
    if (!l.output_shape && l.name != b.failing_layer) continue;
    out << "  " << l.name << " (" << l.class_name << ") "
        << (l.output_shape ? l.output_shape->str() : std::string("<- fails here")) << "\n";
  }
}

}  // namespace

Model load_compiled(const RunArgs& args, std::string& note) {
  Model m = keras::load_model(args.model);
  if (model_state(m)->is_compiled) {
    note = "loss " + model_state(m)->compiled.loss.impl()->name() + " (from the model file)";
    if (!args.loss.empty()) note += "; --loss " + args.loss + " is not used";
  } else if (!args.loss.empty()) {
    CompileOptions c;
    c.optimizer = SGD();
    c.loss = loss_named(args.loss, args.from_logits);
    m.compile(std::move(c));
    note = "loss " + args.loss + (args.from_logits ? " from logits" : "") + " (from --loss)";
  } else {
    note = "no loss (the file has no compile config; give --loss to check the labels)";
  }
  return m;
}

std::vector<Tensor> first_samples(const std::vector<Tensor>& xs, std::int64_t n) {
  std::vector<Tensor> out;
  for (const auto& x : xs) out.push_back(x.rank() > 0 && x.dim(0) > n ? slice(x, 0, 0, n) : x);
  return out;
}

void check_inputs_found(const Model& m, const LoadedData& d) {
  if (d.missing.empty()) return;
  std::string listing, given, looked;
  for (std::size_t i = 0; i < m.inputs().size(); ++i)
    listing += (i ? ", " : "") + m.inputs()[i].name() + " " + m.inputs()[i].shape().str();
  for (const auto& s : d.x_source) given += (given.empty() ? "" : "; ") + s;
  for (std::size_t i = 0; i < d.missing.size(); ++i)
    looked += (i ? "; " : "") + std::string("for ") + d.missing[i] + ": " + d.searched[i];
  std::string fix, names;
  for (const auto& in : d.missing) names += (names.empty() ? "" : ", ") + in;
  for (const auto& in : d.missing) fix += (fix.empty() ? "" : " ") + std::string("--x ") + in + "=NAME";
  checks::Violation("input.count", Phase::run, Site(m.name(), "Model"))
      .summary("DATA holds no array for " + names + ": the model has " +
               std::to_string(m.inputs().size()) + " input(s), DATA gives " +
               std::to_string(d.x_source.size()))
      .expected("an array for each Input: " + listing)
      .actual(given.empty() ? "no array for any Input" : given)
      .cause("DATA has no array under the names looked for (" + looked + "); it holds: " + d.held)
      .fix("name the array of each missing Input: " + fix)
      .raise();
}

std::vector<std::string> input_names(const Model& m) {
  std::vector<std::string> names;
  for (const auto& in : m.inputs()) names.push_back(in.name());
  return names;
}

int summary(const std::string& model, std::ostream& out) {
  const auto build = keras::build_partial(model);
  if (build.failure) {
    print_built(build, out);
    out << "\n" << without_sites(*build.failure).what();
    return 1;
  }
  out << build.model->summary_text();
  return 0;
}

std::string diagram_format(const std::string& path) {
  const auto dot = path.rfind('.');
  const std::string ext = dot == std::string::npos ? "" : path.substr(dot);
  return ext == ".svg" || ext == ".dot" ? ext : "";
}

ContractError without_sites(const ContractError& e) {
  ContractInfo info = e.info();
  info.where.file.clear(), info.where.line = 0;
  info.where.call_file.clear(), info.where.call_line = 0, info.where.call_what.clear();
  return ContractError(info);
}

int diagram(const std::string& model, const std::string& output, std::ostream& out) {
  std::error_code ec;  // the same file under another name (a link): writing would replace it
  if (std::filesystem::equivalent(output, model, ec))
    throw UsageError("-o " + output + ": it is the model file " + model + " itself (a link to "
                     "it); the diagram would replace the model. Give another output path");
  if (std::filesystem::is_directory(output, ec))
    throw UsageError("-o " + output + ": it is a directory; give a file name ending in .svg or "
                     ".dot, e.g. " + (std::filesystem::path(output) / "model.svg").string());
  const auto build = keras::build_partial(model);
  const std::string ext = diagram_format(output);
  const Diagram d = diagram_of(build, build.model ? build.model->name() : std::filesystem::path(model).stem().string());
  files::write_file_atomically(output, "tenet diagram", ext == ".svg" ? diagram_svg(d) : diagram_dot(d));
  out << "wrote " << output << ": " << d.nodes.size() << " layers, " << d.edges.size() << " connections\n";
  if (!build.failure) return 0;
  out << "the model does not build: layer '" << build.failing_layer << "' is drawn in red with the "
      << "shapes reaching it\n\n" << without_sites(*build.failure).what();
  return 1;
}

}  // namespace tenet::cli
