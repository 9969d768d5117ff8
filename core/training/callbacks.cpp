#include <tenet/core/training/callbacks.hpp>

#include <sys/stat.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <limits>
#include <optional>
#include <regex>
#include <sstream>

#include <tenet/core/contracts/checks.hpp>
#include <tenet/core/training/model.hpp>
#include "core/training/csv_rows.hpp"
#include "core/training/distributed.hpp"
#include "core/training/path_template.hpp"
#include "core/contracts/checkpoint_checks.hpp"
#include "core/contracts/training_checks.hpp"
#include "core/base/atomic_file.hpp"
#include "core/tensor/tensor_impl.hpp"  // written_bytes

namespace tenet {

const std::vector<double>& History::operator[](const std::string& key) const {
  auto it = history.find(key);
  if (it == history.end()) checks::no_history_key(key, keys());
  return it->second;
}

std::vector<std::string> History::keys() const {
  std::vector<std::string> k;
  for (const auto& [name, v] : history) k.push_back(name);
  return k;
}

namespace {

bool maximise(Mode mode, const std::string& monitor) {
  if (mode != Mode::automatic) return mode == Mode::max;
  // Higher is better for the accuracies and the class metrics (Keras 3: their direction "up").
  for (const char* up : {"acc", "precision", "recall", "f1_score"})
    if (monitor.find(up) != std::string::npos) return true;
  return false;
}

// Tracks the best value of a monitored log and how long since it improved.
struct Monitor {
  std::string key;
  bool max = false;
  double min_delta = 0;
  double best = 0;
  bool has_best = false;
  int wait = 0;
  bool warned = false;
  // Returns 1 if improved, 0 if not, -1 if the key is missing.
  int observe(const Logs& logs) {
    auto it = logs.find(key);
    if (it == logs.end()) {
      if (!warned)
        std::cerr << "tenet: callback monitors '" << key << "', which is not in the logs ("
                  << [&] {
                       std::string s;
                       for (const auto& [k, v] : logs) s += (s.empty() ? "" : ", ") + k;
                       return s;
                     }()
                  << "); it does nothing. Add validation data for val_ keys.\n";
      warned = true;
      return -1;
    }
    double v = it->second;
    bool better = !has_best || (max ? v > best + min_delta : v < best - min_delta);
    if (better) {
      best = v;
      has_best = true;
      wait = 0;
      return 1;
    }
    ++wait;
    return 0;
  }
};

std::vector<Tensor> snapshot(const Model& m) {
  std::vector<Tensor> s;
  for (const auto& w : m.weights()) s.push_back(w.clone());
  return s;
}

void restore(Model& m, const std::vector<Tensor>& saved) {
  auto ws = m.weights();
  for (std::size_t i = 0; i < ws.size() && i < saved.size(); ++i)
    std::memcpy(written_bytes(ws[i]), saved[i].raw_data(), saved[i].nbytes());
}

class EarlyStoppingImpl : public CallbackImpl {
 public:
  explicit EarlyStoppingImpl(EarlyStoppingOptions o) : o_(std::move(o)) {
    const Site where("EarlyStopping", "Callback");
    checks::check_option_range("EarlyStoppingOptions::patience", o_.patience, 0,
                               std::numeric_limits<int>::max(), where, Phase::build);
    checks::check_option_finite("EarlyStoppingOptions::min_delta", o_.min_delta, where,
                                Phase::build);
    mon_.key = o_.monitor;
    mon_.max = maximise(o_.mode, o_.monitor);
    mon_.min_delta = std::abs(o_.min_delta);
  }
  void on_train_begin(Model&) override {
    Monitor fresh;
    fresh.key = mon_.key;
    fresh.max = mon_.max;
    fresh.min_delta = mon_.min_delta;
    mon_ = fresh;
    best_.clear();
  }
  void on_epoch_end(Model& m, int, Logs& logs) override {
    int r = mon_.observe(logs);
    if (r == 1 && o_.restore_best_weights) best_ = snapshot(m);
    // Keras: stop once `patience` epochs passed without improvement (patience 0: at the first).
    if (r == 0 && mon_.wait >= std::max(o_.patience, 1)) {
      m.stop_training = true;
      if (o_.restore_best_weights && !best_.empty()) restore(m, best_);
    }
  }

 private:
  EarlyStoppingOptions o_;
  Monitor mon_;
  std::vector<Tensor> best_;
};

class TerminateOnNaNImpl : public CallbackImpl {
 public:
  bool guards_nan() const override { return true; }
  void on_batch_end(Model& m, int batch, Logs& logs) override {
    auto it = logs.find("loss");
    if (it != logs.end() && !std::isfinite(it->second)) {
      std::cerr << "tenet: " << checks::batch_name(batch) << ": invalid loss " << it->second
                << ", terminating training (the last good weights are kept)\n";
      m.stop_training = true;
    }
  }
};

class CSVLoggerImpl : public CallbackImpl {
 public:
  CSVLoggerImpl(std::string path, CSVLoggerOptions o) : path_(std::move(path)), o_(o) {
    checks::check_csv_separator(o_.separator, Site("CSVLogger", "Callback"));
  }
  // The file is rewritten whole (atomically) at the start and after each epoch, never opened
  // in place: a FIFO, device or directory is refused (options.invalid) instead of blocking.
  void on_train_begin(Model&) override {
    content_.clear();
    struct stat st;
    if (o_.append && ::stat(path_.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      std::ifstream in(path_, std::ios::binary);
      content_.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    header_written_ = !content_.empty();
    keys_.clear();
    if (distributed::writes_files())  // a data-parallel fit: rank 0 writes
      files::write_file_atomically(path_, "CSVLogger", content_);
  }
  // The columns are the first epoch's keys (Keras's CSVLogger too); a key missing later is NA.
  void on_epoch_end(Model&, int epoch, Logs& logs) override {
    if (keys_.empty())
      for (const auto& [k, v] : logs) keys_.push_back(k);
    if (!header_written_) content_ += csv_rows::header(keys_, o_.separator);
    header_written_ = true;
    std::vector<std::optional<double>> values;
    for (const auto& k : keys_) {
      const auto it = logs.find(k);
      values.push_back(it == logs.end() ? std::nullopt : std::optional<double>(it->second));
    }
    content_ += csv_rows::row(epoch, values, o_.separator);
    if (distributed::writes_files()) files::write_file_atomically(path_, "CSVLogger", content_);
  }

 private:
  std::string path_;
  CSVLoggerOptions o_;
  std::string content_;  // the whole file as written so far
  std::vector<std::string> keys_;
  bool header_written_ = false;
};

class ReduceLROnPlateauImpl : public CallbackImpl {
 public:
  explicit ReduceLROnPlateauImpl(ReduceLROnPlateauOptions o) : o_(std::move(o)) {
    const Site where("ReduceLROnPlateau", "Callback");
    // factor multiplies the rate on a plateau: 1 or more would never reduce it (Keras refuses
    // it too), 0 would stop learning.
    if (!(o_.factor > 0.0 && o_.factor < 1.0))
      checks::invalid_option("ReduceLROnPlateauOptions::factor", checks::option_value(o_.factor),
                             "a fraction in (0, 1)", where, Phase::build);
    const int most = std::numeric_limits<int>::max();
    checks::check_option_range("ReduceLROnPlateauOptions::patience", o_.patience, 0, most, where,
                               Phase::build);
    checks::check_option_range("ReduceLROnPlateauOptions::cooldown", o_.cooldown, 0, most, where,
                               Phase::build);
    checks::check_option_real("ReduceLROnPlateauOptions::min_lr", o_.min_lr, 0.0,
                              std::numeric_limits<double>::infinity(), false, where, Phase::build);
    checks::check_option_finite("ReduceLROnPlateauOptions::min_delta", o_.min_delta, where,
                                Phase::build);
    mon_.key = o_.monitor;
    mon_.max = maximise(o_.mode, o_.monitor);
    mon_.min_delta = o_.min_delta;
  }
  void on_train_begin(Model& m) override {
    const auto opt = m.optimizer().impl();
    opt->require_settable_rate("ReduceLROnPlateau", opt->learning_rate());
  }
  void on_epoch_end(Model& m, int epoch, Logs& logs) override {
    auto opt = m.optimizer().impl();
    logs["learning_rate"] = opt->learning_rate();
    if (cooldown_ > 0) {
      --cooldown_;
      mon_.wait = 0;
    }
    if (mon_.observe(logs) != 0 || mon_.wait < o_.patience) return;
    double lr = opt->learning_rate();
    double next = std::max(lr * o_.factor, o_.min_lr);
    if (next < lr && next > 0 && checks::fits_float32(next)) {  // 0 in float32 is not a rate
      opt->set_learning_rate(next);
      if (o_.verbose)
        std::cout << "Epoch " << epoch + 1 << ": ReduceLROnPlateau reducing learning rate to "
                  << next << "\n";
      cooldown_ = o_.cooldown;
      mon_.wait = 0;
    }
  }

 private:
  ReduceLROnPlateauOptions o_;
  Monitor mon_;
  int cooldown_ = 0;
};

class LearningRateSchedulerImpl : public CallbackImpl {
 public:
  LearningRateSchedulerImpl(std::function<double(int, double)> schedule, int verbose)
      : schedule_(std::move(schedule)), verbose_(verbose) {
    if (!schedule_)
      checks::empty_handle("the schedule function of LearningRateScheduler", "std::function",
                           Site("LearningRateScheduler", "Callback"), Phase::build);
  }
  void on_train_begin(Model& m) override {
    const auto opt = m.optimizer().impl();
    opt->require_settable_rate("LearningRateScheduler", opt->learning_rate());
  }
  void on_epoch_begin(Model& m, int epoch) override {
    const auto opt = m.optimizer().impl();
    const double lr = schedule_(epoch, opt->learning_rate());
    if (!(lr > 0 && checks::fits_float32(lr)))
      checks::invalid_option("the LearningRateScheduler function's result",
                             checks::option_value(lr),
                             "a rate > 0 that float32 holds (1.2e-38 to 3.4e+38)", Site("LearningRateScheduler", "Callback"),
                             Phase::run,
                             "for epoch " + std::to_string(epoch) + " (0-based) the function "
                             "returned " + checks::option_value(lr) +
                                 ", which would stop training or make the weights NaN",
                             "return a finite rate > 0 for every epoch");
    opt->set_learning_rate(lr);
    if (verbose_)
      std::cout << "\nEpoch " << epoch + 1 << ": LearningRateScheduler setting learning rate to "
                << lr << ".\n";
  }
  void on_epoch_end(Model& m, int, Logs& logs) override {
    logs["learning_rate"] = m.optimizer().impl()->learning_rate();
  }

 private:
  std::function<double(int, double)> schedule_;
  int verbose_;
};

class LambdaCallbackImpl : public CallbackImpl {
 public:
  explicit LambdaCallbackImpl(LambdaCallbackOptions o) : o_(std::move(o)) {}
  void on_train_begin(Model& m) override { if (o_.on_train_begin) o_.on_train_begin(m); }
  void on_train_end(Model& m) override { if (o_.on_train_end) o_.on_train_end(m); }
  void on_epoch_begin(Model& m, int e) override { if (o_.on_epoch_begin) o_.on_epoch_begin(m, e); }
  void on_epoch_end(Model& m, int e, Logs& l) override { if (o_.on_epoch_end) o_.on_epoch_end(m, e, l); }
  void on_batch_end(Model& m, int b, Logs& l) override { if (o_.on_batch_end) o_.on_batch_end(m, b, l); }

 private:
  LambdaCallbackOptions o_;
};

class ModelCheckpointImpl : public CallbackImpl {
 public:
  ModelCheckpointImpl(std::string path, ModelCheckpointOptions o, Site site)
      : path_(std::move(path), "ModelCheckpoint filepath", site, Phase::run), o_(std::move(o)),
        site_(std::move(site)) {
    // A .keras name would hold weights only: refused now, not after the first epoch.
    checks::check_weights_path("ModelCheckpoint filepath", path_.pattern(), site_, Phase::build);
    mon_.key = o_.monitor;
    mon_.max = maximise(o_.mode, o_.monitor);
  }
  void on_train_begin(Model&) override { keys_checked_ = false; }
  void on_epoch_end(Model& m, int epoch, Logs& logs) override {
    // At the first epoch, whether or not it saves: a key the logs do not hold is refused now,
    // not at the first improvement (which may come late, or never).
    if (!keys_checked_) path_.check_keys(logs, site_);
    keys_checked_ = true;
    if (o_.save_best_only && mon_.observe(logs) != 1) return;
    if (!distributed::writes_files()) return;  // a data-parallel fit: rank 0 saves
    std::string file = path_.format(epoch + 1, logs, site_);
    m.save_weights(file);
    if (o_.verbose) std::cout << "Epoch " << epoch + 1 << ": saved weights to " << file << "\n";
  }

 private:
  PathTemplate path_;
  ModelCheckpointOptions o_;
  Site site_;
  Monitor mon_;
  bool keys_checked_ = false;
};

}  // namespace

std::string format_filepath(const std::string& pattern, int epoch, const Logs& logs) {
  const Site site("ModelCheckpoint", "Callback");
  return PathTemplate(pattern, "format_filepath pattern", site, Phase::run).format(epoch, logs, site);
}

EarlyStopping::EarlyStopping(EarlyStoppingOptions o) : Callback(std::make_shared<EarlyStoppingImpl>(std::move(o))) {}
TerminateOnNaN::TerminateOnNaN() : Callback(std::make_shared<TerminateOnNaNImpl>()) {}
CSVLogger::CSVLogger(std::string path, CSVLoggerOptions o)
    : Callback(std::make_shared<CSVLoggerImpl>(std::move(path), o)) {}
namespace {
// Keras's callbacks print (1) or not (0); FitOptions::verbose is refused outside its range too.
int checked_verbose(const char* option, int v, const char* callback) {
  checks::check_option_range(option, v, 0, 1, Site(callback, "Callback"), Phase::build);
  return v;
}
}  // namespace

ReduceLROnPlateau::ReduceLROnPlateau(ReduceLROnPlateauOptions o)
    : Callback((checked_verbose("ReduceLROnPlateauOptions::verbose", o.verbose, "ReduceLROnPlateau"),
                std::make_shared<ReduceLROnPlateauImpl>(std::move(o)))) {}
LearningRateScheduler::LearningRateScheduler(std::function<double(int, double)> schedule,
                                             int verbose)
    : Callback(std::make_shared<LearningRateSchedulerImpl>(
          std::move(schedule),
          checked_verbose("LearningRateScheduler verbose", verbose, "LearningRateScheduler"))) {}

LambdaCallback::LambdaCallback(LambdaCallbackOptions o) : Callback(std::make_shared<LambdaCallbackImpl>(std::move(o))) {}
ModelCheckpoint::ModelCheckpoint(std::string path, ModelCheckpointOptions o, std::source_location loc)
    : Callback((checked_verbose("ModelCheckpointOptions::verbose", o.verbose, "ModelCheckpoint"),
                std::make_shared<ModelCheckpointImpl>(std::move(path), std::move(o),
                                                      Site("ModelCheckpoint", "Callback", loc)))) {}

}  // namespace tenet
