#include "core/kernels/relu.hpp"

#include "core/kernels/memory.hpp"
#include "core/kernels/plan_cache.hpp"

namespace tenet::kernels {

using namespace dnnl;

struct ReluPlan {
  memory::desc row_major, data;
  eltwise_forward::primitive_desc fwd_pd;
  eltwise_backward::primitive_desc bwd_pd;
  eltwise_forward fwd;
  eltwise_backward bwd;
};

Tensor blocked_relu(const Tensor& x, std::shared_ptr<const ReluPlan>& plan) {
  thread_local PlanCache<ReluPlan> plans(PlanCache<ReluPlan>::kMostShared);
  const Shape& s = x.shape();
  memory::desc row_major = nhwc_desc(s);
  std::vector<std::int64_t> key(s.begin(), s.end());
  append_layout_key(key, x);
  plan = plans.get(key, [&] {
    ReluPlan p{row_major, stored_desc(x, row_major), {}, {}, {}, {}};
    const algorithm relu = algorithm::eltwise_relu_use_dst_for_bwd;
    p.fwd_pd = {{prop_kind::forward_training, relu, p.data, 0.0f}, scratchpad_attr(), engine()};
    p.bwd_pd = {{relu, p.data, p.data, 0.0f}, scratchpad_attr(), engine(), p.fwd_pd};
    p.fwd = eltwise_forward(p.fwd_pd);
    p.bwd = eltwise_backward(p.bwd_pd);
    return p;
  });
  Tensor y = empty_in(s, plan->data, row_major);
  execute(plan->fwd, plan->fwd_pd,
          {{DNNL_ARG_SRC, stored_memory(plan->data, x)}, {DNNL_ARG_DST, stored_memory(plan->data, y)}});
  return y;
}

Tensor blocked_relu_backward(const ReluPlan& p, const Tensor& y, const Tensor& dout) {
  // In place when the engine handed over a gradient in this layout that nothing else holds.
  const bool in_place = can_overwrite(dout, p.row_major, p.data);
  Tensor dx = in_place ? dout : empty_in(dout.shape(), p.data, p.row_major);
  Tensor y_holder, dout_holder;  // in the forward's layout, if they no longer lie in it
  execute(p.bwd, p.bwd_pd,
          {{DNNL_ARG_DST, tensor_in_layout(y, p.row_major, p.data, y_holder)},
           {DNNL_ARG_DIFF_DST, tensor_in_layout(dout, p.row_major, p.data, dout_holder)},
           {DNNL_ARG_DIFF_SRC, stored_memory(p.data, dx)}});
  return dx;
}

}  // namespace tenet::kernels
