// Replicas (core/training/distributed.hpp): what the ranks of a data-parallel fit exchange.
#include <chrono>
#include <cmath>
#include <cstring>

#include <tenet/core/contracts/checks.hpp>
#include "core/training/distributed.hpp"
#include "core/training/model_state.hpp"
#include "core/tensor/tensor_impl.hpp"  // written_data

namespace tenet::distributed {

namespace {

// A ContractInfo as text for the broadcast of an agreed error: length-prefixed fields.
void put(std::string& out, const std::string& s) { out += std::to_string(s.size()) + ':' + s; }
std::string take(const std::string& in, std::size_t& pos) {
  const std::size_t colon = in.find(':', pos);
  const std::size_t n = std::stoull(in.substr(pos, colon - pos));
  pos = colon + 1 + n;
  return in.substr(colon + 1, n);
}
void put_ints(std::string& out, const std::vector<int>& v) {
  put(out, std::to_string(v.size()));
  for (int i : v) put(out, std::to_string(i));
}
std::vector<int> take_ints(const std::string& in, std::size_t& pos) {
  std::vector<int> v(std::stoull(take(in, pos)));
  for (int& i : v) i = std::stoi(take(in, pos));
  return v;
}

std::string encode(const ContractInfo& c) {
  std::string out;
  const Site& w = c.where;
  for (const std::string* f : {&c.code, &w.name, &w.type, &w.file, &w.call_file, &w.call_what,
                               &c.summary, &c.expected, &c.actual, &c.during, &c.cause, &c.fix})
    put(out, *f);
  for (unsigned u : {static_cast<unsigned>(c.phase), w.line, w.call_line}) put(out, std::to_string(u));
  put_ints(out, c.marked);
  put_ints(out, c.marked_expected);
  put(out, std::to_string(c.provenance.size()));
  for (const auto& p : c.provenance) put(out, p);
  return out;
}

ContractInfo decode(const std::string& in) {
  ContractInfo c;
  Site& w = c.where;
  std::size_t pos = 0;
  for (std::string* f : {&c.code, &w.name, &w.type, &w.file, &w.call_file, &w.call_what,
                         &c.summary, &c.expected, &c.actual, &c.during, &c.cause, &c.fix})
    *f = take(in, pos);
  c.phase = static_cast<Phase>(std::stoi(take(in, pos)));
  w.line = static_cast<unsigned>(std::stoul(take(in, pos)));
  w.call_line = static_cast<unsigned>(std::stoul(take(in, pos)));
  c.marked = take_ints(in, pos);
  c.marked_expected = take_ints(in, pos);
  c.provenance.resize(std::stoull(take(in, pos)));
  for (auto& p : c.provenance) p = take(in, pos);
  return c;
}

// The failing rank's message: "C" + a contract error, or "E" + another error's text.
std::string describe(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const ContractError& e) {
    return "C" + encode(e.info());
  } catch (const InternalError& e) {
    return "I" + std::string(e.what());
  } catch (const std::exception& e) {
    return "E" + std::string(e.what());
  } catch (...) {
    return "Ean exception that is not a std::exception";
  }
}

// A model's structure as one number: layer types, variable shapes and dtypes, in order.
std::uint64_t fingerprint(const Model::State& s) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a
  auto mix = [&](const std::string& text) {
    for (unsigned char ch : text) h = (h ^ ch) * 1099511628211ULL;
    h = (h ^ 0xff) * 1099511628211ULL;
  };
  for (const auto& layer : s.layers) {
    mix(layer->type());
    for (const Tensor& w : layer->weights()) mix(w.shape().str() + dtype_name(w.dtype()));
  }
  return h;
}

double g_collective_seconds = 0;  // only the thread running fit adds to it

}  // namespace

double collective_seconds() { return g_collective_seconds; }

Replicas::Replicas(const MpiDataParallel& options, Model& m, Site where)
    : options_(options), m_(m), where_(std::move(where)), rank_(mpi::rank()), size_(mpi::size()) {}

mpi::Wait Replicas::wait(const std::string& what) const {
  return {what + " (" + at_ + ")", options_.timeout_seconds, where_};
}

void Replicas::set_position(std::string at, double share, double global_rows) {
  at_ = std::move(at);
  share_ = share;
  global_rows_ = global_rows;
}

void Replicas::agree() { exchange(nullptr); }

void Replicas::fail(std::exception_ptr error) {
  if (!agreed_ && !mpi::broken()) exchange(&error);
  std::rethrow_exception(error);
}

void Replicas::exchange(const std::exception_ptr* error) {
  const std::int64_t mine = error ? 1 : 0;
  std::vector<std::int64_t> all(static_cast<std::size_t>(size_));
  mpi::all_gather(&mine, all.data(), sizeof mine, wait("the agreement on the step's outcome"));
  int root = 0;
  while (root < size_ && all[static_cast<std::size_t>(root)] == 0) ++root;
  if (root == size_) return;
  // The lowest failing rank's error and position, on every rank.
  std::string text;
  if (rank_ == root) {
    text.clear();
    put(text, at_);
    text += describe(*error);
  }
  std::uint64_t length = text.size();
  mpi::broadcast(&length, sizeof length, root, wait("the broadcast of rank " + std::to_string(root) + "'s error"));
  text.resize(length);
  mpi::broadcast(text.data(), length, root, wait("the broadcast of rank " + std::to_string(root) + "'s error"));
  agreed_ = true;
  std::size_t pos = 0;
  const std::string at = take(text, pos);
  if (text[pos] == 'C') checks::replica_failed(decode(text.substr(pos + 1)), root, size_, at);
  if (rank_ == root) std::rethrow_exception(*error);  // its own error, unchanged
  checks::rank_failed(text.substr(pos + 1), text[pos] == 'I', root, size_, at, where_);
}

bool Replicas::reduce_step(const std::vector<Tensor>& trainable, Logs& logs, bool guard_nan) {
  const auto start = std::chrono::steady_clock::now();
  agree();
  std::vector<float> grads;
  for (const Tensor& w : trainable) {
    const Tensor g = w.grad();
    if (!g.defined()) continue;  // the same variables lack a gradient on every rank
    const float* p = g.data<float>();
    for (std::int64_t i = 0; i < g.numel(); ++i) grads.push_back(p[i] * static_cast<float>(share_));
  }
  std::vector<double> values;
  for (const auto& [key, value] : logs) values.push_back(value * share_);
  mpi::sum(grads.data(), grads.size(), static_cast<std::size_t>(options_.bucket_bytes),
           wait("the gradient sum"));
  mpi::sum(values.data(), values.size(), wait("the sum of the loss and metrics"));
  std::size_t at = 0;
  for (const Tensor& w : trainable) {
    Tensor g = w.grad();
    if (!g.defined()) continue;
    std::memcpy(g.data<float>(), grads.data() + at, sizeof(float) * static_cast<std::size_t>(g.numel()));
    at += static_cast<std::size_t>(g.numel());
  }
  at = 0;
  for (auto& [key, value] : logs) value = values[at++];
  g_collective_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return !(guard_nan && !std::isfinite(logs["loss"]));
}

Logs Replicas::reduce_validation(const Logs& local, double count) {
  agree();
  std::vector<double> values{count};
  for (const auto& [key, value] : local) values.push_back(value * count);
  mpi::sum(values.data(), values.size(), wait("the sum of the validation logs"));
  Logs out;
  std::size_t at = 1;
  for (const auto& [key, value] : local) out[key] = values[at++] / values[0];
  return out;
}

void Replicas::average_statistics() {
  agree();
  std::vector<Tensor> stats;
  for (const auto& layer : model_state(m_)->layers) {
    const std::vector<Tensor> w = layer->weights();
    const std::vector<bool> trainable = layer->trainable();
    for (std::size_t i = 0; i < w.size(); ++i)
      if (i < trainable.size() && !trainable[i] && w[i].dtype() == DType::f32) stats.push_back(w[i]);
  }
  // In double: the mean of equal values is that value, exactly, for any number of ranks.
  std::vector<double> values;
  for (const Tensor& t : stats) values.insert(values.end(), t.data<float>(), t.data<float>() + t.numel());
  mpi::sum(values.data(), values.size(), wait("the average of the moving statistics"));
  std::size_t at = 0;
  for (Tensor& t : stats) {
    float* p = t.data<float>();
    for (std::int64_t i = 0; i < t.numel(); ++i) p[i] = static_cast<float>(values[at++] / size_);
  }
}

void Replicas::sum_counts(MetricTally& tally) {
  agree();
  const std::vector<std::int64_t> counts = tally.counts();
  std::vector<double> values(counts.begin(), counts.end());  // exact below 2^53
  mpi::sum(values.data(), values.size(), wait("the sum of the metric counts"));
  tally.set_counts(std::vector<std::int64_t>(values.begin(), values.end()));
}

std::vector<double> Replicas::gather(const std::vector<double>& mine, const std::string& what) {
  const auto start = std::chrono::steady_clock::now();
  agree();
  std::vector<double> all(mine.size() * static_cast<std::size_t>(size_));
  mpi::all_gather(mine.data(), all.data(), sizeof(double) * mine.size(), wait(what));
  g_collective_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return all;
}

void Replicas::check_same(std::int64_t train_steps, std::int64_t validation_steps) {
  const std::vector<Tensor> weights = m_.weights();
  std::int64_t params = 0;
  for (const Tensor& w : weights) params += w.numel();
  struct Facts {
    std::uint64_t hash;
    std::int64_t variables, params, train_steps, validation_steps;
  } mine{fingerprint(*model_state(m_)), static_cast<std::int64_t>(weights.size()), params, train_steps,
         validation_steps};
  std::vector<Facts> all(static_cast<std::size_t>(size_));
  mpi::all_gather(&mine, all.data(), sizeof mine, wait("the comparison of the models"));
  std::vector<std::string> models, data;
  bool model_differs = false, data_differs = false;
  for (const Facts& f : all) {
    model_differs |= f.hash != all[0].hash || f.params != all[0].params;
    data_differs |= f.train_steps != all[0].train_steps || f.validation_steps != all[0].validation_steps;
    models.push_back(std::to_string(f.variables) + " variables, " + std::to_string(f.params) +
                     " parameters, structure #" + std::to_string(f.hash % 100000));
    data.push_back(std::to_string(f.train_steps) + " training and " +
                   std::to_string(f.validation_steps) + " validation batches per epoch");
  }
  if (model_differs)
    checks::distribution_mismatch("models", true, models, "build the same model (same layers, in the "
                                  "same order, with the same sizes) on every rank", where_);
  if (data_differs)
    checks::distribution_mismatch("batch counts", false, data, "give every rank the same data set (the "
                                  "same sample count) and the same batch_size: each rank keeps "
                                  "its share of every global batch", where_);
}

void Replicas::broadcast_state() {
  const mpi::Wait weights = wait("the broadcast of rank 0's weights");
  for (Tensor w : m_.weights())
    mpi::broadcast(written_data<float>(w), sizeof(float) * static_cast<std::size_t>(w.numel()), 0, weights);
  // The optimizer's step count and slots (a resumed run's moments), when rank 0 has them.
  OptimizerImpl& opt = *model_state(m_)->compiled.optimizer.impl();
  std::int64_t head[2] = {opt.iterations(), static_cast<std::int64_t>(opt.slots().size())};
  const mpi::Wait state = wait("the broadcast of rank 0's optimizer state");
  mpi::broadcast(head, sizeof head, 0, state);
  std::vector<std::vector<Tensor>> slots;
  const std::vector<Tensor> trainable = m_.trainable_weights();
  if (head[1] > 0 && opt.slots().size() == trainable.size()) slots = opt.slots();
  else if (head[1] > 0)
    for (const Tensor& v : trainable) {
      slots.emplace_back();
      for (int j = 0; j < opt.slot_count(); ++j) slots.back().push_back(Tensor::zeros(v.shape()));
    }
  for (auto& per_variable : slots)
    for (Tensor& t : per_variable)
      mpi::broadcast(t.data<float>(), sizeof(float) * static_cast<std::size_t>(t.numel()), 0, state);
  opt.set_state(head[0], std::move(slots));
}

}  // namespace tenet::distributed
