#include "core/kernels/concat.hpp"

#include "core/kernels/memory.hpp"
#include "core/kernels/plan_cache.hpp"

namespace tenet::kernels {

using namespace dnnl;

struct ConcatPlan {
  std::vector<memory::desc> row_major, src;  // per input
  memory::desc out_row_major;
  concat::primitive_desc pd;
  concat prim;
};

namespace {

ConcatPlan make_plan(const std::vector<Tensor>& xs, const Shape& out_shape) {
  ConcatPlan p;
  for (const Tensor& x : xs) {
    p.row_major.push_back(nhwc_desc(x.shape()));
    p.src.push_back(stored_desc(x, p.row_major.back()));
  }
  p.out_row_major = nhwc_desc(out_shape);
  memory::desc any = f32_desc(p.out_row_major.dims(), tag::any);
  p.pd = concat::primitive_desc(any, 1, p.src, engine(), scratchpad_attr());
  // Each input's gradient is a sub-block of the output's: its channel offset must fall on
  // a block boundary of the layout oneDNN chose, else the output is row-major.
  const dnnl_blocking_desc_t& b = p.pd.dst_desc().data.format_desc.blocking;
  std::int64_t block = 1;
  for (int i = 0; i < b.inner_nblks; ++i)
    if (b.inner_idxs[i] == 1) block *= b.inner_blks[i];
  std::int64_t misaligned = 0;  // some channel offset off a block boundary
  for (std::size_t i = 0; i + 1 < xs.size(); ++i) misaligned |= xs[i].shape()[3] % block;
  if (misaligned != 0)
    p.pd = concat::primitive_desc(p.out_row_major, 1, p.src, engine(), scratchpad_attr());
  p.prim = concat(p.pd);
  return p;
}

}  // namespace

Tensor blocked_concat_channels(const std::vector<Tensor>& xs, const Shape& out_shape,
                               std::shared_ptr<const ConcatPlan>& plan) {
  thread_local PlanCache<ConcatPlan> plans;
  std::vector<std::int64_t> key;
  for (const Tensor& x : xs) {
    key.insert(key.end(), x.shape().dims().begin(), x.shape().dims().end());
    append_layout_key(key, x);
  }
  plan = plans.get(key, [&] { return make_plan(xs, out_shape); });
  Tensor out = empty_in(out_shape, plan->pd.dst_desc(), plan->out_row_major);
  Args args{{DNNL_ARG_DST, stored_memory(plan->pd.dst_desc(), out)}};
  for (std::size_t i = 0; i < xs.size(); ++i)
    args.emplace(DNNL_ARG_MULTIPLE_SRC + static_cast<int>(i), stored_memory(plan->src[i], xs[i]));
  execute(plan->prim, plan->pd, std::move(args));
  return out;
}

std::vector<Tensor> blocked_concat_channels_backward(const ConcatPlan& p,
                                                     const std::vector<Shape>& shapes,
                                                     const Tensor& d) {
  std::vector<Tensor> gs;
  Tensor d_holder;  // d in the forward output's layout, if it does not lie so already
  memory whole = tensor_in_layout(d, p.out_row_major, p.pd.dst_desc(), d_holder);
  std::int64_t at = 0;
  for (const Shape& s : shapes) {
    const std::size_t i = gs.size();
    memory::desc part = p.pd.dst_desc().submemory_desc({s[0], s[3], s[1], s[2]}, {0, at, 0, 0});
    Tensor g = empty_in(s, p.src[i], p.row_major[i]);
    reorder(memory(part, engine(), whole.get_data_handle()), stored_memory(p.src[i], g));
    gs.push_back(g);
    at += s[3];
  }
  return gs;
}

}  // namespace tenet::kernels
