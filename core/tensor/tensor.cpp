#include <tenet/core/tensor/tensor.hpp>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <iomanip>
#include <limits>
#include <random>
#include <utility>
#include <sstream>

#include "core/tensor/storage.hpp"
#include "core/tensor/tensor_impl.hpp"
#include <tenet/core/contracts/checks.hpp>
#include "core/contracts/enum_checks.hpp"
#include "core/contracts/op_checks.hpp"

namespace tenet {

namespace {
// Freed blocks of one size, kept per thread for the next TensorImpl. Trivially destructible:
// a tensor released while the thread exits, after Drain emptied the list, still finds it (and
// `closed` sends the block to the heap).
struct FreeList {
  void* head = nullptr;
  int count = 0;
  bool closed = false;
};
struct Drain {
  FreeList* list;
  ~Drain() {
    list->closed = true;
    while (void* p = list->head) {
      list->head = *static_cast<void**>(p);
      ::operator delete(p);
    }
    list->count = 0;
  }
};
template <class T>
struct ImplAllocator {
  using value_type = T;
  ImplAllocator() = default;
  template <class U>
  ImplAllocator(const ImplAllocator<U>&) noexcept {}  // NOLINT: rebinding
  static FreeList& list() {  // one list per block type (and so per size)
    thread_local FreeList l;
    return l;
  }
  T* allocate(std::size_t n) {
    FreeList& l = list();
    if (n != 1 || !l.head) return static_cast<T*>(::operator new(n * sizeof(T)));
    void* p = l.head;
    l.head = *static_cast<void**>(p);
    --l.count;
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t n) noexcept {
    FreeList& l = list();
    if (n != 1 || l.closed || l.count >= 64) return ::operator delete(p);
    thread_local Drain drain{&l};  // empties the list when the thread ends
    (void)drain;
    *reinterpret_cast<void**>(p) = l.head;
    l.head = p;
    ++l.count;
  }
  template <class U>
  bool operator==(const ImplAllocator<U>&) const noexcept { return true; }
};
}  // namespace

namespace {
// `dtype` as `call` ("Tensor::zeros") received it: options.invalid for DType(42), which would
// make a tensor of dtype "?" whose elements no code can read.
DType checked_dtype(DType dtype, const char* call) {
  if (static_cast<unsigned>(dtype) <= static_cast<unsigned>(DType::i64)) [[likely]] return dtype;
  static constexpr const char* kNames[] = {"f32", "f64", "u8", "i32", "i64"};
  checks::check_enum((std::string(call) + " dtype").c_str(), dtype, "DType", 5,
                     [](DType t) { return kNames[static_cast<int>(t)]; },
                     Site(call, std::string(call) == "astype" ? "op" : "factory"), Phase::run);
  return dtype;
}
}  // namespace

std::shared_ptr<TensorImpl> new_tensor_impl() {
  return std::allocate_shared<TensorImpl>(ImplAllocator<TensorImpl>());
}

Tensor Tensor::empty(const Shape& shape, DType dtype) {
  checked_dtype(dtype, "Tensor::empty");
  const std::size_t bytes = storage_bytes(shape, dtype);
  auto impl = new_tensor_impl();
  impl->shape = shape;
  impl->dtype = dtype;
  impl->storage = allocate_storage(bytes, shape, dtype);
  return Tensor(std::move(impl));
}

Tensor Tensor::zeros(const Shape& shape, DType dtype) {
  Tensor t = empty(shape, checked_dtype(dtype, "Tensor::zeros"));
  std::memset(written_bytes(t), 0, t.nbytes());
  return t;
}

Tensor Tensor::full(const Shape& shape, double value, DType dtype) {
  checked_dtype(dtype, "Tensor::full");
  if (!checks::fits_dtype(value, dtype))
    checks::not_representable("options.invalid", "the fill value", value, dtype,
                              Site("Tensor", "factory"), Phase::run);
  Tensor t = empty(shape, dtype);
  visit_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = written_data<T>(t);
    std::fill(p, p + t.numel(), static_cast<T>(value));
  });
  return t;
}

Tensor Tensor::ones(const Shape& shape, DType dtype) {
  return full(shape, 1.0, checked_dtype(dtype, "Tensor::ones"));
}
Tensor Tensor::scalar(double value, DType dtype) {
  return full(Shape{}, value, checked_dtype(dtype, "Tensor::scalar"));
}

Tensor Tensor::arange(std::int64_t n, DType dtype) {
  checks::check_option_range("Tensor::arange n", n, 0, std::numeric_limits<std::int64_t>::max(),
                             Site("Tensor::arange", "factory"), Phase::run);
  Tensor t = empty(Shape{n}, checked_dtype(dtype, "Tensor::arange"));
  visit_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = written_data<T>(t);
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
  float* p = written_data<float>(t);
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
  for (const auto& [name, v] : {std::pair{"low", low}, std::pair{"high", high}})
    if (!checks::fits_dtype(v, DType::f32))  // the draws would be infinities
      checks::not_representable("options.invalid", std::string("Tensor::uniform ") + name, v,
                                DType::f32, site, Phase::run);
  Tensor t = empty(shape, DType::f32);
  std::mt19937_64 gen(seed);
  float* p = written_data<float>(t);
  for (std::int64_t i = 0; i < t.numel(); ++i)
    p[i] = static_cast<float>(low + (high - low) * (static_cast<double>(gen() >> 11) * 0x1.0p-53));
  return t;
}

Tensor from_raw(const void* values, std::size_t count, const Shape& shape, DType dtype) {
  const std::int64_t numel = checks::checked_numel(shape, Site("from_vector", "factory"), Phase::run, dtype);
  (void)numel;
  checks::check_value_count(count, shape);
  Tensor t = Tensor::empty(shape, dtype);
  if (count) std::memcpy(written_bytes(t), values, count * dtype_size(dtype));
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
// The storage as row-major bytes: a blocked layout becomes row-major on first element access.
// Converting changes how the bytes lie, not the values: reading may do it.
static std::byte* row_major_storage(const std::shared_ptr<TensorImpl>& impl_handle) {
  TensorImpl& impl = *impl_ptr(impl_handle, "data()");
  if (impl.layout)
    impl.layout->make_row_major(impl.storage.get(),
                                static_cast<std::size_t>(impl.shape.numel()) * dtype_size(impl.dtype));
  return impl.storage.get();
}
// A mutable pointer may be written through, now or at any later time: the values count as
// changed for every view of the storage, and no version of it is trusted again (storage_version).
void* Tensor::raw_data() {
  std::byte* bytes = row_major_storage(impl_);
  renew_storage_version(bytes, true);
  return bytes;
}
const void* Tensor::raw_data() const { return row_major_storage(impl_); }

std::uint64_t storage_version(const Tensor& t) {
  return storage_version(impl_ptr(detail::TensorAccess::shared(t), "data()")->storage.get());
}
void* written_bytes(const Tensor& t) {
  std::byte* bytes = row_major_storage(detail::TensorAccess::shared(t));
  renew_storage_version(bytes, false);
  return bytes;
}

bool exclusively_owned(const Tensor& t) {
  const auto& impl = detail::TensorAccess::shared(t);
  return impl && impl.use_count() == 1 && impl->storage.use_count() == 1;
}

bool reads_as_is(const Tensor& t) {
  const TensorImpl& impl = get(detail::TensorAccess::shared(t), "data()");
  return !impl.requires_grad && (!impl.layout || !impl.layout->get());
}

void* stored_bytes(const Tensor& t) {
  if (!t.defined()) impl_ptr(nullptr, "data()");
  return impl_of(t)->storage.get();
}

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
void Tensor::set_grad(const Tensor& g) {
  TensorImpl* self = impl_ptr(impl_, "set_grad()");
  if (g.impl_) checks::check_set_grad(self->shape, self->dtype, g.impl_->shape, g.impl_->dtype);
  self->grad = g.impl_;
}
void Tensor::zero_grad() { impl_ptr(impl_, "zero_grad()")->grad.reset(); }
const std::shared_ptr<GradNode>& Tensor::grad_fn() const { return get(impl_, "grad_fn()").grad_fn; }

Tensor Tensor::detach() const {
  const TensorImpl& self = get(impl_, "detach()");
  auto impl = new_tensor_impl();
  impl->shape = self.shape;
  impl->dtype = self.dtype;
  impl->storage = self.storage;
  impl->layout = self.layout;
  return Tensor(std::move(impl));
}

Tensor Tensor::clone() const {
  const TensorImpl& self = get(impl_, "clone()");
  Tensor t = empty(self.shape, self.dtype);
  if (nbytes()) std::memcpy(written_bytes(t), raw_data(), nbytes());
  return t;
}

Tensor Tensor::astype(DType to) const {
  Tensor out = empty(get(impl_, "astype()").shape, checked_dtype(to, "astype"));
  std::int64_t n = numel();
  visit_dtype(dtype(), [&](auto from_tag) {
    using F = decltype(from_tag);
    const F* src = data<F>();
    visit_dtype(to, [&](auto to_tag) {
      using T = decltype(to_tag);
      T* dst = written_data<T>(out);
      if constexpr (std::is_floating_point_v<F> && std::is_integral_v<T>) {
        for (std::int64_t i = 0; i < n; ++i)
          if (!checks::fits_dtype(static_cast<double>(src[i]), to))
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
