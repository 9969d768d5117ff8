#pragma once
// Helpers shared by the oneDNN-backed layers and ops (Conv2D, MaxPool2D, BatchNorm, and relu
// and channel concat on their outputs): memory descriptors for tenet's layouts, tensors in
// oneDNN's blocked layouts, tensors wrapped as oneDNN memory without copies, cached reorders,
// one reusable scratchpad, and a per-shape cache of primitive plans.
//
// oneDNN always takes *logical* dims in NCHW / OIHW order; the format tag says how the bytes
// lie. tenet's row-major tensors are (N, H, W, C) = tag nhwc, Conv2D kernels (KH, KW, I, O) =
// tag hwio; between oneDNN layers an (N, H, W, C) tensor may lie in a blocked layout such as
// nChw16c (its StorageLayout says which).
#include <map>
#include <mutex>
#include <memory>
#include <unordered_map>

#include <oneapi/dnnl/dnnl.hpp>

#include "core/kernels/context.hpp"
#include <tenet/core/tensor/tensor.hpp>
#include "core/tensor/tensor_impl.hpp"  // StorageLayout, exclusively_owned

namespace tenet::kernels {

using tag = dnnl::memory::format_tag;
using Args = std::unordered_map<int, dnnl::memory>;

// A float32 memory descriptor: logical oneDNN dims and the physical format tag.
dnnl::memory::desc f32_desc(const dnnl::memory::dims& dims, tag format);

// oneDNN memory over a tensor's storage (no copy); `d` must describe exactly t.nbytes().
dnnl::memory wrap(const dnnl::memory::desc& d, const Tensor& t);

// `user` itself when its layout already is `want`, else a reordered copy in fresh memory.
dnnl::memory as_layout(const dnnl::memory& user, const dnnl::memory::desc& want);

// Memory of descriptor `d` over pooled tensor storage that `holder` keeps alive (oneDNN's own
// allocations are fresh pages on every call; tenet's storage pool recycles them).
dnnl::memory pooled(const dnnl::memory::desc& d, Tensor& holder);

// as_layout whose reordered copy lives in pooled storage kept by `holder`.
dnnl::memory as_layout(const dnnl::memory& user, const dnnl::memory::desc& want, Tensor& holder);

// ---- oneDNN's preferred layouts between layers ----
// A Conv2D, MaxPool2D or BatchNorm output lies in the layout its primitive prefers (for
// example nChw16c: channels in blocks of 16) and the next oneDNN layer reads it as it lies;
// anything else that reads the elements gets row-major bytes (see StorageLayout).

// The row-major (nhwc) descriptor of an (N, H, W, C) shape, in oneDNN's (N, C, H, W) dims.
dnnl::memory::desc nhwc_desc(const Shape& s);

// True when a backward closure may write its input gradient over `dout`: the engine handed it
// over and nothing else holds it (exclusively_owned), and it already lies in layout `want`.
bool can_overwrite(const Tensor& dout, const dnnl::memory::desc& row_major,
                   const dnnl::memory::desc& want);

// True when t's bytes lie in a oneDNN layout other than row-major (a 4-D float32 tensor).
bool is_blocked(const Tensor& t);

// The descriptor of t's bytes as they lie now: its blocked layout, else `row_major`.
dnnl::memory::desc stored_desc(const Tensor& t, const dnnl::memory::desc& row_major);

// An uninitialised f32 tensor of `shape` in layout `d`; `row_major` describes the same dims
// row-major. When `d` has the same bytes as row_major the tensor is a plain one.
Tensor empty_in(const Shape& shape, const dnnl::memory::desc& d,
                const dnnl::memory::desc& row_major);

// t's bytes as memory of layout `want`: t's own storage when its bytes already lie so (no
// copy), else a reordered copy in pooled storage kept by `holder`.
dnnl::memory read_as(const Tensor& t, const dnnl::memory::desc& row_major,
                     const dnnl::memory::desc& want, Tensor& holder);

// Memory of layout `d` over a tensor made by empty_in(…, d, …): a blocked tensor must lie in
// `d` (checked); a row-major one only has its size checked.
dnnl::memory wrap_in(const dnnl::memory::desc& d, const Tensor& t);

// True when the two descriptors put every element at the same byte (e.g. nchw and nhwc
// with one channel).
bool same_bytes(const dnnl::memory::desc& a, const dnnl::memory::desc& b);

// Appends the layout t lies in (0 for row-major) to a plan-cache key: plans built on their
// input's own layout (pooling, batch normalisation) differ by it.
void append_layout_key(std::vector<std::int64_t>& key, const Tensor& t);

// Copies `src` into `dst`, converting the layout.
void reorder(const dnnl::memory& src, const dnnl::memory& dst);

// Attributes asking for a user-provided scratchpad (see execute), plus optional post-ops.
dnnl::primitive_attr scratchpad_attr(const dnnl::post_ops& ops = dnnl::post_ops());

// Runs `p` with `args` and waits. When `pd` was created with scratchpad_attr, the scratchpad
// comes from one per-thread buffer that only grows, so no call allocates oneDNN scratch.
void execute(const dnnl::primitive& p, const dnnl::primitive_desc_base& pd, Args args);

// Primitive plans keyed by input shape. Plans are shared_ptrs so a backward closure keeps the
// plan of its forward call alive even if the cache is cleared in between. A layer's cache is
// shared by every thread calling that layer (predict on one Model from several threads), so
// lookups and insertions take a lock; the plans themselves are immutable, and their primitives
// use a per-thread scratchpad (execute), which oneDNN allows to run concurrently.
template <class Plan>
class PlanCache {
 public:
  template <class Make>
  std::shared_ptr<Plan> get(const std::vector<std::int64_t>& key, Make&& make) {
    std::lock_guard lock(mutex_);
    auto it = plans_.find(key);
    if (it != plans_.end()) return it->second;
    auto plan = std::make_shared<Plan>(make());
    plans_.emplace(key, plan);
    return plan;
  }

 private:
  std::mutex mutex_;
  std::map<std::vector<std::int64_t>, std::shared_ptr<Plan>> plans_;
};

}  // namespace tenet::kernels
