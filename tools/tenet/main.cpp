// tenet: explain a Keras model and its data without writing C++ (docs/cli.md).
//   tenet explain MODEL --data DATA     every contract error of the model with this data
//   tenet trace MODEL --data DATA       per-layer statistics of one batch
//   tenet summary MODEL                 the summary table
//   tenet diagram MODEL -o FILE.svg     the diagram (.svg or .dot)
// Exit status: 0 all is well, 1 the model or the data has problems, 2 bad usage.
#include <CLI/CLI.hpp>

#include <charconv>
#include <cstdint>
#include <iostream>
#include <new>
#include <string>

#include "core/base/user_call.hpp"
#include "tools/tenet/commands.hpp"

namespace {

using tenet::cli::RunArgs;

// An empty array name (often an unset shell variable: --x image=$NAME) would silently fall
// back to the default names, so it is refused as bad usage.
std::string empty_name(const std::string& s) {
  if (s.empty() || s.front() == '=' || s.back() == '=')
    return "'" + s + "' has an empty name (an unset shell variable?): give INPUT=NAME or NAME";
  return "";
}

// A whole number from 1 to 2^63 - 1, digits only (CLI::PositiveNumber printed its range as 0 to
// a 309-digit number, and a value beyond int64 was taken silently).
std::string batch_size(const std::string& s) {
  std::int64_t n = 0;
  const auto [end, err] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || s[0] == '-' || err != std::errc() || end != s.data() + s.size() || n < 1)
    return "'" + s + "' is not a whole number of samples from 1 to 9223372036854775807";
  return "";
}

void add_data_options(CLI::App* cmd, RunArgs& a) {
  const CLI::Validator named([](std::string& s) { return empty_name(s); }, "NAME");
  cmd->add_option("MODEL", a.model, "a Keras model: .keras archive or Keras JSON (model.to_json())")
      ->required()->check(CLI::ExistingFile);
  cmd->add_option("--data", a.data.path, "HDF5 (.h5), NumPy .npz or .npy file with the samples")
      ->required()->check(CLI::ExistingFile);
  cmd->add_option("--x", a.data.x, "INPUT=NAME: the array for a model input (an HDF5 dataset such as "
                  "/train/x, an .npz array, or a .npy file); repeat per input; NAME alone takes the "
                  "inputs in order")->check(named);
  cmd->add_option("--y", a.data.y, "NAME: the labels (default: y, labels or targets)")->check(named);
  cmd->add_option("--loss", a.loss, "the loss when the model file has no compile config")
      ->check(CLI::IsMember({"sparse_categorical_crossentropy", "categorical_crossentropy",
                             "mean_squared_error", "mse"}));
  cmd->add_flag("--from-logits", a.from_logits, "with --loss: the model outputs logits");
  cmd->add_option("--batch", a.batch, "samples in the batch that is run")->capture_default_str()
      ->check(CLI::Validator(batch_size, "N >= 1"));
}

}  // namespace

int main(int argc, char** argv) {
  // Its user holds a Keras model and NumPy arrays: fixes show Python (NumPy / Keras) code.
  tenet::set_audience(tenet::Audience::python);
  CLI::App app{"tenet: explains a Keras model and its data: shape, dtype, batch and label "
               "mistakes, one batch traced layer by layer, the summary and the diagram"};
  app.require_subcommand(1);
  RunArgs explain_args, trace_args;
  std::string model, output;
  auto* explain = app.add_subcommand("explain", "build the model, check the data against it, run "
                                     "one training step and one predict; print every contract error");
  add_data_options(explain, explain_args);
  auto* trace = app.add_subcommand("trace", "run one batch and print per layer the output's shape, "
                                   "dtype, mean, std, min, max, zeros and the gradient norm");
  add_data_options(trace, trace_args);
  auto* summary = app.add_subcommand("summary", "print the model's summary table");
  summary->add_option("MODEL", model, "a .keras archive or Keras JSON")->required()->check(CLI::ExistingFile);
  auto* diagram = app.add_subcommand("diagram", "draw the model (as far as it builds) as SVG or DOT");
  diagram->add_option("MODEL", model, "a .keras archive or Keras JSON")->required()->check(CLI::ExistingFile);
  diagram->add_option("-o,--output", output, "FILE.svg or FILE.dot")->required()
      ->check([](const std::string& s) {
        return tenet::cli::diagram_format(s).empty() ? "the output must end in .svg or .dot" : std::string();
      });
  const std::string first = argc > 1 ? argv[1] : "";
  if (!first.empty() && first[0] != '-' && first != "explain" && first != "trace" &&
      first != "summary" && first != "diagram") {
    std::cerr << "tenet: unknown command '" << argv[1] << "'; the commands are explain, trace, "
              << "summary and diagram\nRun with --help for more information.\n";
    return 2;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  try {
    if (*explain) return tenet::cli::explain(explain_args, std::cout);
    if (*trace) return tenet::cli::trace(trace_args, std::cout);
    if (*summary) return tenet::cli::summary(model, std::cout);
    return tenet::cli::diagram(model, output, std::cout);
  } catch (const tenet::cli::UsageError& e) {
    std::cerr << "tenet: " << e.what() << "\nRun with --help for more information.\n";
    return 2;
  } catch (const tenet::ContractError& e) {
    std::cout << tenet::cli::without_sites(e).what();
    return 1;
  } catch (const tenet::Error& e) {
    std::cout << e.what() << "\n";
    return 1;
  } catch (const std::bad_alloc&) {  // a file whose arrays do not fit in memory
    std::cout << "tenet: out of memory: the model or the data does not fit in this machine's "
                 "memory; use a smaller file, or a machine with more memory\n";
    return 1;
  }
}
