// Suite "data": the charts and CSV of data/report (plot_history, write_history_csv,
// confusion_svg, ConfusionMatrixLogger), asserted on the text they write.
#include <doctest/doctest.h>

#include <filesystem>
#include <regex>
#include <set>

#include <tenet/tenet.hpp>

#include "support/test_util.hpp"
#include "support/text_file_util.hpp"

using namespace tenet;
using tenet::testing::count;
using tenet::testing::has;
using tenet::testing::read_file;

namespace {

// The text of every <text> element, in order.
std::vector<std::string> texts(const std::string& svg) {
  std::vector<std::string> out;
  static const std::regex text("<text[^>]*>([^<]*)</text>");
  for (std::sregex_iterator it(svg.begin(), svg.end(), text), end; it != end; ++it)
    out.push_back((*it)[1]);
  return out;
}

std::string plot(const History& h, const std::string& title = "") {
  testing::TempDir dir;
  plot_history(h, dir.file("c.svg"), title);
  return read_file(dir.file("c.svg"));
}

History run(std::vector<int> epochs, std::vector<double> loss, std::vector<double> acc) {
  History h;
  h.epoch = std::move(epochs);
  h.history = {{"loss", std::move(loss)}, {"accuracy", std::move(acc)}};
  return h;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

TEST_SUITE("data") {

TEST_CASE("plot_history: round ticks, a loss axis from 0, accuracy within [0, 1]") {
  const auto t = texts(plot(run({0, 1, 2}, {0.731, 0.412, 0.287}, {0.713, 0.861, 0.904})));
  // Loss 0.287..0.731 on 0.2 .. 0.8 in steps of 0.2 (not 0.251, 0.371, ...); accuracy in 0.05s.
  for (const char* tick : {"0.2", "0.4", "0.6", "0.8", "0.70", "0.75", "0.90", "0.95"})
    CHECK(contains(t, tick));
  // One epoch at accuracy 1 and loss 0: the axes stay within [0, 1] and from 0.
  for (const auto& s : texts(plot(run({0}, {0.0}, {1.0})))) {
    INFO(s);
    CHECK(s.find('-') == std::string::npos);
    CHECK(s != "1.05");
    CHECK(s != "1.10");
  }
  for (const auto& s : t) {
    INFO(s);
    CHECK(s.find('-') == std::string::npos);  // no negative tick anywhere
    CHECK(s != "1.1");                        // accuracy never above 1
    CHECK_FALSE(std::regex_match(s, std::regex("0\\.\\d{3,}")));  // no 0.251-like tick
  }
}

TEST_CASE("plot_history: epoch labels thinned for long runs, counted from initial_epoch + 1") {
  std::vector<int> epochs;
  std::vector<double> loss, acc;
  for (int e = 10; e < 60; ++e) epochs.push_back(e), loss.push_back(1.0 / (e + 1)), acc.push_back(0.5);
  const auto t = texts(plot(run(epochs, loss, acc)));
  std::set<std::string> labels;  // the epoch labels of one panel: integers 11..60
  for (const auto& s : t)
    if (std::regex_match(s, std::regex("\\d+")) && std::stoi(s) >= 11 && std::stoi(s) <= 60) labels.insert(s);
  CHECK(labels == std::set<std::string>{"15", "20", "25", "30", "35", "40", "45", "50", "55", "60"});
  const auto few = texts(plot(run({3, 4, 5}, {0.5, 0.4, 0.3}, {0.6, 0.7, 0.8})));
  for (const char* e : {"4", "5", "6"}) CHECK(contains(few, e));  // initial_epoch = 3
  CHECK_FALSE(contains(few, "1"));
}

TEST_CASE("plot_history: a one-epoch run shows its point, its value and one epoch label") {
  const std::string svg = plot(run({0}, {0.6931}, {0.5}));
  const auto t = texts(svg);
  CHECK(count(svg, "<circle") == 2);
  CHECK(contains(t, "1"));
  CHECK(contains(t, "0.6931"));  // the values written beside the lone points
  CHECK(contains(t, "0.5"));
  for (const auto& s : t) CHECK(s.find('-') == std::string::npos);
  CHECK(svg.find("nan") == std::string::npos);
}

TEST_CASE("plot_history: the title and the series names are XML-escaped") {
  const std::string svg = plot(run({0, 1}, {1, 0.5}, {0.4, 0.6}), "a<b & \"c\"");
  CHECK(has(svg, "a&lt;b &amp; &quot;c&quot;"));
  CHECK_FALSE(has(svg, "a<b"));
}

TEST_CASE("CSV: write_history_csv and CSVLogger write the same rows, epochs from 1") {
  testing::TempDir dir;
  auto in = Input({2});
  Model m(in, Dense(2, {.seed = 1})(in));
  m.compile({.optimizer = SGD(), .loss = SparseCategoricalCrossentropy({.from_logits = true}),
             .metrics = {Metric::accuracy}});
  const Tensor x = Tensor::uniform({8, 2}, 3, -1.0, 1.0);
  const Tensor y = Tensor::from_vector(std::vector<std::int64_t>{0, 1, 0, 1, 0, 1, 0, 1}, {8});
  History h = m.fit(x, y, {.epochs = 4, .batch_size = 4, .verbose = 0,
                           .callbacks = {CSVLogger(dir.file("log.csv"))}});
  h = m.fit(x, y, {.epochs = 3, .batch_size = 4, .verbose = 0,
                   .callbacks = {CSVLogger(dir.file("log.csv"))}, .initial_epoch = 1});
  write_history_csv(h, dir.file("history.csv"));
  const std::string log = read_file(dir.file("log.csv"));
  CHECK(log == read_file(dir.file("history.csv")));
  CHECK(log.rfind("epoch,accuracy,loss\n2,", 0) == 0);  // initial_epoch 1: "Epoch 2/3"
  CHECK(has(log, "\n3,"));
  History gap;  // a key an epoch lacks is NA, values in shortest round-trip form
  gap.epoch = {0, 1};
  gap.history = {{"loss", {0.1, 0.25}}, {"val_loss", {0.5}}};
  write_history_csv(gap, dir.file("gap.csv"));
  CHECK(read_file(dir.file("gap.csv")) == "epoch,loss,val_loss\n1,0.1,0.5\n2,0.25,NA\n");
}

TEST_CASE("confusion_svg: one cell per pair with its count, names escaped") {
  const Tensor truth = Tensor::from_vector(std::vector<std::int64_t>{0, 0, 1, 2, 2, 2}, {6});
  const Tensor pred = Tensor::from_vector(std::vector<std::int64_t>{0, 1, 1, 2, 2, 0}, {6});
  const std::string svg = confusion_svg(confusion_matrix(truth, pred, 3), {"cat", "<dog>", "a&b"}, "t<1>");
  CHECK(count(svg, "<rect x=") == 9);
  const auto t = texts(svg);
  // Row by row: 1 1 0 / 0 1 0 / 1 0 2.
  std::vector<std::string> counts;
  for (const auto& s : t)
    if (std::regex_match(s, std::regex("\\d+"))) counts.push_back(s);
  CHECK(counts == std::vector<std::string>{"1", "1", "0", "0", "1", "0", "1", "0", "2"});
  CHECK(has(svg, "&lt;dog&gt;"));
  CHECK(has(svg, "a&amp;b"));
  CHECK(has(svg, "t&lt;1&gt;"));
}

TEST_CASE("ConfusionMatrixLogger: an SVG per epoch from the model's predictions") {
  testing::TempDir dir;
  auto in = Input({3});
  Dense d(3, {.use_bias = false});
  Model m(in, d(in));
  std::vector<float> eye(9, 0.0f);
  eye[0] = eye[4] = eye[8] = 1.0f;
  d.set_weights({Tensor::from_vector(eye, {3, 3})});
  d.set_trainable(false);  // predictions == inputs, whatever fit does
  m.compile({.loss = SparseCategoricalCrossentropy({.from_logits = true})});
  const Tensor x = Tensor::from_vector(std::vector<float>{1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1}, {4, 3});
  const Tensor y = Tensor::from_vector(std::vector<std::int64_t>{0, 1, 2, 2}, {4});
  m.fit(x, y, {.epochs = 2, .verbose = 0,
               .callbacks = {ConfusionMatrixLogger(dir.file("cm_{epoch:02d}.svg"), {x}, y)}});
  for (const char* f : {"cm_01.svg", "cm_02.svg"}) {
    const std::string svg = read_file(dir.file(f));
    std::vector<std::string> digits;
    for (const auto& s : texts(svg))
      if (std::regex_match(s, std::regex("\\d+"))) digits.push_back(s);
    // Per row: its two axis labels (class i), then the cells: 1 0 0 / 0 1 0 / 0 1 1.
    CHECK(digits == std::vector<std::string>{"0", "0", "1", "0", "0", "1", "1", "0", "1", "0",
                                             "2", "2", "0", "1", "1"});
    CHECK(has(svg, "Confusion matrix, epoch " + std::string(f[4] == '1' ? "1" : "2")));
  }
  auto e = testing::capture([&] {
    m.fit(x, y, {.epochs = 1, .verbose = 0,
                 .callbacks = {ConfusionMatrixLogger(dir.file("x.svg"), {x}, y, {.class_names = {"a"}})}});
  });
  CHECK(e.code() == "options.invalid");
  CHECK(has(e, "ConfusionMatrixOptions::class_names"));
}

TEST_CASE("ConfusionMatrixLogger refuses a model of one output unit before the first epoch") {
  testing::TempDir dir;
  auto in = Input({3});
  Model m(in, Dense(1, {.seed = 1})(in), "binary");
  m.compile({.loss = BinaryCrossentropy({.from_logits = true})});
  const Tensor x = Tensor::ones({4, 3}), y = Tensor::from_vector(std::vector<float>{0, 1, 0, 1}, {4, 1});
  const std::vector<Tensor> before = testing::clones(m.weights());
  // old: an epoch of training, then compare.shape from an op the user never called
  auto e = testing::capture([&] {
    m.fit(x, y, {.epochs = 1, .verbose = 0,
                 .callbacks = {ConfusionMatrixLogger(dir.file("cm.svg"), {x}, y)}});
  });
  CHECK(e.code() == "options.invalid");
  CHECK(e.actual() == "(None, 1)");
  CHECK(has(e, "with one output unit (a binary model's sigmoid) the top class is always 0"));
  CHECK(e.site().name == "ConfusionMatrixLogger");
  CHECK(testing::bitwise_equal(m.weights(), before));
  CHECK(!std::filesystem::exists(dir.file("cm.svg")));
}

TEST_CASE("ConfusionMatrixLogger refuses a picture of more than 100 classes before the first epoch") {
  testing::TempDir dir;
  auto in = Input({3});
  Model m(in, Dense(1000, {.seed = 1})(in), "wide");
  m.compile({.loss = SparseCategoricalCrossentropy({.from_logits = true})});
  const Tensor x = Tensor::ones({4, 3});
  const Tensor y = Tensor::from_vector(std::vector<std::int64_t>{0, 1, 2, 999}, {4});
  // old: a 160 MB SVG written after every epoch
  auto e = testing::capture([&] {
    m.fit(x, y, {.epochs = 1, .verbose = 0,
                 .callbacks = {ConfusionMatrixLogger(dir.file("cm.svg"), {x}, y)}});
  });
  CHECK(e.code() == "options.invalid");
  CHECK(e.actual() == "(None, 1000)");
  CHECK(has(e, "1000 x 1000 cells, about 160 MB of SVG every epoch"));
  CHECK(has(e, "top_confusions(confusion_matrix(labels, model.predict(x).argmax(-1), 1000), 20)"));
  CHECK(!std::filesystem::exists(dir.file("cm.svg")));
}

}  // TEST_SUITE
