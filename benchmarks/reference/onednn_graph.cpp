// The plumbing of the reference graph: buffers, reorders, parameters, running the step lists,
// SGD and the batch-norm moving averages. The layers themselves are in onednn_layers.cpp.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <sstream>

#include "reference/onednn_graph.hpp"

namespace tenet_bench::detail {

namespace {

std::string desc_str(const memory::desc& d) {
  std::ostringstream s;
  s << "(";
  auto dims = d.dims();
  for (std::size_t i = 0; i < dims.size(); ++i) s << (i ? ", " : "") << dims[i];
  s << ")";
  return s.str();
}

float* floats(const memory& m) { return static_cast<float*>(m.get_data_handle()); }
std::size_t float_count(const memory& m) { return m.get_desc().get_size() / sizeof(float); }

}  // namespace

Graph::Graph(std::uint32_t seed) : eng_(dnnl::engine::kind::cpu, 0), strm_(eng_), rng_(seed) {}

dnnl::primitive_attr Graph::attr(bool relu) const {
  dnnl::primitive_attr a;  // a fresh handle: primitive_attr copies share their C object
  a.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  if (relu) {
    dnnl::post_ops po;
    po.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
    a.set_post_ops(po);
  }
  return a;
}

memory Graph::alloc(const memory::desc& md) {
  memory m(md, eng_);  // oneDNN-allocated, 64-byte aligned, zeroed here (padding stays 0)
  std::memset(m.get_data_handle(), 0, md.get_size());
  return m;
}

Step Graph::make_step(const dnnl::primitive_desc_base& pd, dnnl::primitive p,
                      std::unordered_map<int, memory> args, const std::string& what) {
  std::size_t need = pd.scratchpad_desc().get_size();
  scratch_bytes_ = std::max(scratch_bytes_, need);
  return Step{std::move(p), std::move(args), need > 0, what + ": " + pd.impl_info_str(), layer_};
}

void Graph::add(std::vector<Step>& steps, const dnnl::primitive_desc_base& pd,
                dnnl::primitive p, std::unordered_map<int, memory> args,
                const std::string& what) {
  steps.push_back(make_step(pd, std::move(p), std::move(args), what));
}

void Graph::add_fwd(Mode mode, const dnnl::primitive_desc_base& pd, dnnl::primitive p,
                    std::unordered_map<int, memory> args, const std::string& what) {
  fwd_.emplace_back(mode, make_step(pd, std::move(p), std::move(args), what));
}

memory Graph::adapt(std::vector<Step>& steps, const memory& m, const memory::desc& want) {
  if (m.get_desc() == want) return m;
  memory out = alloc(want);
  dnnl::reorder::primitive_desc pd(eng_, m.get_desc(), eng_, want, attr(false));
  add(steps, pd, dnnl::reorder(pd), {{DNNL_ARG_FROM, m}, {DNNL_ARG_TO, out}},
      "reorder " + desc_str(want));
  ++reorders_;
  return out;
}

memory Graph::adapt_fwd(const memory& m, const memory::desc& want) {
  std::vector<Step> tmp;
  memory out = adapt(tmp, m, want);
  for (auto& s : tmp) fwd_.emplace_back(Mode::both, std::move(s));
  return out;
}

memory Graph::sink(std::vector<Step>& after, const memory& target, const memory::desc& got) {
  if (target.get_desc() == got) return target;
  memory tmp = alloc(got);
  dnnl::reorder::primitive_desc pd(eng_, got, eng_, target.get_desc(), attr(false));
  add(after, pd, dnnl::reorder(pd), {{DNNL_ARG_FROM, tmp}, {DNNL_ARG_TO, target}},
      "reorder " + desc_str(got));
  ++reorders_;
  return tmp;
}

Act Graph::input(std::int64_t n, std::int64_t c, std::int64_t h, std::int64_t w) {
  // The caller's (N, H, W, C) buffer. With one channel it is byte for byte plain NCHW, the
  // layout oneDNN's convolutions take for a single input channel, so no reorder is needed.
  auto tag = c == 1 ? memory::format_tag::nchw : memory::format_tag::nhwc;
  memory::desc md({n, c, h, w}, memory::data_type::f32, tag);
  return Act{memory(md, eng_, DNNL_MEMORY_NONE), {}};
}

void Graph::bind(const Act& in, const float* nhwc) {
  memory m = in.value;  // memory is a shared handle: every step holding it sees the pointer
  m.set_data_handle(const_cast<float*>(nhwc));  // only read by the primitives
}

std::vector<float> Graph::glorot(std::int64_t count, std::int64_t fan_in,
                                 std::int64_t fan_out) {
  float limit = std::sqrt(6.0f / static_cast<float>(fan_in + fan_out));
  std::uniform_real_distribution<float> u(-limit, limit);
  std::vector<float> v(static_cast<std::size_t>(count));
  for (auto& x : v) x = u(rng_);
  return v;
}

// `init` is in the user layout `user` (Keras's: HWIO kernels, (in, out) dense kernels).
Param Graph::make_param(const memory::desc& want, const memory::desc& user,
                        const std::vector<float>& init) {
  Param p{alloc(want), alloc(want), alloc(want)};
  memory src(user, eng_, const_cast<float*>(init.data()));
  dnnl::reorder(src, p.w).execute(strm_, src, p.w);
  strm_.wait();
  params_.push_back(p);
  n_params_ += static_cast<std::int64_t>(init.size());
  return p;
}

void Graph::finish() {
  bwd_.clear();
  for (auto g = bwd_groups_.rbegin(); g != bwd_groups_.rend(); ++g)
    for (auto& s : *g) bwd_.push_back(s);
  memory::desc sd({static_cast<memory::dim>(std::max<std::size_t>(scratch_bytes_, 1))},
                  memory::data_type::u8, memory::format_tag::x);
  scratch_ = memory(sd, eng_);
  for (auto& [mode, s] : fwd_)
    if (s.scratch) s.args[DNNL_ARG_SCRATCHPAD] = scratch_;
  for (auto& s : bwd_)
    if (s.scratch) s.args[DNNL_ARG_SCRATCHPAD] = scratch_;
}

void Graph::forward_training() {
  for (auto& [mode, s] : fwd_)
    if (mode != Mode::infer) s.prim.execute(strm_, s.args);
  strm_.wait();
}

void Graph::forward_inference() {
  for (auto& [mode, s] : fwd_)
    if (mode != Mode::train) s.prim.execute(strm_, s.args);
  strm_.wait();
}

void Graph::backward() {
  for (auto& s : bwd_) s.prim.execute(strm_, s.args);
  strm_.wait();
}

void Graph::sgd(float lr, float momentum) {
  for (auto& p : params_) {
    float* w = floats(p.w);  // all three in the forward primitive's layout
    const float* g = floats(p.dw);
    float* v = floats(p.v);
    auto n = static_cast<std::int64_t>(float_count(p.w));
#pragma omp parallel for simd if (n > 32768)
    for (std::int64_t i = 0; i < n; ++i) {
      v[i] = momentum * v[i] - lr * g[i];
      w[i] += v[i];
    }
  }
}

void Graph::update_moving_stats(float momentum) {
  for (auto& s : bn_) {
    float* mm = floats(s.moving_mean);  // (C)
    float* mv = floats(s.moving_var);   // (C)
    const float* m = floats(s.mean);
    const float* v = floats(s.var);
    for (std::size_t c = 0; c < float_count(s.mean); ++c) {
      mm[c] = momentum * mm[c] + (1.0f - momentum) * m[c];
      mv[c] = momentum * mv[c] + (1.0f - momentum) * v[c];
    }
  }
}

double Graph::gradient_sq_norm(int k) const {
  double s = 0.0;
  for (int i = 0; i < parameter_tensors(); ++i) {
    if (k >= 0 && i != k) continue;
    const float* g = floats(params_[i].dw);
    for (std::size_t j = 0; j < float_count(params_[i].dw); ++j) s += double(g[j]) * g[j];
  }
  return s;
}

void Graph::move_along_gradient(int k, float step) {
  float* w = floats(params_.at(k).w);
  const float* g = floats(params_[k].dw);
  for (std::size_t j = 0; j < float_count(params_[k].w); ++j) w[j] += step * g[j];
}

std::vector<LayerTime> Graph::profile(int steps, const std::function<void()>& loss) {
  using Clock = std::chrono::steady_clock;
  std::vector<LayerTime> rows;
  auto charge = [&](const Step& s, bool backward) {
    auto t0 = Clock::now();
    s.prim.execute(strm_, s.args);
    strm_.wait();
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count() / steps;
    auto it = std::find_if(rows.begin(), rows.end(), [&](const LayerTime& r) { return r.layer == s.layer; });
    if (it == rows.end()) it = rows.insert(rows.end(), LayerTime{s.layer});
    (backward ? it->backward_ms : it->forward_ms) += ms;
  };
  for (int i = 0; i < steps; ++i) {
    for (auto& [mode, s] : fwd_)
      if (mode != Mode::infer) charge(s, false);
    loss();
    for (auto& s : bwd_) charge(s, true);
  }
  return rows;
}

std::string Graph::describe() const {
  std::ostringstream s;
  s << "forward:\n";
  for (const auto& [mode, st] : fwd_)
    s << "  " << (mode == Mode::train ? "[train] " : mode == Mode::infer ? "[infer] " : "")
      << st.what << "\n";
  s << "backward:\n";
  for (const auto& st : bwd_) s << "  " << st.what << "\n";
  s << "reorders per step: " << reorders_ << ", scratchpad bytes: " << scratch_bytes_
    << ", parameters: " << n_params_ << "\n";
  return s.str();
}

}  // namespace tenet_bench::detail
