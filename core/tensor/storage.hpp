#pragma once
// Tensor storage (internal): the caching pool every tensor's bytes come from, and the layouts
// of storage that is not row-major.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>

#include <tenet/core/tensor/tensor.hpp>

namespace tenet {

// How a tensor's bytes lie when they are not row-major: a kernel library's blocked layout, kept
// between the layers that share it (oneDNN's preferred layout between Conv2D, MaxPool2D,
// BatchNorm, ReLU and Concatenate; see core/kernels/memory.hpp). Element access (raw_data, data<T>)
// converts the tensor to row-major first, once, so code that reads elements never sees a
// blocked layout.
struct StorageLayout {
  virtual ~StorageLayout() = default;
  virtual std::size_t bytes() const = 0;  // storage size, padding included
  virtual void to_row_major(const void* src, void* dst) const = 0;
};

// The layout of one storage block, shared by every view of it (detach, the saved outputs in
// backward closures): the conversion rewrites the block in place, under a mutex, so all views
// see row-major bytes from then on and two threads reading one tensor do not race.
class SharedLayout {
 public:
  explicit SharedLayout(std::shared_ptr<const StorageLayout> layout) : layout_(std::move(layout)) {}
  std::shared_ptr<const StorageLayout> get() const;  // null once converted
  // get() without a reference count: valid while this SharedLayout lives (the tensor holds it).
  // Reads no lock: the layout object is never changed, only the flag (the kernels ask it
  // several times per call).
  const StorageLayout* peek() const {
    return row_major_.load(std::memory_order_acquire) ? nullptr : layout_.get();
  }
  // Rewrites `storage` as `row_major_bytes` of row-major elements, unless done already.
  void make_row_major(std::byte* storage, std::size_t row_major_bytes);

 private:
  std::mutex mutex_;  // one conversion at a time
  std::atomic<bool> row_major_{false};
  const std::shared_ptr<const StorageLayout> layout_;  // kept after the conversion (the flag says)
};

// `bytes` of 64-byte aligned storage from the pool for a tensor of `shape` and `dtype` (already
// checked by storage_bytes); out of memory raises the plain Error naming the layer or factory.
std::shared_ptr<std::byte> allocate_storage(std::size_t bytes, const Shape& shape, DType dtype);

// While one lives, storage allocated on this thread replays the blocks of the previous scope of
// the same `owner` and `tag` on this thread: the k-th allocation takes, when it is free, the
// block the k-th allocation of that scope took (else the pool's oldest free block of its size, as
// outside any scope; only the 256 blocks of the size freed last are searched). A Model's steps
// repeat their allocations in the same order, so each tensor of a step is written to the same
// block every step, as in a program with one fixed buffer per tensor. GovernedStep holds one per
// step: its owner the step's governors (training, predict or evaluate of one Model), its tag the
// batch size. Only the block chosen differs, never a value: a block handed out holds whatever
// its last tensor left, under either rule. Only blocks of kSmallestReplayed bytes or more count
// (the allocations of a single-image predict are smaller, and measured slower when replayed; a
// small block sits in a core's cache whichever it is). Each thread remembers the blocks of its
// last kOwners (owner, tag) pairs, up to kReplayed allocations a scope; a pair whose scope is
// running is never the one forgotten (with kOwners scopes nested, a further one replays
// nothing). Scopes nest: the inner one's allocations are counted apart and the outer one's count
// goes on after it. A scope ends on the thread that began it (a local: every GovernedStep is
// one). After the thread's own storage is gone (a scope or an allocation in a destructor run at
// its exit), nothing is replayed.
struct ReplaySequence;  // the blocks of one (owner, tag) on one thread (storage.cpp)
class StepAllocations {
 public:
  // kOwners: (owner, tag) pairs a thread remembers.
  static constexpr std::size_t kOwners = 8, kReplayed = 1024, kSmallestReplayed = 64 << 10;
  StepAllocations(const void* owner, std::int64_t tag);
  ~StepAllocations();
  StepAllocations(const StepAllocations&) = delete;
  StepAllocations& operator=(const StepAllocations&) = delete;

 private:
  ReplaySequence* sequence_ = nullptr;  // this scope's, null when it replays nothing
  ReplaySequence* previous_sequence_ = nullptr;
  std::size_t previous_next_ = 0;
};

// The version of the storage block `storage` (a pointer allocate_storage handed out): a number
// that no other contents of any block ever had, or 0 once a mutable pointer to it `escapes` to
// the user (writes through it later are unseen). See storage_version(const Tensor&).
std::uint64_t storage_version(std::byte* storage);
void renew_storage_version(std::byte* storage, bool escapes);

// The bytes of a concrete tensor of `shape` and `dtype`: known sizes >= 0 (tensor.shape), an
// element and byte count that fit (options.invalid), and a size the machine can hold.
std::size_t storage_bytes(const Shape& shape, DType dtype);

// An uninitialised float32 tensor of `shape` whose storage lies in `layout`.
Tensor empty_in_layout(const Shape& shape, std::shared_ptr<const StorageLayout> layout);

}  // namespace tenet
