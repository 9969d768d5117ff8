#include <tenet/data/report.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>

#include <tenet/core/contracts/checks.hpp>
#include "core/contracts/label_checks.hpp"
#include "core/contracts/op_checks.hpp"
#include "core/contracts/training_checks.hpp"
#include "data/report_counts.hpp"
#include "core/base/text_escape.hpp"
#include "core/base/atomic_file.hpp"
#include "core/training/csv_rows.hpp"

namespace tenet {

namespace {

struct Series {
  std::string name, color;
  bool dashed;
  const std::vector<double>* values;
};

// A tick step for about `intervals` intervals over `span`: 1, 2, 2.5 or 5 times a power of ten.
double nice_step(double span, int intervals) {
  const double raw = span / intervals;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 2.5, 5.0})
    if (m * magnitude >= raw * (1 - 1e-9)) return m * magnitude;
  return 10 * magnitude;
}

// A tick label with as many decimals as the step needs ("0.25", "1.5", "20").
std::string tick_text(double v, double step) {
  int decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
  if (std::fabs(step * std::pow(10.0, decimals) - std::round(step * std::pow(10.0, decimals))) > 1e-6) ++decimals;
  if (std::fabs(v) < step * 1e-6) v = 0;  // never "-0"
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// The value axis: the data's range widened to round ticks; a quantity that cannot be negative
// (loss, accuracy) never gets an axis below 0, nor accuracy one above 1. A single value (one
// epoch) gets a small range around it.
struct Axis {
  double lo, hi, step;
};
Axis value_axis(const std::vector<Series>& series, bool fraction) {
  double lo = 1e300, hi = -1e300;
  for (const auto& s : series)
    for (double v : *s.values)
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  if (lo > hi) lo = 0, hi = 1;
  const bool nonnegative = lo >= 0, at_most_one = hi <= 1;
  if (hi - lo < 1e-12) {
    const double half = std::max(std::fabs(lo) * 0.1, 1e-3);
    lo -= half, hi += half;
  }
  const double step = nice_step(hi - lo, 4);
  Axis a{std::floor(lo / step + 1e-9) * step, std::ceil(hi / step - 1e-9) * step, step};
  if (a.hi <= a.lo) a.hi = a.lo + step;
  if (nonnegative) a.lo = std::max(a.lo, 0.0);
  if (fraction && at_most_one) a.hi = std::min(a.hi, 1.0);
  return a;
}

// The epoch labels' spacing: every epoch up to 10, else 2, 5, 10, 20, 50, ... epochs apart.
std::int64_t epoch_label_step(std::int64_t first, std::int64_t last) {
  for (std::int64_t base = 1;; base *= 10)
    for (std::int64_t m : {1, 2, 5})
      if ((last - first) / (m * base) < 10) return m * base;
}

// One panel: axes, ticks, polylines and a legend, inside the box (x, y, w, h). `epochs` are the
// points' epoch numbers as History holds them (from 0, initial_epoch first); labels count from 1.
void panel(std::ostringstream& o, double x, double y, double w, double h, const std::string& title,
           const std::vector<Series>& series, const std::vector<int>& epochs, bool fraction) {
  const Axis a = value_axis(series, fraction);
  const double l = x + 55, r = x + w - 15, t = y + 30, b = y + h - 60;
  // Labels count from 1; int64, so that fit's last epoch (INT_MAX - 1) + 1 and the label steps fit.
  const std::int64_t first = epochs.empty() ? 0 : std::int64_t{epochs.front()} + 1;
  const std::int64_t last = epochs.empty() ? 0 : std::int64_t{epochs.back()} + 1;
  auto px_of = [&](std::int64_t e) {
    return last > first ? l + (r - l) * static_cast<double>(e - first) / static_cast<double>(last - first)
                        : (l + r) / 2;
  };
  auto px = [&](std::size_t i) { return px_of(i < epochs.size() ? std::int64_t{epochs[i]} + 1 : first); };
  auto py = [&](double v) { return b - (b - t) * (v - a.lo) / (a.hi - a.lo); };
  o << "<text x='" << (l + r) / 2 << "' y='" << y + 18 << "' text-anchor='middle' font-size='15' font-weight='bold'>" << text::xml(title) << "</text>\n";
  o << "<rect x='" << l << "' y='" << t << "' width='" << r - l << "' height='" << b - t << "' fill='#fafafa' stroke='#999'/>\n";
  for (double v = a.lo; v <= a.hi + a.step * 1e-6; v += a.step) {
    o << "<line x1='" << l << "' x2='" << r << "' y1='" << py(v) << "' y2='" << py(v) << "' stroke='#e3e3e3'/>\n";
    o << "<text x='" << l - 6 << "' y='" << py(v) + 4 << "' text-anchor='end' font-size='11'>" << tick_text(v, a.step) << "</text>\n";
  }
  const std::int64_t every = epoch_label_step(first, last);
  for (std::int64_t e = (first + every - 1) / every * every; e <= last; e += every)
    o << "<text x='" << px_of(e) << "' y='" << b + 16 << "' text-anchor='middle' font-size='11'>" << e << "</text>\n";
  o << "<text x='" << (l + r) / 2 << "' y='" << b + 32 << "' text-anchor='middle' font-size='12'>epoch</text>\n";
  double lx = l + 10;  // the legend sits under the axis label, never over the curves
  const double ly = b + 52;
  for (const auto& s : series) {
    const std::string dash = s.dashed ? " stroke-dasharray='6,4'" : "";
    o << "<polyline fill='none' stroke='" << s.color << "' stroke-width='2.2'" << dash << " points='";
    for (std::size_t i = 0; i < s.values->size(); ++i)
      if (std::isfinite((*s.values)[i])) o << px(i) << "," << py((*s.values)[i]) << " ";
    o << "'/>\n";
    for (std::size_t i = 0; i < s.values->size(); ++i) {
      const double v = (*s.values)[i];
      if (!std::isfinite(v)) continue;
      o << "<circle cx='" << px(i) << "' cy='" << py(v) << "' r='3' fill='" << s.color << "'/>\n";
      if (epochs.size() == 1) {  // one point says little: write its value beside it
        char value[32];
        std::snprintf(value, sizeof value, "%.4g", v);
        o << "<text x='" << px(i) + 8 << "' y='" << py(v) + 4 << "' font-size='11' fill='" << s.color << "'>" << value << "</text>\n";
      }
    }
    o << "<line x1='" << lx << "' x2='" << lx + 25 << "' y1='" << ly << "' y2='" << ly << "' stroke='" << s.color << "' stroke-width='2.2'" << dash << "/>\n";
    o << "<text x='" << lx + 30 << "' y='" << ly + 4 << "' font-size='12'>" << text::xml(s.name) << "</text>\n";
    lx += 120;
  }
}

void check_history_for(const History& h, const char* call) {
  std::vector<std::pair<std::string, std::size_t>> counts;
  for (const auto& [key, values] : h.history) counts.emplace_back(key, values.size());
  checks::check_history(h.epoch, counts, call, Site(call, "report"));
}

}  // namespace

void plot_history(const History& h, const std::string& path, const std::string& title) {
  check_history_for(h, "plot_history");
  std::vector<std::pair<std::string, std::string>> panels = {{"loss", "Loss"}, {"accuracy", "Accuracy"}};
  std::ostringstream o;
  const double W = 900, H = 400;
  o << "<svg xmlns='http://www.w3.org/2000/svg' width='" << W << "' height='" << H + 30
    << "' font-family='Helvetica, Arial, sans-serif'>\n<rect width='100%' height='100%' fill='white'/>\n";
  if (!title.empty()) o << "<text x='" << W / 2 << "' y='20' text-anchor='middle' font-size='16'>" << text::xml(title) << "</text>\n";
  double x = 0;
  for (const auto& [key, label] : panels) {
    std::vector<Series> series;
    auto it = h.history.find(key);
    if (it != h.history.end()) series.push_back({"train", "#1f77b4", false, &it->second});
    auto v = h.history.find("val_" + key);
    if (v != h.history.end()) series.push_back({"validation", "#d62728", true, &v->second});
    if (series.empty()) continue;
    panel(o, x, 30, W / 2, H, label, series, h.epoch, key == "accuracy");
    x += W / 2;
  }
  o << "</svg>\n";
  files::write_file_atomically(path, "plot_history", o.str());
}

void write_history_csv(const History& h, const std::string& path) {
  check_history_for(h, "write_history_csv");
  std::vector<std::string> keys;
  for (const auto& [k, v] : h.history) keys.push_back(k);
  std::string out = csv_rows::header(keys);
  for (std::size_t i = 0; i < h.epoch.size(); ++i) {
    std::vector<std::optional<double>> values;
    for (const auto& [k, v] : h.history)
      values.push_back(i < v.size() ? std::optional<double>(v[i]) : std::nullopt);
    out += csv_rows::row(h.epoch[i], values);
  }
  files::write_file_atomically(path, "write_history_csv", out);
}

Tensor confusion_matrix(const Tensor& labels, const Tensor& predicted, std::int64_t classes) {
  const Site site("confusion_matrix", "op");
  checks::defined(labels, "confusion_matrix's labels", site);
  checks::defined(predicted, "confusion_matrix's predicted", site);
  checks::check_compare(labels.shape(), predicted.shape(), site);
  // Read as double: a float label 2.5 is refused, not truncated to class 2.
  const auto t = labels.to_vector<double>(), p = predicted.to_vector<double>();
  Tensor m = Tensor::zeros({classes, classes}, DType::i64);
  auto* c = m.data<std::int64_t>();
  for (std::size_t i = 0; i < t.size(); ++i) {
    for (double v : {t[i], p[i]})
      checks::check_class_index(v, static_cast<std::int64_t>(i), classes,
                                "confusion_matrix(labels, predicted, ", site);
    ++c[static_cast<std::int64_t>(t[i]) * classes + static_cast<std::int64_t>(p[i])];
  }
  return m;
}

namespace detail {
std::vector<std::int64_t> confusion_counts(const Tensor& matrix, const std::string& what,
                                           const Site& where) {
  checks::defined(matrix, what, where);
  const auto v = matrix.to_vector<double>();
  checks::check_counts(matrix.shape(), v, what, where);
  return std::vector<std::int64_t>(v.begin(), v.end());
}
}  // namespace detail

std::vector<Confusion> top_confusions(const Tensor& matrix, std::size_t count) {
  const auto v = detail::confusion_counts(matrix, "top_confusions' matrix",
                                        Site("top_confusions", "op"));
  const std::int64_t n = matrix.dim(0);
  std::vector<Confusion> all;
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 0; j < n; ++j)
      if (i != j && v[i * n + j] > 0) all.push_back({i, j, v[i * n + j]});
  std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.count > b.count; });
  if (all.size() > count) all.resize(count);
  return all;
}

}  // namespace tenet
