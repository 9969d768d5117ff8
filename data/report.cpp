#include <tenet/data/report.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <tenet/core/contracts/checks.hpp>
#include "core/base/text_escape.hpp"
#include "core/base/atomic_file.hpp"

namespace tenet {

namespace {

struct Series {
  std::string name, color;
  bool dashed;
  const std::vector<double>* values;
};

// One panel: axes, ticks, polylines and a legend, inside the box (x, y, w, h).
void panel(std::ostringstream& o, double x, double y, double w, double h, const std::string& title,
           const std::vector<Series>& series, std::size_t epochs) {
  double lo = 1e300, hi = -1e300;
  for (const auto& s : series)
    for (double v : *s.values)
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  if (lo > hi) lo = 0, hi = 1;
  if (hi - lo < 1e-9) hi = lo + 1;
  double pad = (hi - lo) * 0.08;
  lo -= pad, hi += pad;
  const double l = x + 55, r = x + w - 15, t = y + 30, b = y + h - 60;
  auto px = [&](std::size_t i) { return epochs > 1 ? l + (r - l) * static_cast<double>(i) / static_cast<double>(epochs - 1) : (l + r) / 2; };
  auto py = [&](double v) { return b - (b - t) * (v - lo) / (hi - lo); };
  o << "<text x='" << (l + r) / 2 << "' y='" << y + 18 << "' text-anchor='middle' font-size='15' font-weight='bold'>" << text::xml(title) << "</text>\n";
  o << "<rect x='" << l << "' y='" << t << "' width='" << r - l << "' height='" << b - t << "' fill='#fafafa' stroke='#999'/>\n";
  for (int k = 0; k <= 4; ++k) {
    double v = lo + (hi - lo) * k / 4.0;
    o << "<line x1='" << l << "' x2='" << r << "' y1='" << py(v) << "' y2='" << py(v) << "' stroke='#e3e3e3'/>\n";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", v);
    o << "<text x='" << l - 6 << "' y='" << py(v) + 4 << "' text-anchor='end' font-size='11'>" << buf << "</text>\n";
  }
  for (std::size_t i = 0; i < epochs; ++i)
    o << "<text x='" << px(i) << "' y='" << b + 16 << "' text-anchor='middle' font-size='11'>" << i + 1 << "</text>\n";
  o << "<text x='" << (l + r) / 2 << "' y='" << b + 32 << "' text-anchor='middle' font-size='12'>epoch</text>\n";
  double lx = l + 10;  // the legend sits under the axis label, never over the curves
  const double ly = b + 52;
  for (const auto& s : series) {
    o << "<polyline fill='none' stroke='" << s.color << "' stroke-width='2.2'" << (s.dashed ? " stroke-dasharray='6,4'" : "") << " points='";
    for (std::size_t i = 0; i < s.values->size(); ++i)
      if (std::isfinite((*s.values)[i])) o << px(i) << "," << py((*s.values)[i]) << " ";
    o << "'/>\n";
    for (std::size_t i = 0; i < s.values->size(); ++i)
      if (std::isfinite((*s.values)[i])) o << "<circle cx='" << px(i) << "' cy='" << py((*s.values)[i]) << "' r='3' fill='" << s.color << "'/>\n";
    o << "<line x1='" << lx << "' x2='" << lx + 25 << "' y1='" << ly << "' y2='" << ly << "' stroke='" << s.color << "' stroke-width='2.2'" << (s.dashed ? " stroke-dasharray='6,4'" : "") << "/>\n";
    o << "<text x='" << lx + 30 << "' y='" << ly + 4 << "' font-size='12'>" << text::xml(s.name) << "</text>\n";
    lx += 120;
  }
}

}  // namespace

void plot_history(const History& h, const std::string& path, const std::string& title) {
  const std::size_t epochs = h.epoch.size();
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
    panel(o, x, 30, W / 2, H, label, series, epochs);
    x += W / 2;
  }
  o << "</svg>\n";
  files::write_file_atomically(path, "plot_history", o.str());
}

void write_history_csv(const History& h, const std::string& path) {
  std::ostringstream out;
  out << "epoch";
  for (const auto& [k, v] : h.history) out << "," << text::csv(k);
  out << "\n";
  for (std::size_t i = 0; i < h.epoch.size(); ++i) {
    out << h.epoch[i] + 1;
    char buf[32];
    for (const auto& [k, v] : h.history) {
      std::snprintf(buf, sizeof buf, "%.6g", i < v.size() ? v[i] : NAN);
      out << "," << buf;
    }
    out << "\n";
  }
  files::write_file_atomically(path, "write_history_csv", out.str());
}

Tensor confusion_matrix(const Tensor& labels, const Tensor& predicted, std::int64_t classes) {
  checks::check_compare(labels.shape(), predicted.shape(), Site("confusion_matrix", "op"));
  auto t = labels.to_vector<std::int64_t>(), p = predicted.to_vector<std::int64_t>();
  Tensor m = Tensor::zeros({classes, classes}, DType::i64);
  auto* c = m.data<std::int64_t>();
  for (std::size_t i = 0; i < t.size(); ++i) {
    for (auto v : {t[i], p[i]})
      if (v < 0 || v >= classes)
        checks::Violation("loss.label_range", Phase::run, Site("confusion_matrix", "op"))
            .summary("a class index is outside [0, " + std::to_string(classes) + ")")
            .expected("0 <= class < " + std::to_string(classes))
            .actual(std::to_string(v) + " at sample " + std::to_string(i))
            .raise();
    ++c[t[i] * classes + p[i]];
  }
  return m;
}

std::vector<Confusion> top_confusions(const Tensor& matrix, std::size_t count) {
  const std::int64_t n = matrix.dim(0);
  auto v = matrix.to_vector<std::int64_t>();
  std::vector<Confusion> all;
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 0; j < n; ++j)
      if (i != j && v[i * n + j] > 0) all.push_back({i, j, v[i * n + j]});
  std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.count > b.count; });
  if (all.size() > count) all.resize(count);
  return all;
}

}  // namespace tenet
