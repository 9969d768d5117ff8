// tenet trace: one batch through the model (Model::trace), printed as a table with a note where
// a row shows a classic problem (a dead ReLU, a vanishing gradient, unscaled inputs).
#include <cmath>
#include <cstdio>
#include <ostream>

#include "core/base/text_escape.hpp"
#include "core/training/model_state.hpp"
#include "tools/tenet/commands.hpp"

namespace tenet::cli {

namespace {

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

// `nan_above`: a row before this one held NaN/Inf (its zeros may be those values after a ReLU).
std::string note_for(const TraceRow& r, bool input, bool nan_above) {
  if (r.nonfinite > 0)  // first: the other statistics leave these values out
    return num(static_cast<double>(r.nonfinite)) + " NaN/Inf values" +
           (input ? " in the data" : "") + " (left out of mean, std, min and max)";
  if (input && r.max - r.min > 10)
    return "values span " + num(r.min) + ".." + num(r.max) + ": unscaled inputs? (Rescaling(1/255))";
  if (!input && nan_above && r.zero_fraction >= 0.99)
    return num(100 * r.zero_fraction) + "% zeros: the NaN/Inf above, made 0 (a ReLU does)?";
  if (!input && r.zero_fraction >= 0.99) return "dead: " + num(100 * r.zero_fraction) + "% zeros";
  if (r.grad_norm && *r.grad_norm < 1e-6) return "vanishing gradient";
  return "";
}

std::string pad(const std::string& s, std::size_t w) { return s.size() >= w ? s : s + std::string(w - s.size(), ' '); }

}  // namespace

std::string trace_table(const ModelTrace& t) {
  std::vector<std::vector<std::string>> rows = {
      {"layer (type)", "output shape", "dtype", "mean", "std", "min", "max", "zeros", "grad norm", "note"}};
  bool nan_above = false;
  for (const auto& r : t.rows) {
    rows.push_back({text::shortened(r.layer, 40) + " (" + r.type + ")", r.shape.str(), dtype_name(r.dtype),
                    num(r.mean), num(r.std), num(r.min), num(r.max), num(100 * r.zero_fraction) + "%",
                    r.grad_norm ? num(*r.grad_norm) : "-",
                    note_for(r, r.type == "InputLayer", nan_above)});
    nan_above = nan_above || r.nonfinite > 0;
  }
  std::vector<std::size_t> w(rows[0].size(), 0);
  for (const auto& row : rows)
    for (std::size_t c = 0; c < row.size(); ++c) w[c] = std::max(w[c], row[c].size());
  std::string out;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    std::string line;
    for (std::size_t c = 0; c < rows[i].size(); ++c) line += pad(rows[i][c], w[c]) + (c + 1 < rows[i].size() ? "  " : "");
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
    if (i == 0) out += std::string(line.size(), '-') + "\n";
  }
  return out;
}

int trace(const RunArgs& args, std::ostream& out) {
  std::string note;
  Model m = load_compiled(args, note);
  const LoadedData d = load_data(args.data, input_names(m));
  check_inputs_found(m, d);
  const auto xb = first_samples(d.x, args.batch);
  const bool labels = d.y.defined() && model_state(m)->is_compiled;
  const ModelTrace t = m.trace(xb, labels ? first_samples({d.y}, args.batch)[0] : Tensor());
  out << "model: " << m.name() << " from " << args.model << ", " << note << "\n"
      << "one batch of " << (xb.empty() ? 0 : xb[0].dim(0)) << " samples from " << args.data.path
      << (labels ? ", training mode (loss " + num(*t.loss) + ")" : ", inference mode (no labels or no loss: no gradients)")
      << "\n\n" << trace_table(t);
  for (const auto& row : t.rows)  // NaN or Inf in the data: a problem with it, as for explain
    if (row.type == "InputLayer" && row.nonfinite > 0) {
      out << "\nthe data holds NaN/Inf (see the note of " << row.layer << "): every output "
          << "computed from those samples is NaN; drop or repair them before training\n";
      return 1;
    }
  return 0;
}

}  // namespace tenet::cli
