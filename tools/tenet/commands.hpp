#pragma once
// The subcommands of the tenet program. Each returns the exit status: 0 when all is well, 1 when
// the model or the data has problems (printed in tenet's format). Usage mistakes found late
// (UsageError) are the caller's to turn into status 2.
#include <cstdint>
#include <iosfwd>
#include <string>

#include <tenet/tenet.hpp>

#include "tools/tenet/data_files.hpp"

namespace tenet::cli {

struct RunArgs {
  std::string model;
  DataArgs data;
  std::string loss;          // used when the model file has no compile config
  bool from_logits = false;  // for --loss
  std::int64_t batch = 32;
};

int explain(const RunArgs& args, std::ostream& out);
int trace(const RunArgs& args, std::ostream& out);
int summary(const std::string& model, std::ostream& out);
int diagram(const std::string& model, const std::string& output, std::ostream& out);
// The table `tenet trace` prints.
std::string trace_table(const ModelTrace& t);

// The model of a file, compiled with its own loss, or with --loss when the file has none.
// `note` receives what was used ("loss sparse_categorical_crossentropy (from the file)").
Model load_compiled(const RunArgs& args, std::string& note);
// The first `n` samples of every array (all when fewer).
std::vector<Tensor> first_samples(const std::vector<Tensor>& xs, std::int64_t n);
// input.count naming the Inputs DATA gives no array for, the names looked for and what DATA
// holds (the model's own check goes by position and would blame the last Input).
void check_inputs_found(const Model& m, const LoadedData& d);
// ".svg" or ".dot" when `path` ends in it (".svg" alone counts: a hidden file), else "".
std::string diagram_format(const std::string& path);
// The error as the user of a file sees it: without lines inside tenet or this program, which
// they did not write (the layer and file are still named).
ContractError without_sites(const ContractError& e);
// The model's input names, in order.
std::vector<std::string> input_names(const Model& m);

}  // namespace tenet::cli
