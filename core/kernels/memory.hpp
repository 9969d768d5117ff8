#pragma once
// oneDNN inside core/kernels (included by no file outside it): the engine and stream, memory
// descriptors for tenet's layouts, tensors in oneDNN's blocked layouts, tensors seen as oneDNN
// memory without copies, cached reorders and one reusable scratchpad. The kernels built on it
// (conv, batch_norm, max_pool, relu, concat) give layers and ops functions in tenet's terms.
//
// oneDNN always takes *logical* dims in NCHW / OIHW order; the format tag says how the bytes
// lie. tenet's row-major tensors are (N, H, W, C) = tag nhwc, Conv2D kernels (KH, KW, I, O) =
// tag hwio; between oneDNN layers an (N, H, W, C) tensor may lie in a blocked layout such as
// nChw16c (its StorageLayout says which).
#include <array>
#include <initializer_list>
#include <memory>
#include <utility>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

#include "core/kernels/context.hpp"
#include "core/kernels/layout.hpp"
#include <tenet/core/tensor/tensor.hpp>
#include "core/tensor/tensor_impl.hpp"  // StorageLayout, exclusively_owned

namespace tenet::kernels {

dnnl::engine& engine();
dnnl::stream& stream();

// oneDNN's dims for a shape (all dimensions must be known).
dnnl::memory::dims dims_of(const Shape& s);

using tag = dnnl::memory::format_tag;

// The arguments of one primitive execution (DNNL_ARG_SRC, ...), held in place: an
// unordered_map allocated a node per argument on every kernel call of a single-image predict.
class Args {
 public:
  Args(std::initializer_list<std::pair<int, dnnl::memory>> args) {
    for (const auto& [arg, m] : args) emplace(arg, m);
  }
  void emplace(int arg, dnnl::memory m);
  std::size_t size() const { return size_; }
  const std::pair<int, dnnl::memory>& operator[](std::size_t i) const { return args_[i]; }

 private:
  std::array<std::pair<int, dnnl::memory>, 16> args_;
  std::size_t size_ = 0;
};

// A float32 memory descriptor: logical oneDNN dims and the physical format tag.
dnnl::memory::desc f32_desc(const dnnl::memory::dims& dims, tag format);

// A oneDNN memory object of descriptor `d` over `handle`, made once per (owner, slot) on this
// thread and then only pointed at `handle` (set_data_handle): creating one per argument took two
// aligned allocations and a shared handle, 12-15 per single-image predict. `owner` is the plan
// (or layout object) whose kernel asks, `slot` its argument (DNNL_ARG_SRC, ...). Safe because a
// kernel call runs synchronously on its thread and never runs another call of the same owner
// before its own execution returns; so use the object only for one execution's arguments, never
// keep it (a cached kernel copy, a tensor) past that call.
dnnl::memory reused_memory(const void* owner, int slot, const dnnl::memory::desc& d,
                            void* handle);

// oneDNN memory over a row-major tensor's elements (no copy; a blocked tensor is made
// row-major first); `d` must describe exactly t.nbytes(). With an `owner`, the object is
// reused_memory(owner, slot, ...) (here and below).
dnnl::memory row_major_memory(const dnnl::memory::desc& d, const Tensor& t,
                              const void* owner = nullptr, int slot = 0);

// Memory of descriptor `d` over bytes from tenet's storage pool, kept alive by `holder`
// (oneDNN's own allocations are fresh pages on every call; the storage pool recycles them).
dnnl::memory recycled_memory(const dnnl::memory::desc& d, Tensor& holder);

// `src` itself when its layout already is `want`, else a reordered copy in recycled memory
// kept by `holder`.
dnnl::memory reorder_if_needed(const dnnl::memory& src, const dnnl::memory::desc& want,
                               Tensor& holder);

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

// The descriptor of t's bytes as they lie now: its blocked layout, else `row_major`.
dnnl::memory::desc stored_desc(const Tensor& t, const dnnl::memory::desc& row_major);

// An uninitialised f32 tensor of `shape` in layout `d`; `row_major` describes the same dims
// row-major. When `d` has the same bytes as row_major the tensor is a plain one.
Tensor empty_in(const Shape& shape, const dnnl::memory::desc& d,
                const dnnl::memory::desc& row_major);

// t's bytes as memory of layout `want`: t's own storage when its bytes already lie so (no
// copy), else a reordered copy in recycled memory kept by `holder`.
dnnl::memory tensor_in_layout(const Tensor& t, const dnnl::memory::desc& row_major,
                              const dnnl::memory::desc& want, Tensor& holder,
                              const void* owner = nullptr, int slot = 0);
// The same bytes as tensor_in_layout's, for tenet's own loops: no oneDNN memory object is made
// when t already lies in `want` (two allocations and a shared handle per call otherwise).
const void* bytes_in_layout(const Tensor& t, const dnnl::memory::desc& row_major,
                            const dnnl::memory::desc& want, Tensor& holder);

// t's storage as it lies, as memory of layout `d`, for a tensor made by empty_in(…, d, …): a
// blocked tensor must lie in `d` (checked); a row-major one only has its size checked.
dnnl::memory stored_memory(const dnnl::memory::desc& d, const Tensor& t,
                           const void* owner = nullptr, int slot = 0);
// stored_memory's bytes (same checks), without a oneDNN memory object: for tenet's own loops.
void* stored_data(const dnnl::memory::desc& d, const Tensor& t);

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

}  // namespace tenet::kernels
