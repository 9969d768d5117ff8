#pragma once
// The kernel boundary's common part, in tenet's terms: the denormal mode kernels run with, the
// thread count of a Model's steps and the translation of kernel failures into tenet errors
// (the plain matrix product is gemm.hpp). No oneDNN
// type appears here: the headers of core/kernels that layers and ops include (conv.hpp,
// batch_norm.hpp, max_pool.hpp, relu.hpp, concat.hpp, layout.hpp) speak shapes and tensors;
// memory.hpp and pooling.hpp, which speak oneDNN, are included only inside core/kernels.
#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <tenet/core/base/error.hpp>
#include <tenet/core/base/runtime.hpp>
#include <tenet/core/base/shape.hpp>
#include "core/base/thread_governor.hpp"
#include "core/tensor/storage.hpp"

namespace tenet::kernels {

// The denormal mode set_flush_denormals chose, for the kernels run in this scope: set on the
// calling thread and restored when the scope ends (the caller's own arithmetic keeps its
// mode), and set on the threads of the OpenMP pool once per setting (they run the kernels).
class FloatModeScope {
 public:
  FloatModeScope();
  ~FloatModeScope();
  FloatModeScope(const FloatModeScope&) = delete;
  FloatModeScope& operator=(const FloatModeScope&) = delete;

 private:
  unsigned saved_ = 0;
  bool changed_ = false;  // the scope set a mode other than the caller's
};

// The thread count set_num_threads pinned (or OMP_NUM_THREADS at start), 0 when automatic.
int pinned_threads();

// One step of a Model (a training step, or one batch of evaluate or predict) on the thread count
// its governors choose for that batch size (the pinned count when there is one): sets the calling
// thread's OpenMP count for the scope, restores it after, and tells the governors how long the step
// took per sample (not when the step threw). docs/performance.md. The whole step runs in the
// denormal mode of the kernels (FloatModeScope): its own loops (optimizer updates, losses,
// elementwise ops) too, on the calling thread as on the pool's. Its storage replays the blocks
// of the previous step on the same governors and batch size (StepAllocations,
// core/tensor/storage.hpp).
class GovernedStep {
 public:
  GovernedStep(runtime::ThreadGovernors& governors, std::int64_t samples);
  ~GovernedStep();
  GovernedStep(const GovernedStep&) = delete;
  GovernedStep& operator=(const GovernedStep&) = delete;

 private:
  runtime::ThreadGovernors& governors_;
  std::int64_t samples_;
  int threads_ = 0, saved_ = 0;
  bool governed_ = false;
  std::chrono::steady_clock::time_point start_;
  FloatModeScope float_mode_;
  StepAllocations allocations_;  // each tensor of the step in the block it had the step before
};

// A reference to a `void()` callable that owns nothing and allocates nothing (std::function
// allocates for a lambda of more than two captures): valid while the callable lives, which for
// a lambda passed to guarded() is the whole call.
class KernelBody {
 public:
  template <class F>
  KernelBody(F&& f)  // NOLINT: implicit, so a lambda is passed as is
      : object_(const_cast<void*>(static_cast<const void*>(std::addressof(f)))),
        call_([](void* o) { (*static_cast<std::remove_reference_t<F>*>(o))(); }) {}
  void operator()() const { call_(object_); }

 private:
  void* object_;
  void (*call_)(void*);
};

// The shapes an internal error names, referred to, not copied: guarded() runs on every kernel
// call of a single-image predict, and a copied Shape is an allocation.
using ShapeRefs = std::initializer_list<std::reference_wrapper<const Shape>>;

// Runs `body`; a dnnl::error escaping it is rethrown as an InternalError naming the layer and
// shapes (contracts are checked before kernels run, so a oneDNN failure here is tenet's bug).
void guarded(std::string_view where, ShapeRefs shapes, KernelBody body);
void guarded(std::string_view where, const std::vector<Shape>& shapes, KernelBody body);

}  // namespace tenet::kernels
