// tenet explain: builds the model, checks every input, the batch sizes and the labels against
// the loss each on its own (so independent problems are all reported in one run), then runs
// one training step and one predict; the warnings fit would print at its start (input.range)
// are listed beside the problems.
#include <functional>
#include <ostream>

#include "core/tensor/numerics.hpp"
#include "core/training/model_state.hpp"
#include "tools/tenet/commands.hpp"

namespace tenet::cli {

namespace {

// Collects contract errors, each once (two checks may meet the same problem).
struct Problems {
  std::vector<ContractError> list;
  bool attempt(const std::function<void()>& f) {
    try {
      f();
      return true;
    } catch (const ContractError& raised) {
      // The user wrote no C++ here: lines inside tenet's reader or this program would only
      // mislead, so the message names the layer alone (and two checks meeting the same
      // problem report it once).
      const ContractError e = without_sites(raised);
      for (const auto& p : list)
        if (std::string(p.what()) == e.what()) return false;
      list.push_back(e);
      return false;
    }
  }
};

// A stand-in array that passes every check of `in`, with `n` samples.
Tensor stand_in(const SymbolicTensor& in, std::int64_t n) {
  std::vector<std::int64_t> dims(in.shape().begin(), in.shape().end());
  dims[0] = n;
  for (auto& d : dims) d = d == kUnknown ? 1 : d;
  return Tensor::zeros(Shape(dims), in.dtype());
}

std::vector<Tensor> stand_ins(const Model& m, std::int64_t n) {
  std::vector<Tensor> xs;
  for (const auto& in : m.inputs()) xs.push_back(stand_in(in, n));
  return xs;
}

std::int64_t samples(const Tensor& t) { return t.rank() > 0 ? t.dim(0) : 1; }

// Each check sees the real array under test and stand-ins for the rest.
// numerics.nonfinite for an input array holding NaN/Inf: predict would return NaN for those
// samples without a word, and fit would stop at its first step.
void check_finite(const Model& m, const LoadedData& d, Problems& p) {
  for (std::size_t i = 0; i < d.x.size(); ++i) {
    if (!d.x[i].defined() || numerics::all_finite(d.x[i])) continue;
    const std::string& in = m.inputs()[i].name();
    p.attempt([&] {
      numerics::raise(Site(in, "InputLayer"), "the data for Input '" + in + "'", d.x[i],
                      "DATA holds NaN or Inf in this array; every output computed from those "
                      "samples is NaN (a ReLU may turn it into 0 and hide it), and a training "
                      "step would carry it into the weights",
                      "drop or repair those samples (numpy: keep = np.isfinite(x).reshape("
                      "len(x), -1).all(1); x, y = x[keep], y[keep])");
    });
  }
}

void check_data(const Model& m, const LoadedData& d, Problems& p) {
  p.attempt([&] { check_inputs_found(m, d); });
  check_finite(m, d, p);
  for (std::size_t i = 0; i < d.x.size(); ++i) {
    if (!d.x[i].defined()) continue;
    auto xs = stand_ins(m, samples(d.x[i]));
    xs[i] = d.x[i];
    p.attempt([&] { m.check_data(xs, nullptr); });
  }
  const bool all_found = d.missing.empty();
  if (all_found && d.x.size() > 1) {  // the inputs' sample counts
    std::vector<Tensor> xs;
    for (std::size_t i = 0; i < d.x.size(); ++i) xs.push_back(stand_in(m.inputs()[i], samples(d.x[i])));
    p.attempt([&] { m.check_data(xs, nullptr); });
  }
  if (!d.y.defined() || !model_state(m)->is_compiled) return;
  if (all_found)  // labels against the first input's sample count
    p.attempt([&] { m.check_data(stand_ins(m, samples(d.x[0])), &d.y); });
  p.attempt([&] { m.check_data(stand_ins(m, samples(d.y)), &d.y); });  // against the loss
}

// Warnings fit would print at its start (input.range: values far from the range the model was
// built for), each Input's real data beside stand-ins for the others: listed, not counted as
// problems, since fit trains anyway.
void check_warnings(const Model& m, const LoadedData& d, Problems& w) {
  for (std::size_t i = 0; i < d.x.size(); ++i) {
    if (!d.x[i].defined()) continue;
    auto xs = stand_ins(m, samples(d.x[i]));
    xs[i] = d.x[i];
    w.attempt([&] { check_input_ranges(*model_state(m), xs, WarningMode::raise); });
  }
}

// One training step and one predict on the first batch of samples.
void run_step(Model& m, const LoadedData& d, std::int64_t batch, Problems& p, std::ostream& out) {
  const auto xb = first_samples(d.x, batch);
  const std::int64_t n = xb[0].dim(0);
  if (d.y.defined() && model_state(m)->is_compiled) {
    const Tensor yb = first_samples({d.y}, batch)[0];
    FitOptions one_step;
    one_step.batch_size = batch;
    one_step.shuffle = false;
    one_step.verbose = 0;
    one_step.check_numerics = true;
    one_step.warnings = WarningMode::off;  // explain lists them itself (check_warnings)
    History h;
    if (p.attempt([&] { h = m.fit(xb, yb, one_step); }))
      out << "one training step on " << n << " samples: loss " << h["loss"].back()
          << " (the model file is not changed)\n";
  } else {
    out << "no training step: " << (d.y.defined() ? "the model has no loss (give --loss)"
                                                   : "DATA holds no labels (name them with --y)") << "\n";
  }
  std::vector<Tensor> outs;
  if (p.attempt([&] { outs = m.predict_outputs(xb, {.batch_size = batch}); }))
    for (const auto& o : outs)
      out << "predict on " << n << " samples: output " << o.shape().str() << " " << dtype_name(o.dtype()) << "\n";
}

void print_problems(const Problems& p, std::ostream& out, const char* kind = "problem") {
  for (std::size_t i = 0; i < p.list.size(); ++i)
    out << "\n--- " << kind << " " << i + 1 << " of " << p.list.size() << " ---\n" << p.list[i].what();
}

std::string warnings_note(const Problems& w) {
  if (w.list.empty()) return "";
  return "; " + std::to_string(w.list.size()) + (w.list.size() == 1 ? " warning" : " warnings") +
         " (fit trains anyway)";
}

}  // namespace

int explain(const RunArgs& args, std::ostream& out) {
  auto build = keras::build_partial(args.model);
  if (build.failure) {
    out << "model " << args.model << " does not build: layer '" << build.failing_layer
        << "' fails (the data was not checked: it needs a model)\n";
    out << "\n--- problem 1 of 1 ---\n" << without_sites(*build.failure).what();
    return 1;
  }
  std::string note;
  Model m = load_compiled(args, note);
  out << "model: " << m.name() << " from " << args.model << " (" << m.inputs().size()
      << " input(s), " << m.layers().size() << " layers), " << note << "\n";
  const LoadedData d = load_data(args.data, input_names(m));
  out << "data: " << args.data.path << "\n";
  for (const auto& s : d.x_source) out << "  " << s << "\n";
  for (const auto& s : d.missing) out << "  " << s << " <- nothing (no array found; name it with --x " << s << "=NAME)\n";
  if (d.y.defined()) out << "  " << d.y_source << "\n";
  Problems p, w;
  check_data(m, d, p);
  const bool data_ok = p.list.empty();
  if (data_ok) {
    out << "checks: inputs, dtypes, batch sizes" << (d.y.defined() && model_state(m)->is_compiled ? ", labels against the loss" : "")
        << ": all pass\n";
    check_warnings(m, d, w);
    run_step(m, d, args.batch, p, out);
  }
  print_problems(w, out, "warning");
  print_problems(p, out);
  if (p.list.empty()) {
    out << (w.list.empty() ? "" : "\n") << "no problems found" << warnings_note(w) << "\n";
    return 0;
  }
  out << "\n" << p.list.size() << (p.list.size() == 1 ? " problem" : " problems") << " found"
      << warnings_note(w)
      << (data_ok ? "" : "; no training step or predict was run: they need data that passes the checks")
      << "\n";
  return 1;
}

}  // namespace tenet::cli
