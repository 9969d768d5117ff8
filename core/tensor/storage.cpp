#include "core/tensor/storage.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <iterator>
#include <mutex>
#include <new>
#include <type_traits>
#include <unordered_map>

#include <tenet/core/contracts/checks.hpp>
#include "core/tensor/tensor_impl.hpp"

namespace tenet {

// Storage comes from a small caching pool: a training step allocates tensors of the same
// sizes again and again, and returning large blocks to the kernel (and faulting fresh zeroed
// pages back in) cost more than the arithmetic. Freed blocks are kept per exact size, up to
// a cap on the cached bytes. Inside a Model step (StepAllocations) an allocation of 64 KiB or
// more takes the block the same allocation of the previous step took when it is free: each
// tensor then lives in one fixed block, as in the raw-oneDNN reference (benchmarks/README.md,
// "2026-12-07's fifth session", has what it gained). Otherwise blocks go oldest first: a block
// freed long ago is what a program with one fixed buffer per tensor would write to. Handing out the block freed last instead (a stack) made
// every memory-bound primitive that writes a fresh buffer slower with identical descriptors:
// net B's first convolution forward 0.47-0.54 ms against 0.21 ms for the raw-oneDNN reference,
// its first BatchNorm forward 0.69-0.73 against 0.50-0.54 and backward 0.86-0.95 against
// 0.71-0.73 (2 threads, ONEDNN_VERBOSE per-call medians; oldest first: 0.21-0.31, 0.49-0.50 and
// 0.71-0.81, level with the reference, whose own numbers come from the same runs;
// benchmarks/README.md).
namespace {
class StoragePool {
 public:
  static StoragePool& instance() {
    static auto* pool = new StoragePool();  // never destroyed: tensors may outlive statics
    return *pool;
  }
  // `wanted`: the block to take when it is free (StepAllocations), else none.
  std::byte* take(std::size_t bytes, std::byte* wanted) {
    {
      std::lock_guard lock(mutex_);
      auto it = free_.find(bytes);
      if (it != free_.end() && !it->second.empty()) {
        std::deque<std::byte*>& blocks = it->second;
        auto at = blocks.begin();  // oldest first (see above), unless `wanted` is found
        if (wanted) {
          // Freed during or after the previous step, it lies among the blocks freed last: only
          // those are searched, so a size with a million free blocks costs no more.
          const auto newest = blocks.rbegin() + std::min(blocks.size(), kWantedSearched);
          const auto found = std::find(blocks.rbegin(), newest, wanted);
          if (found != newest) at = std::prev(found.base());
        }
        std::byte* p = *at;
        blocks.erase(at);
        cached_ -= bytes;
        return p;
      }
    }
    // 64-byte aligned, on the system's normal pages. Huge pages (2 MiB-aligned blocks with
    // MADV_HUGEPAGE) were tried: no speed-up of a training step stood out of the noise, and
    // the first step got slower (each first touch clears a whole 2 MiB page: net B's first
    // step took 133-221 ms instead of 66-89 ms, benchmarks/README.md).
    void* p = std::aligned_alloc(64, bytes);
    if (!p && release_cached()) p = std::aligned_alloc(64, bytes);  // the cache gave memory back
    return static_cast<std::byte*>(p);  // null: out of memory
  }
  void give(std::byte* p, std::size_t bytes) {
    {
      std::lock_guard lock(mutex_);
      if (cached_ + bytes <= kMaxCached) {
        free_[bytes].push_back(p);
        cached_ += bytes;
        return;
      }
    }
    std::free(p);
  }

 private:
  // Frees every cached block; true when there were some (an allocation may then succeed).
  bool release_cached() {
    std::lock_guard lock(mutex_);
    if (cached_ == 0) return false;
    for (auto& [bytes, blocks] : free_)
      for (std::byte* p : blocks) std::free(p);
    free_.clear();
    cached_ = 0;
    return true;
  }

  static constexpr std::size_t kMaxCached = std::size_t(256) << 20;
  static constexpr std::size_t kWantedSearched = 256;  // the newest free blocks of a size
  std::mutex mutex_;
  std::unordered_map<std::size_t, std::deque<std::byte*>> free_;
  std::size_t cached_ = 0;
};
}  // namespace

namespace {
// Where storage is being created: the layer being called or built, else the factory.
Site allocation_site() {
  if (const auto& layer = current_layer_site()) return *layer;
  return Site("Tensor", "factory");
}
}  // namespace

namespace {
// Every block starts with a 64-byte header (the tensor's bytes follow, still 64-byte aligned):
// the control block of the storage's shared_ptr, then the version. The views of one storage
// (detach, reshape) share the version without an allocation, and the shared_ptr's control
// block costs none either (it took one heap allocation per tensor).
constexpr std::size_t kHeaderBytes = 128;
constexpr std::size_t kControlBytes = 40;
constexpr std::size_t kLayoutOffset = 64;  // a blocked storage's SharedLayout, 64 bytes
struct Header {
  std::atomic<std::uint64_t> version;
  std::atomic<bool> escaped{false};  // a mutable pointer reached the user: no version is trusted
  bool has_layout = false;           // a SharedLayout lives at kLayoutOffset
  std::size_t block_bytes = 0;       // the pool block's size, header included
};
static_assert(kControlBytes + sizeof(Header) <= kLayoutOffset);
static_assert(kLayoutOffset + sizeof(SharedLayout) <= kHeaderBytes && alignof(SharedLayout) <= 64);
Header& header_of(std::byte* storage) {
  return *std::launder(reinterpret_cast<Header*>(storage - kHeaderBytes + kControlBytes));
}
SharedLayout* layout_slot(std::byte* block) {
  return std::launder(reinterpret_cast<SharedLayout*>(block + kLayoutOffset));
}
// Versions are drawn from one counter, so no two contents of any storage ever share one (a
// block handed out again gets a fresh number too). 0 is never drawn.
std::uint64_t next_version() {
  static std::atomic<std::uint64_t> counter{0};
  return counter.fetch_add(1, std::memory_order_relaxed) + 1;
}

// The storage's shared_ptr owns nothing by itself (NoDelete): its control block lives in the
// block's first kControlBytes (InBlock), and freeing that control block, which the standard
// library does last, once no owner is left, hands the whole block back to the pool.
struct NoDelete {
  void operator()(std::byte*) const noexcept {}
};
template <class T>
struct InBlock {
  using value_type = T;
  std::byte* block;
  explicit InBlock(std::byte* b) noexcept : block(b) {}
  template <class U>
  InBlock(const InBlock<U>& other) noexcept : block(other.block) {}  // NOLINT: rebinding
  T* allocate(std::size_t n) {
    static_assert(sizeof(T) <= kControlBytes && alignof(T) <= 64, "control block too large");
    if (n != 1) internal_error("a storage control block asked for " + std::to_string(n) + " objects");
    return reinterpret_cast<T*>(block);
  }
  void deallocate(T*, std::size_t) noexcept {
    const Header& h = header_of(block + kHeaderBytes);
    if (h.has_layout) layout_slot(block)->~SharedLayout();
    StoragePool::instance().give(block, h.block_bytes);
  }
  template <class U>
  bool operator==(const InBlock<U>& other) const noexcept { return block == other.block; }
};
}  // namespace

// The blocks the allocations of one (owner, tag)'s last scope on this thread took, in order.
struct ReplaySequence {
  const void* owner = nullptr;
  std::int64_t tag = 0;
  std::byte** blocks = nullptr;  // kReplayed entries, made at the first replayed allocation
  std::size_t used = 0;          // entries written since the pair took this slot
  std::uint64_t last_use = 0;
  int running = 0;               // scopes of this pair running on the thread (never forgotten)
};

namespace {
// Trivially destructible, so a scope or an allocation in a destructor run at the thread's exit
// finds it still there. ReplayDrain, made at the thread's first scope, frees the entries and
// closes it before the thread-locals made earlier are destroyed; from then on nothing is
// replayed.
struct Replay {
  std::array<ReplaySequence, StepAllocations::kOwners> sequences;
  std::uint64_t uses = 0;
  ReplaySequence* active = nullptr;  // the innermost scope's, null outside any
  std::size_t next = 0;        // its next allocation's index
  bool closed = false;
};
static_assert(std::is_trivially_destructible_v<Replay>);
thread_local Replay t_replay;
struct ReplayDrain {
  ~ReplayDrain() {
    t_replay.closed = true;
    t_replay.active = nullptr;
    for (ReplaySequence& s : t_replay.sequences) delete[] s.blocks, s.blocks = nullptr;
  }
};
// The thread's Replay, its drain registered for the thread's exit; null once drained.
Replay* open_replay() {
  thread_local ReplayDrain drain;
  (void)drain;
  return t_replay.closed ? nullptr : &t_replay;
}
}  // namespace

StepAllocations::StepAllocations(const void* owner, std::int64_t tag) {
  Replay* r = open_replay();
  if (!r) return;
  previous_sequence_ = r->active;
  previous_next_ = r->next;
  ReplaySequence* s = nullptr;
  for (ReplaySequence& q : r->sequences)
    if (q.owner == owner && q.tag == tag) s = &q;
  if (!s) {  // a new pair takes the place of the one used longest ago that no scope is running
    for (ReplaySequence& q : r->sequences)
      if (q.running == 0 && (!s || q.last_use < s->last_use)) s = &q;
    if (s) {
      s->owner = owner, s->tag = tag;
      if (s->blocks) std::fill(s->blocks, s->blocks + s->used, nullptr);
      s->used = 0;
    }
  }
  if (s) s->last_use = ++r->uses, ++s->running;
  sequence_ = s;
  r->active = s;  // null: this scope replays nothing (kOwners scopes running already)
  r->next = 0;
}

StepAllocations::~StepAllocations() {
  Replay& r = t_replay;
  if (r.closed) return;
  if (sequence_) --sequence_->running;
  r.active = previous_sequence_;
  r.next = previous_next_;
}

// `bytes` (already checked against the machine by checks::checked_bytes) for `shape`.
std::shared_ptr<std::byte> allocate_storage(std::size_t bytes, const Shape& shape, DType dtype) {
  std::size_t rounded = std::max<std::size_t>(((bytes + 63) / 64) * 64, 64) + kHeaderBytes;
  std::byte** replayed = nullptr;  // this allocation's place in the scope's sequence
  if (rounded >= StepAllocations::kSmallestReplayed) {
    Replay& r = t_replay;
    if (r.active && r.next < StepAllocations::kReplayed) {  // (closed: active is null)
      ReplaySequence& q = *r.active;
      if (!q.blocks) q.blocks = new (std::nothrow) std::byte*[StepAllocations::kReplayed]();
      if (q.blocks) {
        q.used = std::max(q.used, r.next + 1);
        replayed = &q.blocks[r.next];
      }
      ++r.next;  // counted even without entries, so later positions stay the same
    }
  }
  std::byte* p = StoragePool::instance().take(rounded, replayed ? *replayed : nullptr);
  if (replayed && p) *replayed = p;
  if (!p) checks::out_of_memory(shape, dtype, bytes, allocation_site());
  new (p + kControlBytes) Header{next_version(), false, false, rounded};
  return std::shared_ptr<std::byte>(p + kHeaderBytes, NoDelete(), InBlock<std::byte>(p));
}

std::uint64_t storage_version(std::byte* storage) {
  Header& h = header_of(storage);
  return h.escaped.load(std::memory_order_acquire) ? 0 : h.version.load(std::memory_order_acquire);
}
void renew_storage_version(std::byte* storage, bool escapes) {
  Header& h = header_of(storage);
  if (escapes) h.escaped.store(true, std::memory_order_release);
  h.version.store(next_version(), std::memory_order_release);
}

// Every concrete tensor's storage size goes through here: known sizes >= 0 (tensor.shape),
// an element and byte count that fit (options.invalid), and a size the machine can hold.
std::size_t storage_bytes(const Shape& shape, DType dtype) {
  if (checks::fits_in_memory(shape, dtype))  // the fast path: no Site built per allocation
    return static_cast<std::size_t>(shape.numel()) * dtype_size(dtype);
  return checks::checked_bytes(shape, dtype, allocation_site(), current_layer_phase());
}

std::shared_ptr<const StorageLayout> SharedLayout::get() const {
  if (row_major_.load(std::memory_order_acquire)) return nullptr;
  return layout_;
}

void SharedLayout::make_row_major(std::byte* storage, std::size_t row_major_bytes) {
  if (row_major_.load(std::memory_order_acquire)) return;
  std::lock_guard lock(mutex_);
  if (row_major_.load(std::memory_order_relaxed)) return;  // another thread converted it
  // Through a scratch block: a blocked layout is at least as large as the row-major one, so
  // the row-major bytes fit in the same storage and every view keeps pointing at it.
  auto plain = allocate_storage(row_major_bytes, Shape{static_cast<std::int64_t>(row_major_bytes)}, DType::u8);
  layout_->to_row_major(storage, plain.get());
  std::memcpy(storage, plain.get(), row_major_bytes);
  row_major_.store(true, std::memory_order_release);
}

namespace {
// The SharedLayout of a fresh storage block, made in the block's header and owned with the
// block (an aliasing shared_ptr: no allocation; the block's release destroys it).
std::shared_ptr<SharedLayout> layout_in_block(const std::shared_ptr<std::byte>& storage,
                                              std::shared_ptr<const StorageLayout> layout) {
  std::byte* block = storage.get() - kHeaderBytes;
  SharedLayout* shared = new (block + kLayoutOffset) SharedLayout(std::move(layout));
  header_of(storage.get()).has_layout = true;
  return std::shared_ptr<SharedLayout>(storage, shared);
}
}  // namespace

Tensor empty_in_layout(const Shape& shape, std::shared_ptr<const StorageLayout> layout) {
  storage_bytes(shape, DType::f32);
  auto impl = new_tensor_impl();
  impl->shape = shape;
  impl->storage = allocate_storage(layout->bytes(), shape, DType::f32);
  impl->layout = layout_in_block(impl->storage, std::move(layout));
  return make_tensor(std::move(impl));
}

}  // namespace tenet
