// The confusion matrix as a picture (confusion_svg) and the callback that draws it after each
// epoch (ConfusionMatrixLogger); the counting is report.cpp's confusion_matrix.
#include <cstdio>
#include <sstream>

#include <tenet/core/contracts/checks.hpp>
#include <tenet/core/training/model.hpp>
#include <tenet/data/report.hpp>
#include "core/base/text_escape.hpp"
#include "core/training/path_template.hpp"
#include "core/base/atomic_file.hpp"
#include "data/report_counts.hpp"
#include "core/contracts/input_checks.hpp"

namespace tenet {

namespace {

// A cell's fill: white for 0 through blue for the whole row.
std::string shade(double share) {
  const int c = static_cast<int>(255 - share * 200);
  char buf[16];
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", c, c + static_cast<int>(share * 35), 255);
  return buf;
}

}  // namespace

std::string confusion_svg(const Tensor& matrix, const std::vector<std::string>& names,
                          const std::string& title) {
  const Site site("confusion_svg", "op");
  const std::vector<std::int64_t> v = detail::confusion_counts(matrix, "confusion_svg's matrix", site);
  const std::int64_t n = matrix.dim(0);
  constexpr std::int64_t kMostClasses = 1000;  // about 160 bytes a cell: 160 MB of SVG
  if (n > kMostClasses)
    checks::invalid_option("confusion_svg's matrix", matrix.shape().str(),
                           "at most " + std::to_string(kMostClasses) + " classes a side", site,
                           Phase::run,
                           "the picture has one cell of about 160 bytes per (true, predicted) "
                           "pair: " + std::to_string(n) + " x " + std::to_string(n) + " cells, "
                           "about " + std::to_string(n * n * 160 / 1000000) + " MB of SVG, far "
                           "too many to read",
                           "list the most frequent confusions instead: top_confusions(matrix, 20)");
  if (!names.empty() && static_cast<std::int64_t>(names.size()) != n)
    checks::invalid_option("confusion_svg's class_names", std::to_string(names.size()) + " names",
                           "none, or one per class (" + std::to_string(n) + ")", site, Phase::run,
                           "the names label the matrix's rows and columns in order",
                           "pass one name per class, or none to label them by index");
  auto name = [&](std::int64_t i) {
    return text::xml(i < static_cast<std::int64_t>(names.size()) ? names[static_cast<std::size_t>(i)]
                                                                 : std::to_string(i));
  };
  const double cell = n > 20 ? 24 : 44, left = 130, top = 70;
  const double size = cell * static_cast<double>(n);
  std::ostringstream o;
  o << "<svg xmlns='http://www.w3.org/2000/svg' width='" << left + size + 20 << "' height='"
    << top + size + 60 << "' font-family='Helvetica, Arial, sans-serif'>\n"
    << "<rect width='100%' height='100%' fill='white'/>\n"
    << "<text x='" << left + size / 2 << "' y='22' text-anchor='middle' font-size='15' "
       "font-weight='bold'>" << text::xml(title) << "</text>\n"
    << "<text x='" << left + size / 2 << "' y='" << top + size + 45
    << "' text-anchor='middle' font-size='12'>predicted class</text>\n"
    << "<text x='14' y='" << top + size / 2 << "' font-size='12' transform='rotate(-90 14 "
    << top + size / 2 << ")' text-anchor='middle'>true class</text>\n";
  for (std::int64_t i = 0; i < n; ++i) {
    std::int64_t row = 0;
    for (std::int64_t j = 0; j < n; ++j) row += v[static_cast<std::size_t>(i * n + j)];
    o << "<text x='" << left - 6 << "' y='" << top + cell * (static_cast<double>(i) + 0.5) + 4
      << "' text-anchor='end' font-size='11'>" << name(i) << "</text>\n"
      << "<text x='" << left + cell * (static_cast<double>(i) + 0.5) << "' y='" << top + size + 16
      << "' text-anchor='middle' font-size='11'>" << name(i) << "</text>\n";
    for (std::int64_t j = 0; j < n; ++j) {
      const std::int64_t count = v[static_cast<std::size_t>(i * n + j)];
      const double share = row > 0 ? static_cast<double>(count) / static_cast<double>(row) : 0.0;
      const double x = left + cell * static_cast<double>(j), y = top + cell * static_cast<double>(i);
      o << "<rect x='" << x << "' y='" << y << "' width='" << cell << "' height='" << cell
        << "' fill='" << shade(share) << "' stroke='#ccc'/>\n"
        << "<text x='" << x + cell / 2 << "' y='" << y + cell / 2 + 4
        << "' text-anchor='middle' font-size='11' fill='" << (share > 0.5 ? "white" : "black")
        << "'>" << count << "</text>\n";
    }
  }
  o << "</svg>\n";
  return o.str();
}

namespace {

class ConfusionMatrixLoggerImpl : public CallbackImpl {
 public:
  ConfusionMatrixLoggerImpl(std::string path, std::vector<Tensor> x, Tensor y,
                            ConfusionMatrixOptions o, const Site& site)
      : path_(std::move(path), "ConfusionMatrixLogger filepath", site, Phase::run),
        x_(std::move(x)), y_(std::move(y)), o_(std::move(o)), site_(site) {
    checks::defined(y_, [] { return std::string("the labels given to ConfusionMatrixLogger"); },
                    site_, Phase::run);
  }
  // A heat map of this many classes a side is the most a page shows readably (and 160 bytes a
  // cell: 1000 classes would write 160 MB every epoch).
  static constexpr std::int64_t kMaxClasses = 100;
  // One output unit has no top class to count (always class 0), and a picture of thousands of
  // classes is unreadable: both refused before any epoch.
  void on_train_begin(Model& m) override {
    for (std::size_t i = 0; i < x_.size(); ++i)  // before any epoch, not after the first
      checks::defined(x_[i], [&] { return "ConfusionMatrixLogger's x[" + std::to_string(i) + "]"; },
                      site_, Phase::run);
    if (!x_.empty())
      checks::check_label_samples("ConfusionMatrixLogger's y", y_.shape(), "its x[0]",
                                  x_[0].shape(), site_);
    const Shape& out = m.outputs().front().shape();
    const std::int64_t classes = out.rank() >= 2 ? out[out.rank() - 1] : 0;
    if (classes > kMaxClasses)
      checks::invalid_option("ConfusionMatrixLogger's model output", out.str(),
                             "at most " + std::to_string(kMaxClasses) + " classes on the last axis",
                             site_, Phase::run,
                             "the picture has one cell per (true, predicted) pair: " +
                                 std::to_string(classes) + " x " + std::to_string(classes) +
                                 " cells, about " + std::to_string(classes * classes * 160 / 1000000) +
                                 " MB of SVG every epoch, too many to read",
                             "list the most frequent confusions instead, e.g. in a LambdaCallback: "
                             "top_confusions(confusion_matrix(labels, model.predict(x).argmax(-1), " +
                                 std::to_string(classes) + "), 20)");
    if (classes == 1)
      checks::invalid_option("ConfusionMatrixLogger's model output", out.str(),
                             "scores of 2 or more classes on the last axis", site_, Phase::run,
                             "the matrix counts (label, top class) pairs; with one output unit "
                             "(a binary model's sigmoid) the top class is always 0",
                             "give the model 2 output units (softmax over [no, yes]), or count "
                             "thresholded predictions yourself: confusion_matrix(labels, "
                             "predictions > 0.5 as 0/1, 2) and confusion_svg");
  }
  void on_epoch_end(Model& m, int epoch, Logs& logs) override {
    const Tensor scores = m.predict(x_, {.batch_size = o_.batch_size});
    const std::int64_t classes = scores.dim(-1);
    const bool one_hot = y_.rank() == scores.rank() && y_.dim(-1) == classes && classes > 1;
    const Tensor truth = one_hot ? y_.argmax(-1) : y_;
    if (!o_.class_names.empty() && static_cast<std::int64_t>(o_.class_names.size()) != classes)
      checks::invalid_option("ConfusionMatrixOptions::class_names",
                             std::to_string(o_.class_names.size()) + " names",
                             "one name per class: " + std::to_string(classes), site_, Phase::run,
                             "the model scores " + std::to_string(classes) + " classes",
                             "give one name per output unit, or none");
    const Tensor matrix = confusion_matrix(truth, scores.argmax(-1), classes);
    const std::string title = "Confusion matrix, epoch " + std::to_string(epoch + 1);
    files::write_file_atomically(path_.format(epoch + 1, logs, site_),
                                        "ConfusionMatrixLogger",
                                        confusion_svg(matrix, o_.class_names, title));
  }

 private:
  PathTemplate path_;
  std::vector<Tensor> x_;
  Tensor y_;
  ConfusionMatrixOptions o_;
  Site site_;
};

}  // namespace

ConfusionMatrixLogger::ConfusionMatrixLogger(std::string filepath, std::vector<Tensor> x, Tensor y,
                                             ConfusionMatrixOptions options, std::source_location loc)
    : Callback(std::make_shared<ConfusionMatrixLoggerImpl>(
          std::move(filepath), std::move(x), std::move(y), std::move(options),
          Site("ConfusionMatrixLogger", "Callback", loc))) {}

}  // namespace tenet
