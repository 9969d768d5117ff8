#include "core/kernels/memory.hpp"

#include <omp.h>

#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <tenet/core/tensor/autograd.hpp>
#include "core/tensor/storage.hpp"
#include <tenet/core/contracts/checks.hpp>

namespace tenet::kernels {

namespace {

// Descriptors built the same way have the same bytes (see desc_bytes below): comparing the
// bytes first skips oneDNN's field-by-field comparison, hundreds of instructions, on the
// common path (layout_for, same_bytes and reused_memory compare several per kernel call).
bool equal_desc(const dnnl::memory::desc& a, const dnnl::memory::desc& b) {
  return std::memcmp(&a.data, &b.data, sizeof a.data) == 0 || a == b;
}

// A tensor's bytes in a oneDNN layout; converting to row-major is one reorder.
class DnnlLayout : public StorageLayout {
 public:
  DnnlLayout(dnnl::memory::desc blocked, dnnl::memory::desc row_major)
      : blocked_(std::move(blocked)), row_major_(std::move(row_major)) {}
  std::size_t bytes() const override { return blocked_.get_size(); }
  void to_row_major(const void* src, void* dst) const override {
    guarded("the conversion of a tensor to row-major", {}, [&] {
      reorder(reused_memory(this, DNNL_ARG_FROM, blocked_, const_cast<void*>(src)),
              reused_memory(this, DNNL_ARG_TO, row_major_, dst));
    });
  }
  const dnnl::memory::desc& desc() const { return blocked_; }
  const dnnl::memory::desc& row_major() const { return row_major_; }

 private:
  dnnl::memory::desc blocked_, row_major_;
};

// Valid while t lives (its SharedLayout keeps the layout object).
const DnnlLayout* layout_of(const Tensor& t) {
  if (!t.defined() || !impl_of(t)->layout) return nullptr;
  return dynamic_cast<const DnnlLayout*>(impl_of(t)->layout->peek());
}

}  // namespace

dnnl::memory::desc nhwc_desc(const Shape& s) {
  return f32_desc({s[0], s[3], s[1], s[2]}, tag::nhwc);
}

bool can_overwrite(const Tensor& dout, const dnnl::memory::desc& row_major,
                   const dnnl::memory::desc& want) {
  return exclusively_owned(dout) && same_bytes(stored_desc(dout, row_major), want);
}

bool is_blocked(const Tensor& t) { return layout_of(t) != nullptr; }

dnnl::memory::desc stored_desc(const Tensor& t, const dnnl::memory::desc& row_major) {
  const auto l = layout_of(t);
  return l ? l->desc() : row_major;
}

bool same_bytes(const dnnl::memory::desc& a, const dnnl::memory::desc& b) {
  const dnnl_memory_desc_t &x = a.data, &y = b.data;
  if (std::memcmp(&x, &y, sizeof x) == 0) return true;
  // Different inner blocks (a blocked output against nhwc, asked for every kernel output) are
  // neither equal descriptors nor the same bytes: no field-by-field comparison needed.
  if (x.format_kind == dnnl_blocked && y.format_kind == dnnl_blocked &&
      x.format_desc.blocking.inner_nblks != y.format_desc.blocking.inner_nblks)
    return false;
  if (a == b) return true;
  if (x.ndims != y.ndims || x.data_type != y.data_type || x.format_kind != dnnl_blocked ||
      y.format_kind != dnnl_blocked || x.offset0 != y.offset0)
    return false;
  const dnnl_blocking_desc_t &bx = x.format_desc.blocking, &by = y.format_desc.blocking;
  if (bx.inner_nblks != 0 || by.inner_nblks != 0) return false;
  for (int i = 0; i < x.ndims; ++i)  // strides of size-1 axes never move a byte
    if (x.dims[i] != y.dims[i] || x.padded_dims[i] != y.padded_dims[i] ||
        (x.dims[i] > 1 && bx.strides[i] != by.strides[i]))
      return false;
  return true;
}

namespace {
// The layout object of (d, row_major), shared by the tensors made in it (a layout is immutable):
// making one per output tensor copied two descriptors into a fresh 2.5 KB block on every kernel
// call. The last few per thread; a step or predict call uses a handful.
std::shared_ptr<const DnnlLayout> layout_for(const dnnl::memory::desc& d,
                                             const dnnl::memory::desc& row_major) {
  thread_local std::vector<std::shared_ptr<const DnnlLayout>> recent;  // newest last
  for (auto it = recent.rbegin(); it != recent.rend(); ++it)
    if (equal_desc((*it)->desc(), d) && equal_desc((*it)->row_major(), row_major)) return *it;
  if (recent.size() == 16) recent.erase(recent.begin());
  recent.push_back(std::make_shared<const DnnlLayout>(d, row_major));
  return recent.back();
}
}  // namespace

Tensor empty_in(const Shape& shape, const dnnl::memory::desc& d,
                const dnnl::memory::desc& row_major) {
  if (same_bytes(d, row_major)) return Tensor::empty(shape);
  return empty_in_layout(shape, layout_for(d, row_major));
}

namespace {
dnnl::memory memory_over(const dnnl::memory::desc& d, void* handle, const void* owner, int slot) {
  return owner ? reused_memory(owner, slot, d, handle) : dnnl::memory(d, engine(), handle);
}
}  // namespace

namespace {
// The row-major elements of t as the handle of memory `d` (which must describe t.nbytes()).
void* row_major_data(const dnnl::memory::desc& d, const Tensor& t) {
  if (d.get_size() != t.nbytes())
    internal_error("oneDNN memory of " + std::to_string(d.get_size()) + " bytes over a tensor " +
                   t.shape().str() + " of " + std::to_string(t.nbytes()) + " bytes");
  // oneDNN takes a non-const handle; tensors passed as read-only inputs are never written.
  return const_cast<void*>(t.raw_data());
}
}  // namespace

void* stored_data(const dnnl::memory::desc& d, const Tensor& t) {
  const auto l = layout_of(t);
  if (!l) return row_major_data(d, t);
  if (!same_bytes(l->desc(), d))
    internal_error("a tensor " + t.shape().str() + " seen in a layout it does not have");
  return stored_bytes(t);
}

dnnl::memory stored_memory(const dnnl::memory::desc& d, const Tensor& t, const void* owner,
                           int slot) {
  return memory_over(d, stored_data(d, t), owner, slot);
}

dnnl::memory tensor_in_layout(const Tensor& t, const dnnl::memory::desc& row_major,
                              const dnnl::memory::desc& want, Tensor& holder, const void* owner,
                              int slot) {
  const auto l = layout_of(t);
  const dnnl::memory::desc& have = l ? l->desc() : row_major;
  if (same_bytes(have, want)) return memory_over(want, stored_bytes(t), owner, slot);
  dnnl::memory out = recycled_memory(want, holder);
  reorder(dnnl::memory(have, engine(), stored_bytes(t)), out);
  return out;
}

const void* bytes_in_layout(const Tensor& t, const dnnl::memory::desc& row_major,
                            const dnnl::memory::desc& want, Tensor& holder) {
  const auto l = layout_of(t);
  if (same_bytes(l ? l->desc() : row_major, want)) return stored_bytes(t);
  return tensor_in_layout(t, row_major, want, holder).get_data_handle();
}

Tensor row_major_copy(const Tensor& t, const Shape& shape) {
  const auto l = layout_of(t);
  if (!l || static_cast<std::size_t>(shape.numel()) * sizeof(float) != t.nbytes())
    internal_error("a row-major copy of " + t.shape().str() + " as " + shape.str());
  Tensor out = Tensor::empty(shape);  // fresh: written without a version renewal
  l->to_row_major(stored_bytes(t), stored_bytes(out));
  return out;
}

void append_layout_key(std::vector<std::int64_t>& key, const Tensor& t) {
  const auto l = layout_of(t);
  if (!l) return key.push_back(0);
  const dnnl_memory_desc_t& d = l->desc().data;
  const dnnl_blocking_desc_t& b = d.format_desc.blocking;
  key.push_back(1 + b.inner_nblks);
  for (int i = 0; i < d.ndims; ++i) key.insert(key.end(), {b.strides[i], d.padded_dims[i]});
  for (int i = 0; i < b.inner_nblks; ++i) key.insert(key.end(), {b.inner_blks[i], b.inner_idxs[i]});
}

namespace {
struct SlotKey {
  const void* owner;
  int slot;
  bool operator==(const SlotKey&) const = default;
};
struct SlotHash {
  std::size_t operator()(const SlotKey& k) const {
    return std::hash<const void*>()(k.owner) ^ (static_cast<std::size_t>(k.slot) * 0x9E3779B9u);
  }
};
struct Slot {
  dnnl::memory::desc desc;
  dnnl::memory mem;
};
}  // namespace

dnnl::memory reused_memory(const void* owner, int slot, const dnnl::memory::desc& d,
                            void* handle) {
  // Bounded: plans of a long session come and go. An owner freed and another made at its
  // address finds the old object; the descriptor check makes it a new one when it differs.
  thread_local std::unordered_map<SlotKey, Slot, SlotHash> slots;
  auto it = slots.find({owner, slot});
  if (it == slots.end()) {
    if (slots.size() >= 4096) slots.clear();
    it = slots.emplace(SlotKey{owner, slot}, Slot{d, dnnl::memory(d, engine(), handle)}).first;
    return it->second.mem;
  }
  Slot& s = it->second;
  if (!equal_desc(s.desc, d)) {
    s.desc = d;
    s.mem = dnnl::memory(d, engine(), handle);
  } else {
    s.mem.set_data_handle(handle);  // zero-pads as creating the object did
  }
  return s.mem;
}

dnnl::memory::desc f32_desc(const dnnl::memory::dims& dims, tag format) {
  return dnnl::memory::desc(dims, dnnl::memory::data_type::f32, format);
}

dnnl::memory row_major_memory(const dnnl::memory::desc& d, const Tensor& t, const void* owner,
                              int slot) {
  return memory_over(d, row_major_data(d, t), owner, slot);
}

namespace {
// The bytes of a memory descriptor, as a cache key. Equal descriptors built the same way give
// equal bytes here; should two equal descriptors ever differ in unused bytes, the cost is one
// more cached primitive, never a wrong one.
std::string_view desc_bytes(const dnnl::memory::desc& d) {
  return {reinterpret_cast<const char*>(&d.data), sizeof d.data};
}
}  // namespace

namespace {

// Reorders of at most this many source bytes run on one thread (see reorder).
constexpr std::size_t kSerialReorderBytes = std::size_t(128) << 10;

void run_reorder(const dnnl::memory& src, const dnnl::memory& dst) {
  // Reorder primitives per (source, destination) layout pair: creating one costs several
  // microseconds, as much as moving a small tensor, and the same pairs recur every step.
  thread_local std::unordered_map<std::string, dnnl::reorder> cache;
  thread_local std::string key;  // its capacity kept: no allocation per reorder
  key.clear();
  key.append(desc_bytes(src.get_desc())).append(desc_bytes(dst.get_desc()));
  key.push_back(static_cast<char>(omp_get_max_threads()));  // fixed at creation, as PlanCache
  auto it = cache.find(key);
  if (it == cache.end()) {
    if (cache.size() >= 256) cache.clear();  // bounded: shapes of a long session come and go
    it = cache.emplace(key, dnnl::reorder(src, dst)).first;
  }
  FloatModeScope float_mode;
  // The C call (dnnl::reorder::execute builds a map of its two arguments on every call).
  const dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, src.get()}, {DNNL_ARG_TO, dst.get()}};
  const dnnl_status_t st = dnnl_primitive_execute(it->second.get(), stream().get(), 2, args);
  if (st != dnnl_success) throw dnnl::error(st, "could not execute a reorder");
  stream().wait();
}

}  // namespace

void reorder(const dnnl::memory& src, const dnnl::memory& dst) {
  // A small reorder runs on one thread: waking the pool for it costs more than the copy (a
  // 36 KB kernel took 4 us on 2 threads and under 1 us on one, a 73 KB one 2.2 us on 2 threads,
  // ONEDNN_VERBOSE, 2026-12-07, AMD EPYC). A reorder moves values without arithmetic: the same bytes at any thread count.
  const int threads = omp_get_max_threads();
  if (threads == 1 || src.get_desc().get_size() > kSerialReorderBytes) return run_reorder(src, dst);
  omp_set_num_threads(1);
  try {
    run_reorder(src, dst);
  } catch (...) {
    omp_set_num_threads(threads);
    throw;
  }
  omp_set_num_threads(threads);
}

dnnl::memory recycled_memory(const dnnl::memory::desc& d, Tensor& holder) {
  holder = Tensor::empty({static_cast<std::int64_t>(d.get_size())}, DType::u8);  // bytes
  return dnnl::memory(d, engine(), holder.raw_data());
}

dnnl::memory reorder_if_needed(const dnnl::memory& src, const dnnl::memory::desc& want,
                               Tensor& holder) {
  if (src.get_desc() == want) return src;
  dnnl::memory out = recycled_memory(want, holder);
  reorder(src, out);
  return out;
}

dnnl::primitive_attr scratchpad_attr(const dnnl::post_ops& ops) {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  attr.set_post_ops(ops);
  return attr;
}

namespace {
// One growing 64-byte-aligned buffer per thread; primitives run synchronously, so a single
// buffer serves every primitive in turn.
struct Scratch {
  void* data = nullptr;
  std::size_t size = 0;
  ~Scratch() { std::free(data); }
  void* reserve(std::size_t n) {
    if (n <= size) return data;
    std::free(data);
    size = (n + 63) / 64 * 64;
    data = std::aligned_alloc(64, size);
    if (!data) {  // out of memory now: not a bug of tenet (a plain tenet::Error with the bytes)
      const std::size_t asked = size;
      size = 0;
      checks::out_of_memory(Shape{static_cast<std::int64_t>(asked)}, DType::u8, asked,
                            Site("scratchpad", "kernel"));
    }
    return data;
  }
};
thread_local Scratch g_scratch;
}  // namespace

void Args::emplace(int arg, dnnl::memory m) {
  if (size_ == args_.size()) internal_error("more than 16 arguments for one oneDNN primitive");
  args_[size_++] = {arg, std::move(m)};
}

void execute(const dnnl::primitive& p, const dnnl::primitive_desc_base& pd, Args args) {
  FloatModeScope float_mode;
  dnnl::memory::desc sd = pd.scratchpad_desc();
  if (sd.get_size() > 0)
    args.emplace(DNNL_ARG_SCRATCHPAD, reused_memory(p.get(), DNNL_ARG_SCRATCHPAD, sd,
                                                    g_scratch.reserve(sd.get_size())));
  // The C call with the arguments on the stack (dnnl::primitive::execute takes a map).
  std::array<dnnl_exec_arg_t, 16> c_args;
  for (std::size_t i = 0; i < args.size(); ++i) c_args[i] = {args[i].first, args[i].second.get()};
  const dnnl_status_t st = dnnl_primitive_execute(p.get(), stream().get(),
                                                  static_cast<int>(args.size()), c_args.data());
  if (st != dnnl_success) throw dnnl::error(st, "could not execute a primitive");
  stream().wait();
}

}  // namespace tenet::kernels
