#include <tenet/core/tensor/tensor.hpp>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <iomanip>
#include <limits>
#include <random>
#include <mutex>
#include <sstream>
#include <unordered_map>

#include "core/tensor/tensor_impl.hpp"
#include <tenet/core/contracts/checks.hpp>
#include <tenet/core/ops/ops.hpp>

namespace tenet {

// Storage comes from a small caching pool: a training step allocates tensors of the same
// sizes again and again, and returning large blocks to the kernel (and faulting fresh zeroed
// pages back in) cost more than the arithmetic. Freed blocks are kept per exact size, up to
// a cap on the cached bytes, and handed out again oldest first: a block freed long ago is
// what a program with one fixed buffer per tensor would write to. Handing out the block freed
// last instead (a stack) made every memory-bound primitive that writes a fresh buffer slower
// with identical descriptors: net B's first convolution forward 0.47-0.54 ms against 0.21 ms
// for the raw-oneDNN reference, its first BatchNorm forward 0.69-0.73 against 0.50-0.54 and
// backward 0.86-0.95 against 0.71-0.73 (2 threads, ONEDNN_VERBOSE per-call medians;
// oldest first: 0.21-0.31, 0.49-0.50 and 0.71-0.81, level with the reference, whose own
// numbers come from the same runs; benchmarks/README.md).
namespace {
class StoragePool {
 public:
  static StoragePool& instance() {
    static auto* pool = new StoragePool();  // never destroyed: tensors may outlive statics
    return *pool;
  }
  std::byte* take(std::size_t bytes) {
    {
      std::lock_guard lock(mutex_);
      auto it = free_.find(bytes);
      if (it != free_.end() && !it->second.empty()) {
        std::byte* p = it->second.front();  // oldest first (see above)
        it->second.pop_front();
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
  std::mutex mutex_;
  std::unordered_map<std::size_t, std::deque<std::byte*>> free_;
  std::size_t cached_ = 0;
};
}  // namespace

// Where storage is being created: the layer being called or built, else the factory.
static Site allocation_site() {
  if (const auto& layer = current_layer_site()) return *layer;
  return Site("Tensor", "factory");
}

// `bytes` (already checked against the machine by checks::checked_bytes) for `shape`.
static std::shared_ptr<std::byte> allocate(std::size_t bytes, const Shape& shape, DType dtype) {
  std::size_t rounded = ((bytes + 63) / 64) * 64;
  if (rounded == 0) rounded = 64;
  std::byte* p = StoragePool::instance().take(rounded);
  if (!p) checks::out_of_memory(shape, dtype, bytes, allocation_site());
  return std::shared_ptr<std::byte>(p, [rounded](std::byte* q) { StoragePool::instance().give(q, rounded); });
}

// Every concrete tensor's storage size goes through here: known sizes >= 0 (tensor.shape),
// an element and byte count that fit (options.invalid), and a size the machine can hold.
static std::size_t storage_bytes(const Shape& shape, DType dtype) {
  if (checks::fits_in_memory(shape, dtype))  // the fast path: no Site built per allocation
    return static_cast<std::size_t>(shape.numel()) * dtype_size(dtype);
  return checks::checked_bytes(shape, dtype, allocation_site(), current_layer_phase());
}

Tensor Tensor::empty(const Shape& shape, DType dtype) {
  const std::size_t bytes = storage_bytes(shape, dtype);
  auto impl = std::make_shared<TensorImpl>();
  impl->shape = shape;
  impl->dtype = dtype;
  impl->storage = allocate(bytes, shape, dtype);
  return Tensor(std::move(impl));
}

Tensor Tensor::zeros(const Shape& shape, DType dtype) {
  Tensor t = empty(shape, dtype);
  std::memset(t.raw_data(), 0, t.nbytes());
  return t;
}

Tensor Tensor::full(const Shape& shape, double value, DType dtype) {
  if (!checks::fits_integer(value, dtype))
    checks::not_representable("options.invalid", "the fill value", value, dtype,
                              Site("Tensor", "factory"), Phase::run);
  Tensor t = empty(shape, dtype);
  visit_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data<T>();
    std::fill(p, p + t.numel(), static_cast<T>(value));
  });
  return t;
}

Tensor Tensor::ones(const Shape& shape, DType dtype) { return full(shape, 1.0, dtype); }
Tensor Tensor::scalar(double value, DType dtype) { return full(Shape{}, value, dtype); }

Tensor Tensor::arange(std::int64_t n, DType dtype) {
  Tensor t = empty(Shape{n}, dtype);
  visit_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data<T>();
    for (std::int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(i);
  });
  return t;
}

// Box-Muller on mt19937_64: the same numbers on every platform for a given seed.
Tensor Tensor::randn(const Shape& shape, std::uint64_t seed, double mean, double stddev) {
  const Site site("randn", "factory");
  checks::check_option_finite("Tensor::randn mean", mean, site, Phase::run);
  checks::check_option_real("Tensor::randn stddev", stddev, 0.0,
                            std::numeric_limits<double>::infinity(), false, site, Phase::run,
                            "a standard deviation is a spread, so it cannot be negative");
  Tensor t = empty(shape, DType::f32);
  std::mt19937_64 gen(seed);
  float* p = t.data<float>();
  const double two_pi = 6.283185307179586;
  std::int64_t n = t.numel();
  for (std::int64_t i = 0; i < n; i += 2) {
    double u1 = (static_cast<double>(gen() >> 11) + 1.0) * 0x1.0p-53;  // (0, 1]
    double u2 = static_cast<double>(gen() >> 11) * 0x1.0p-53;
    double r = std::sqrt(-2.0 * std::log(u1));
    p[i] = static_cast<float>(mean + stddev * r * std::cos(two_pi * u2));
    if (i + 1 < n) p[i + 1] = static_cast<float>(mean + stddev * r * std::sin(two_pi * u2));
  }
  return t;
}

Tensor Tensor::uniform(const Shape& shape, std::uint64_t seed, double low, double high) {
  const Site site("uniform", "factory");
  checks::check_option_finite("Tensor::uniform low", low, site, Phase::run);
  checks::check_option_real("Tensor::uniform high", high, low,
                            std::numeric_limits<double>::infinity(), false, site, Phase::run,
                            "values are drawn from [low, high), so high cannot be below low");
  Tensor t = empty(shape, DType::f32);
  std::mt19937_64 gen(seed);
  float* p = t.data<float>();
  for (std::int64_t i = 0; i < t.numel(); ++i)
    p[i] = static_cast<float>(low + (high - low) * (static_cast<double>(gen() >> 11) * 0x1.0p-53));
  return t;
}

Tensor from_raw(const void* values, std::size_t count, const Shape& shape, DType dtype) {
  const std::int64_t numel = checks::checked_numel(shape, Site("from_vector", "factory"), Phase::run, dtype);
  (void)numel;
  checks::check_value_count(count, shape);
  Tensor t = Tensor::empty(shape, dtype);
  if (count) std::memcpy(t.raw_data(), values, count * dtype_size(dtype));
  return t;
}

// The one accessor of a tensor's state: an empty (default-constructed) Tensor is the user's
// mistake (options.invalid), named by the member called on it. Ops taking several tensors
// name the argument first (checks::defined), so this is what members and accessors raise.
[[noreturn, gnu::cold, gnu::noinline]] static void raise_empty(const char* member) {
  checks::empty_handle(std::string("the Tensor whose ") + member + " was called", "Tensor",
                       Site(member, "op"), Phase::run);
}
static TensorImpl* impl_ptr(const std::shared_ptr<TensorImpl>& impl, const char* member) {
  if (!impl) raise_empty(member);  // kept out of line: this accessor is on every hot path
  return impl.get();
}
static const TensorImpl& get(const std::shared_ptr<TensorImpl>& impl, const char* member) {
  return *impl_ptr(impl, member);
}

const Shape& Tensor::shape() const { return get(impl_, "shape()").shape; }
DType Tensor::dtype() const { return get(impl_, "dtype()").dtype; }
std::int64_t Tensor::numel() const { return get(impl_, "numel()").shape.numel(); }
void* Tensor::raw_data() {
  TensorImpl& impl = *impl_ptr(impl_, "data()");
  if (impl.layout)  // a blocked layout becomes row-major on first element access
    impl.layout->make_row_major(impl.storage.get(),
                                static_cast<std::size_t>(impl.shape.numel()) * dtype_size(impl.dtype));
  return impl.storage.get();
}

std::shared_ptr<const StorageLayout> SharedLayout::get() const {
  if (row_major_.load(std::memory_order_acquire)) return nullptr;
  std::lock_guard lock(mutex_);
  return layout_;
}

void SharedLayout::make_row_major(std::byte* storage, std::size_t row_major_bytes) {
  if (row_major_.load(std::memory_order_acquire)) return;
  std::lock_guard lock(mutex_);
  if (!layout_) return;
  // Through a scratch block: a blocked layout is at least as large as the row-major one, so
  // the row-major bytes fit in the same storage and every view keeps pointing at it.
  auto plain = allocate(row_major_bytes, Shape{static_cast<std::int64_t>(row_major_bytes)}, DType::u8);
  layout_->to_row_major(storage, plain.get());
  std::memcpy(storage, plain.get(), row_major_bytes);
  layout_.reset();
  row_major_.store(true, std::memory_order_release);
}

Tensor empty_in_layout(const Shape& shape, std::shared_ptr<const StorageLayout> layout) {
  storage_bytes(shape, DType::f32);
  auto impl = std::make_shared<TensorImpl>();
  impl->shape = shape;
  impl->storage = allocate(layout->bytes(), shape, DType::f32);
  impl->layout = std::make_shared<SharedLayout>(std::move(layout));
  return make_tensor(std::move(impl));
}

bool exclusively_owned(const Tensor& t) {
  const auto& impl = detail::TensorAccess::shared(t);
  return impl && impl.use_count() == 1 && impl->storage.use_count() == 1;
}

void* stored_bytes(const Tensor& t) {
  if (!t.defined()) impl_ptr(nullptr, "data()");
  return impl_of(t)->storage.get();
}
// Converting a blocked layout changes how the bytes lie, not the values: const access may do it.
const void* Tensor::raw_data() const { return const_cast<Tensor*>(this)->raw_data(); }

void check_data_dtype(const Tensor& t, DType requested) {
  if (t.dtype() == requested) return;  // the hot path builds no message
  checks::check_dtype(t.dtype(), requested, "input.dtype", Site("data", "op"), Phase::run,
                      std::string("data<") + dtype_name(requested) + ">() reads the elements as " +
                          dtype_name(requested) + " but the tensor holds " + dtype_name(t.dtype()),
                      std::string("call data<T>() with the tensor's element type, or convert "
                                  "first with t.astype(DType::...)"));
}

double Tensor::item() const {
  checks::check_item(get(impl_, "item()").shape);
  return at(std::vector<std::int64_t>(static_cast<std::size_t>(rank()), 0));
}

double Tensor::at(const std::vector<std::int64_t>& index) const {
  const Shape& s = get(impl_, "at()").shape;
  checks::check_index(s, index);
  std::int64_t flat = 0;
  for (int i = 0; i < s.rank(); ++i) {

    flat = flat * s[i] + index[i];
  }
  return visit_dtype(dtype(), [&](auto tag) -> double {
    using T = decltype(tag);
    return static_cast<double>(data<T>()[flat]);
  });
}

// ---- autograd accessors ----
Tensor& Tensor::requires_grad(bool on) {
  if (on)
    checks::check_floating(get(impl_, "requires_grad()").dtype,
                           "gradients are real numbers, so only floating-point tensors carry them",
                           Site("requires_grad", "op"));
  impl_->requires_grad = on;
  return *this;
}
bool Tensor::requires_grad() const { return get(impl_, "requires_grad()").requires_grad; }
Tensor Tensor::grad() const {
  return get(impl_, "grad()").grad ? Tensor(impl_->grad) : Tensor();
}
void Tensor::set_grad(const Tensor& g) { impl_ptr(impl_, "set_grad()")->grad = g.impl_; }
void Tensor::zero_grad() { impl_ptr(impl_, "zero_grad()")->grad.reset(); }
const std::shared_ptr<GradNode>& Tensor::grad_fn() const { return get(impl_, "grad_fn()").grad_fn; }

Tensor Tensor::detach() const {
  const TensorImpl& self = get(impl_, "detach()");
  auto impl = std::make_shared<TensorImpl>();
  impl->shape = self.shape;
  impl->dtype = self.dtype;
  impl->storage = self.storage;
  impl->layout = self.layout;
  return Tensor(std::move(impl));
}

Tensor Tensor::clone() const {
  const TensorImpl& self = get(impl_, "clone()");
  Tensor t = empty(self.shape, self.dtype);
  if (nbytes()) std::memcpy(t.raw_data(), raw_data(), nbytes());
  return t;
}

Tensor Tensor::reshape(const Shape& s) const { return tenet::reshape(*this, s); }

Tensor Tensor::astype(DType to) const {
  Tensor out = empty(get(impl_, "astype()").shape, to);
  std::int64_t n = numel();
  visit_dtype(dtype(), [&](auto from_tag) {
    using F = decltype(from_tag);
    const F* src = data<F>();
    visit_dtype(to, [&](auto to_tag) {
      using T = decltype(to_tag);
      T* dst = out.data<T>();
      if constexpr (std::is_floating_point_v<F> && std::is_integral_v<T>) {
        for (std::int64_t i = 0; i < n; ++i)
          if (!checks::fits_integer(static_cast<double>(src[i]), to))
            checks::not_representable("input.dtype", "element " + std::to_string(i) +
                                      " of astype's input", src[i], to,
                                      Site("astype", "op"), Phase::run);
      }
      for (std::int64_t i = 0; i < n; ++i) dst[i] = static_cast<T>(src[i]);
    });
  });
  if (is_floating(dtype()) && is_floating(to)) {
    DType from = dtype();
    return attach_grad(out, "astype", {*this},
                       [from](const Tensor& d) { return std::vector<Tensor>{d.astype(from)}; });
  }
  return out;
}

}  // namespace tenet
