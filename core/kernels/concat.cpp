#include "core/kernels/concat.hpp"

#include <cstring>

#include "core/kernels/memory.hpp"
#include "core/kernels/parallel.hpp"
#include "core/kernels/plan_cache.hpp"

namespace tenet::kernels {

using namespace dnnl;

struct ConcatPlan {
  std::vector<memory::desc> row_major, src;  // per input
  memory::desc out_row_major, dst;           // dst: the output's layout
  // Every input in one channel-blocked layout (aBcd16b, aBcd8b) with whole blocks: each image
  // of the output is its inputs' images one after the other, copied without a primitive.
  // oneDNN 2.6's "simple" concat took 10 us for two (1, 14, 14, 16) inputs on one thread
  // (ONEDNN_VERBOSE, 2026-12-07, AMD EPYC), element by element; the copies take well under 1.
  bool copies = false;
  concat::primitive_desc pd;
  concat prim;
};

namespace {

// The channel block of `d` when it is aBcd<block>b with 8 or 16 channels a block, else 0.
std::int64_t channel_block(const memory::desc& d) {
  const memory::dims dims = d.dims();
  if (dims.size() != 4) return 0;
  if (d == f32_desc(dims, tag::aBcd16b)) return 16;
  if (d == f32_desc(dims, tag::aBcd8b)) return 8;
  return 0;
}

// True when every input lies in the same channel-blocked layout with whole blocks.
bool whole_blocks(const std::vector<memory::desc>& src) {
  const std::int64_t block = channel_block(src[0]);
  if (block == 0) return false;
  for (const auto& d : src)
    if (channel_block(d) != block || d.dims()[1] % block != 0) return false;
  return true;
}

ConcatPlan make_plan(const std::vector<Tensor>& xs, const Shape& out_shape) {
  ConcatPlan p;
  for (const Tensor& x : xs) {
    p.row_major.push_back(nhwc_desc(x.shape()));
    p.src.push_back(stored_desc(x, p.row_major.back()));
  }
  p.out_row_major = nhwc_desc(out_shape);
  if (whole_blocks(p.src)) {
    p.copies = true;
    p.dst = f32_desc(p.out_row_major.dims(), channel_block(p.src[0]) == 16 ? tag::aBcd16b : tag::aBcd8b);
    return p;
  }
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
  p.dst = p.pd.dst_desc();
  return p;
}

// Image i of the joined tensor is image i of each part in turn (C_k * H * W floats, whole
// channel blocks): copies parts -> joined (forward) or joined -> parts (backward: each input's
// gradient is its images' slice of the output gradient).
void copy_images(float* joined, const std::vector<float*>& parts,
                 const std::vector<std::int64_t>& floats, std::int64_t n, bool into_joined) {
  std::int64_t image = 0;  // floats per joined image
  for (std::int64_t f : floats) image += f;
  auto copy_image = [&](std::int64_t i) {
    std::int64_t at = i * image;
    for (std::size_t k = 0; k < parts.size(); ++k) {
      float* part = parts[k] + i * floats[k];
      const std::size_t bytes = static_cast<std::size_t>(floats[k]) * sizeof(float);
      if (into_joined)
        std::memcpy(joined + at, part, bytes);
      else
        std::memcpy(part, joined + at, bytes);
      at += floats[k];
    }
  };
  // Copies move no value across threads' shares: the same bytes at any thread count. A small
  // concat runs inline (parallel_rows).
  parallel_rows(n, 1, [&](std::int64_t i, std::int64_t) { copy_image(i); }, n * image <= (1 << 16));
}

// The floats of one image of each tensor in `ts` (batch n).
std::vector<std::int64_t> image_floats(const std::vector<Tensor>& ts, std::int64_t n) {
  std::vector<std::int64_t> floats;
  for (const Tensor& t : ts) floats.push_back(n == 0 ? 0 : t.numel() / n);
  return floats;
}

std::vector<float*> data_of(const std::vector<Tensor>& ts) {
  std::vector<float*> out;
  for (const Tensor& t : ts) out.push_back(static_cast<float*>(stored_bytes(t)));
  return out;
}

}  // namespace

Tensor blocked_concat_channels(const std::vector<Tensor>& xs, const Shape& out_shape,
                               std::shared_ptr<const ConcatPlan>& plan) {
  thread_local PlanCache<ConcatPlan> plans(PlanCache<ConcatPlan>::kMostShared);
  thread_local std::vector<std::int64_t> key;  // its capacity kept: no allocation per call
  key.clear();
  for (const Tensor& x : xs) {
    key.insert(key.end(), x.shape().dims().begin(), x.shape().dims().end());
    append_layout_key(key, x);
  }
  plan = plans.get(key, [&] { return make_plan(xs, out_shape); });
  Tensor out = empty_in(out_shape, plan->dst, plan->out_row_major);
  if (plan->copies) {
    const std::int64_t n = out_shape[0];
    copy_images(static_cast<float*>(stored_bytes(out)), data_of(xs), image_floats(xs, n), n, true);
    return out;
  }
  Args args{{DNNL_ARG_DST, stored_memory(plan->dst, out)}};
  for (std::size_t i = 0; i < xs.size(); ++i)
    args.emplace(DNNL_ARG_MULTIPLE_SRC + static_cast<int>(i), stored_memory(plan->src[i], xs[i]));
  execute(plan->prim, plan->pd, std::move(args));
  return out;
}

std::vector<Tensor> blocked_concat_channels_backward(const ConcatPlan& p,
                                                     const std::vector<Shape>& shapes,
                                                     const Tensor& d) {
  std::vector<Tensor> gs;
  for (std::size_t i = 0; i < shapes.size(); ++i)
    gs.push_back(empty_in(shapes[i], p.src[i], p.row_major[i]));
  Tensor d_holder;  // d in the forward output's layout, if it does not lie so already
  memory whole = tensor_in_layout(d, p.out_row_major, p.dst, d_holder);
  if (p.copies) {  // whole blocks: each gradient is its images' slice of d, copied
    const std::int64_t n = shapes[0][0];
    copy_images(static_cast<float*>(whole.get_data_handle()), data_of(gs), image_floats(gs, n),
                n, false);
    return gs;
  }
  std::int64_t at = 0;
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    const Shape& s = shapes[i];
    memory::desc part = p.dst.submemory_desc({s[0], s[3], s[1], s[2]}, {0, at, 0, 0});
    reorder(memory(part, engine(), whole.get_data_handle()), stored_memory(p.src[i], gs[i]));
    at += s[3];
  }
  return gs;
}

}  // namespace tenet::kernels
