// Compile metrics <-> Keras 3's metric entries (data/keras_json.hpp).
//   Metric::accuracy           "accuracy"
//   Metric::top_k_accuracy(k)  "(sparse_)top_k_categorical_accuracy" (k = 5), else a
//                              (Sparse)TopKCategoricalAccuracy object with its k
//   Metric::precision          Precision(class_id=c, top_k=1, name="precision_<c>") for every
//                              class c; Metric::recall likewise with Recall
//   Metric::f1_score           F1Score(average="macro", threshold=None, name="f1_score")
// Keras's Precision(class_id=c, top_k=1) counts the top class as the prediction and reads
// column c of the label: with one-hot labels that is tenet's per-class precision, and every
// key Keras logs has the name and value of one of tenet's. With class-index labels (or real
// targets) Keras reads something else, so there the metric is left out of the file with a note
// (save_model prints it) instead of being written with another meaning.
#include <algorithm>

#include "data/keras_json.hpp"

namespace tenet::data::keras_detail {

namespace {

const char* metric_api_name(Metric::Kind k) {
  return k == Metric::Kind::precision ? "Metric::precision"
         : k == Metric::Kind::recall  ? "Metric::recall"
                                      : "Metric::f1_score";
}

Json keras_object(const std::string& cls, Json config) {
  return {{"module", "keras.metrics"}, {"class_name", cls}, {"config", std::move(config)},
          {"registered_name", nullptr}};
}

// Why a per-class metric has no Keras equivalent for this loss, or "" when it has one.
std::string class_metric_gap(const LossImpl& loss, std::int64_t classes) {
  if (loss.label_kind() == LabelKind::sparse)
    return "Keras's Precision, Recall and F1Score read one-hot labels (column c of the label "
           "for class c), and this model's loss, " + loss.name() + ", takes class indices, "
           "with which they would count something else";
  if (loss.label_kind() == LabelKind::dense)
    return "this model's loss, " + loss.name() + ", takes real targets, with which tenet logs "
           "no per-class metric";
  if (classes < 1) return "the model's output has no fixed class count";
  return "";
}

void append_class_metric(Json& out, const Metric& m, std::int64_t classes) {
  if (m.kind() == Metric::Kind::f1_score) {
    out.push_back(keras_object("F1Score", {{"name", "f1_score"}, {"dtype", "float32"},
                                           {"average", "macro"}, {"threshold", nullptr}}));
    return;
  }
  const bool precision = m.kind() == Metric::Kind::precision;
  for (std::int64_t c = 0; c < classes; ++c)
    out.push_back(keras_object(precision ? "Precision" : "Recall",
                               {{"name", (precision ? "precision_" : "recall_") + std::to_string(c)},
                                {"dtype", "float32"}, {"thresholds", nullptr}, {"top_k", 1},
                                {"class_id", c}}));
}

// A per-class metric entry of a Keras file, when it has tenet's meaning (else model.unsupported).
Metric class_metric_from_keras(const std::string& cls, ConfigReader& r, LabelKind labels) {
  r.ignore("name");
  r.only("dtype", {nullptr, "float32"});
  const char* needs_one_hot = "a loss taking one-hot labels (categorical_crossentropy): with "
                              "class indices Keras reads column c of the label, which is not "
                              "class c's ";
  if (cls == "F1Score") {
    r.only("threshold", {nullptr});  // None: the top class is the prediction, as in tenet
    r.only("average", {nullptr, "macro"});
    r.finish();
    if (labels != LabelKind::one_hot) r.unsupported("class_name", cls, needs_one_hot + std::string("F1"));
    return Metric::f1_score;
  }
  r.only("thresholds", {nullptr});
  const Json* top_k = r.get("top_k");
  if (!top_k || *top_k != 1)
    r.unsupported("top_k", top_k ? *top_k : Json(nullptr),
                  "1 (tenet counts the top class as the prediction; Keras's default thresholds "
                  "each score at 0.5)");
  if (!r.get("class_id")) r.unsupported("class_id", nullptr, "a class index (tenet's is per class)");
  r.finish();
  if (labels != LabelKind::one_hot)
    r.unsupported("class_name", cls, needs_one_hot + std::string(cls == "Precision" ? "precision" : "recall"));
  return cls == "Precision" ? Metric::precision : Metric::recall;
}

Metric metric_object_from_keras(const Json& m, const std::string& file, LabelKind labels,
                                ConfigReader& list) {
  if (!m.is_object() || !m.value("class_name", Json()).is_string() ||
      !m.value("config", Json()).is_object())
    list.unsupported("metrics", m, "metric names or Keras metric objects");
  const std::string cls = m["class_name"].get<std::string>();
  ConfigReader r(m["config"], file, "compile_config", cls, "the metric");
  if (cls == "TopKCategoricalAccuracy" || cls == "SparseTopKCategoricalAccuracy") {
    r.ignore("name");
    r.only("dtype", {nullptr, "float32"});
    r.only("from_sorted_ids", {false});
    const std::int64_t k = r.integer("k", 5, 1, std::int64_t{1} << 30);
    r.finish();
    return Metric::top_k_accuracy(static_cast<int>(k));
  }
  if (cls == "Precision" || cls == "Recall" || cls == "F1Score")
    return class_metric_from_keras(cls, r, labels);
  r.unsupported("class_name", cls, "TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy, "
                                   "Precision, Recall or F1Score");
}

}  // namespace

std::vector<Metric> metrics_from_keras(const Json* v, LabelKind labels, ConfigReader& r,
                                       const std::string& file) {
  if (!v || v->is_null()) return {};
  if (!v->is_array()) r.wrong_type("metrics", "a list of metric names");
  std::vector<Metric> out;
  for (const Json& m : *v) {
    Metric got = Metric::accuracy;
    if (m == "accuracy" || m == "acc") got = Metric::accuracy;
    else if (m == "top_k_categorical_accuracy" || m == "sparse_top_k_categorical_accuracy")
      got = Metric::top_k_accuracy();  // Keras's string form: k = 5
    else if (m.is_string())
      r.unsupported("metrics", *v, "a list of \"accuracy\", \"top_k_categorical_accuracy\", "
                                   "\"sparse_top_k_categorical_accuracy\" or metric objects");
    else got = metric_object_from_keras(m, file, labels, r);
    // Precision(class_id=0), (class_id=1), ... are one tenet metric, which logs every class.
    if (std::find(out.begin(), out.end(), got) == out.end()) out.push_back(got);
  }
  return out;
}

Json metrics_to_keras(const std::vector<Metric>& metrics, const LossImpl& loss,
                      std::int64_t classes, std::vector<std::string>* left_out) {
  Json out = Json::array();
  const bool sparse = loss.label_kind() == LabelKind::sparse;
  for (const Metric& m : metrics) {
    if (m == Metric::accuracy) {
      out.push_back("accuracy");
    } else if (m.kind() == Metric::Kind::top_k_accuracy && m.k() == 5) {
      out.push_back(sparse ? "sparse_top_k_categorical_accuracy" : "top_k_categorical_accuracy");
    } else if (m.kind() == Metric::Kind::top_k_accuracy) {
      out.push_back(keras_object(
          sparse ? "SparseTopKCategoricalAccuracy" : "TopKCategoricalAccuracy",
          {{"name", sparse ? "sparse_top_k_categorical_accuracy" : "top_k_categorical_accuracy"},
           {"dtype", "float32"}, {"k", m.k()}}));
    } else if (const std::string gap = class_metric_gap(loss, classes); gap.empty()) {
      append_class_metric(out, m, classes);
    } else if (left_out) {
      left_out->push_back(std::string(metric_api_name(m.kind())) + " is left out of the compile "
                          "config: " + gap + "; the model loads compiled without it");
    }
  }
  return out;
}

}  // namespace tenet::data::keras_detail
