#pragma once
// Callbacks and History, as in Keras. A callback sees the model and the logs (loss and
// metrics by name) at the begin and end of training, of each epoch and of each batch.
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <source_location>
#include <string>
#include <vector>

namespace tenet {

class Model;
using Logs = std::map<std::string, double>;

class CallbackImpl {
 public:
  virtual ~CallbackImpl() = default;
  virtual void on_train_begin(Model&) {}
  virtual void on_train_end(Model&) {}
  virtual void on_epoch_begin(Model&, int /*epoch*/) {}
  virtual void on_epoch_end(Model&, int /*epoch*/, Logs& /*logs*/) {}
  virtual void on_batch_end(Model&, int /*batch*/, Logs& /*logs*/) {}
  // True for TerminateOnNaN: the model then skips an update whose loss is not finite.
  virtual bool guards_nan() const { return false; }
};

class Callback {
 public:
  Callback() = default;
  explicit Callback(std::shared_ptr<CallbackImpl> impl) : impl_(std::move(impl)) {}
  const std::shared_ptr<CallbackImpl>& impl() const { return impl_; }

 protected:
  std::shared_ptr<CallbackImpl> impl_;
};

// What fit returns: per-epoch values of loss, metrics and their val_ counterparts.
struct History {
  std::vector<int> epoch;
  std::map<std::string, std::vector<double>> history;
  std::string stop_reason;  // why training stopped early, empty when it ran all epochs
  const std::vector<double>& operator[](const std::string& key) const;
  std::vector<std::string> keys() const;
};

enum class Mode { automatic, min, max };

struct EarlyStoppingOptions {
  std::string monitor = "val_loss";
  int patience = 0;
  double min_delta = 0.0;
  Mode mode = Mode::automatic;  // max for *acc*, *precision*, *recall*, *f1_score*; else min
  bool restore_best_weights = false;
};
class EarlyStopping : public Callback {
 public:
  explicit EarlyStopping(EarlyStoppingOptions options = {});
};

// Stops training when the loss becomes NaN or infinite; the update of that batch is skipped,
// so the model keeps the last good weights.
class TerminateOnNaN : public Callback {
 public:
  TerminateOnNaN();
};

struct CSVLoggerOptions {
  // Any character no field holds (options.invalid otherwise): not a digit, '.', '+', '-', 'e' or
  // a letter of inf, nan and NA (values are written unquoted), nor '"', CR, LF or NUL.
  char separator = ',';
  bool append = false;
};
// Writes one row per epoch: the epoch counted from 1 (as "Epoch 1/5" and ModelCheckpoint's
// {epoch}; Keras's CSVLogger counts from 0), then the first epoch's log keys in sorted order,
// values in shortest round-trip form, NA for a key an epoch lacks. write_history_csv
// (data/report.hpp) writes the same format.
class CSVLogger : public Callback {
 public:
  explicit CSVLogger(std::string path, CSVLoggerOptions options = {});
};

struct ReduceLROnPlateauOptions {
  std::string monitor = "val_loss";
  double factor = 0.1;
  int patience = 10;
  double min_delta = 1e-4;
  int cooldown = 0;
  double min_lr = 0.0;
  Mode mode = Mode::automatic;
  int verbose = 0;
};
class ReduceLROnPlateau : public Callback {
 public:
  explicit ReduceLROnPlateau(ReduceLROnPlateauOptions options = {});
};

// Sets the learning rate at the start of each epoch to schedule(epoch, current rate), epoch
// counted from 0, as Keras's LearningRateScheduler; logs it as "learning_rate". Refused when
// the optimizer's rate comes from a LearningRateSchedule.
class LearningRateScheduler : public Callback {
 public:
  explicit LearningRateScheduler(std::function<double(int epoch, double lr)> schedule,
                                 int verbose = 0);
};

struct LambdaCallbackOptions {
  std::function<void(Model&)> on_train_begin, on_train_end;
  std::function<void(Model&, int)> on_epoch_begin;
  std::function<void(Model&, int, Logs&)> on_epoch_end, on_batch_end;
};
class LambdaCallback : public Callback {
 public:
  explicit LambdaCallback(LambdaCallbackOptions options);
};

struct ModelCheckpointOptions {
  std::string monitor = "val_loss";
  bool save_best_only = false;
  Mode mode = Mode::automatic;
  int verbose = 0;
};
// Saves weights after each epoch to `filepath`, a template such as
// "ckpt/epoch{epoch:02d}-{val_loss:.3f}.weights.h5" filled from the epoch and its logs. The
// template is parsed here: a field outside the accepted subset (core/training/path_template.hpp) raises
// options.invalid at once; a log key that the first epoch does not log raises callback.filepath
// at the end of that epoch.
class ModelCheckpoint : public Callback {
 public:
  explicit ModelCheckpoint(std::string filepath, ModelCheckpointOptions options = {},
                           std::source_location loc = std::source_location::current());
};

// Fills "{epoch:02d}" and "{key:.4f}"-style fields from the epoch (1-based) and the logs: the
// same subset as ModelCheckpoint, options.invalid outside it, callback.filepath for a key that
// `logs` does not hold.
std::string format_filepath(const std::string& pattern, int epoch, const Logs& logs);

}  // namespace tenet
