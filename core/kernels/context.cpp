#include "core/kernels/context.hpp"

#include <tenet/core/contracts/checks.hpp>
#include "core/kernels/memory.hpp"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <exception>
#include <string>
#if defined(__SSE2__)
#include <xmmintrin.h>
#endif

namespace {
std::atomic<bool> g_flush_denormals{true};
std::atomic<int> g_float_mode_generation{1};  // bumped by every set_flush_denormals
thread_local int t_float_mode_generation = 0;
std::atomic<int> g_pinned_threads{-1};  // -1: OMP_NUM_THREADS not read yet; 0: automatic

// The count without pinning: the processors this process may run on (omp_get_num_procs
// follows the affinity mask).
int automatic_threads() {
  static const int n = omp_get_num_procs();
  return n;
}

// The most threads a pinned count may ask for: libgomp ends the process (exit 1, "Thread
// creation failed") when the system refuses one of its threads, and 10000 threads need 80 GB
// of stack address space (8 MB each), which `ulimit -v` or the kernel's thread limit can
// refuse. 1024 covers today's largest machines; a machine with more processors gets them all.
int most_threads() { return std::max(1024, automatic_threads()); }

// MXCSR's flush-to-zero (bit 15) and denormals-are-zero (bit 6) flags.
void apply_float_mode(bool flush) {
#if defined(__SSE2__)
  unsigned csr = _mm_getcsr();
  _mm_setcsr(flush ? (csr | 0x8040u) : (csr & ~0x8040u));
#else
  (void)flush;
#endif
}
}  // namespace

namespace tenet::kernels {

FloatModeScope::FloatModeScope() {
#if defined(__SSE2__)
  saved_ = _mm_getcsr();
#endif
  // The generation before the setting (set_flush_denormals writes them the other way round):
  // a setting read after a newer generation can only be newer still, so the pool is never
  // marked as set to a generation whose setting it did not get; at worst it is set once more.
  const int generation = g_float_mode_generation.load(std::memory_order_acquire);
  const bool flush = g_flush_denormals.load();
  bool pool_set = false;
  if (t_float_mode_generation != generation) {  // the pool's threads: once per setting
    const int pool = std::max(num_threads(), omp_get_max_threads());  // every thread a step may use
#pragma omp parallel num_threads(pool)
    apply_float_mode(flush);
    t_float_mode_generation = generation;
    pool_set = true;
  }
#if defined(__SSE2__)
  // Only a mode that differs is written (and restored), and MXCSR is read again only when the
  // pool's region set this thread's too: reads and writes of it are slow, and the kernels of
  // one predict call run several scopes in a row.
  const unsigned now = pool_set ? _mm_getcsr() : saved_;
  const unsigned want = flush ? (now | 0x8040u) : (now & ~0x8040u);
  if (want != now) _mm_setcsr(want);
  changed_ = want != saved_;
#else
  apply_float_mode(flush);
#endif
}

FloatModeScope::~FloatModeScope() {
#if defined(__SSE2__)
  if (changed_) _mm_setcsr(saved_);
#endif
}

int pinned_threads() {
  int p = g_pinned_threads.load();
  if (p >= 0) return p;
  const char* env = std::getenv("OMP_NUM_THREADS");
  // strtol, not atoi: "4294967298" is not 2. Above the most threads: pinned at the most.
  const long from_env = env ? std::strtol(env, nullptr, 10) : 0;
  const int pinned = from_env <= 0 ? 0 : static_cast<int>(std::min<long>(from_env, most_threads()));
  g_pinned_threads.compare_exchange_strong(p, pinned);
  return g_pinned_threads.load();
}

GovernedStep::GovernedStep(runtime::ThreadGovernors& governors, std::int64_t samples)
    : governors_(governors), samples_(samples), saved_(omp_get_max_threads()),
      allocations_(&governors, samples) {
  const int pinned = pinned_threads();
  governed_ = pinned == 0 && samples > 0;
  threads_ = pinned > 0   ? pinned
             : governed_ ? governors.threads(samples, automatic_threads())
                         : automatic_threads();
  omp_set_num_threads(threads_);
  start_ = std::chrono::steady_clock::now();
}

GovernedStep::~GovernedStep() {
  omp_set_num_threads(saved_);
  if (!governed_ || std::uncaught_exceptions() > 0) return;
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  governors_.record(samples_, threads_, s / static_cast<double>(samples_));
  if (threads_ == 1) {  // is a core free again? (at most every 40 ms: /proc/stat costs ~20 us)
    static runtime::IdleMeter meter;
    governors_.idle_cpus(meter.sample());
  }
}

namespace {
// oneDNN keeps the last 1024 primitives it made (its primitive cache) for the process's life;
// tenet's layers keep the primitives they use in their own plan caches (PlanCache, at most 32
// plans a layer), so oneDNN's cache only speeds up remaking a dropped plan. At 1024, a model
// predicted at batch sizes 1 to 300 grew by 1.7 GB (64: 0.5 GB, most of it the storage pool's
// cached blocks; docs/architecture.md, "Caches"). ONEDNN_PRIMITIVE_CACHE_CAPACITY, when set,
// is left to oneDNN.
constexpr int kPrimitiveCacheCapacity = 64;

dnnl::engine make_engine() {
  if (!std::getenv("ONEDNN_PRIMITIVE_CACHE_CAPACITY"))
    dnnl::set_primitive_cache_capacity(kPrimitiveCacheCapacity);
  return dnnl::engine(dnnl::engine::kind::cpu, 0);
}
}  // namespace

dnnl::engine& engine() {
  static dnnl::engine e = make_engine();
  return e;
}

// One stream per thread: threads running models at the same time (separate Models, or predict
// on one Model) never submit to, or wait on, a shared stream object.
dnnl::stream& stream() {
  thread_local dnnl::stream s(engine());
  return s;
}

dnnl::memory::dims dims_of(const Shape& s) {
  dnnl::memory::dims d;
  for (auto v : s) {
    if (v < 0) internal_error("oneDNN dims of a shape with an unknown dimension " + s.str());
    d.push_back(v);
  }
  return d;
}

namespace {
// The InternalError of a failed oneDNN kernel: where, the shapes ("(1, 28, 28, 1), ..."), status.
[[noreturn]] void kernel_failed(std::string_view where, const std::string& shapes,
                                const dnnl::error& e) {
  internal_error("the oneDNN kernel of " + std::string(where) + " failed on shapes " + shapes +
                 " (oneDNN status " + std::to_string(static_cast<int>(e.status)) + ")");
}

template <class Shapes>
std::string joined(const Shapes& shapes) {
  std::string s;
  for (const Shape& sh : shapes) s += (s.empty() ? "" : ", ") + sh.str();
  return s;
}
}  // namespace

void guarded(std::string_view where, ShapeRefs shapes, KernelBody body) {
  try {
    body();
  } catch (const dnnl::error& e) {
    kernel_failed(where, joined(shapes), e);
  }
}

void guarded(std::string_view where, const std::vector<Shape>& shapes, KernelBody body) {
  try {
    body();
  } catch (const dnnl::error& e) {
    kernel_failed(where, joined(shapes), e);
  }
}

}  // namespace tenet::kernels

namespace tenet {
void set_num_threads(int n) {
  if (n > most_threads())
    checks::invalid_option(
        "set_num_threads(n)", std::to_string(n),
        "0 (automatic) or a thread count in [1, " + std::to_string(most_threads()) + "]",
        Site("set_num_threads", "runtime"), Phase::build,
        "n = " + std::to_string(n) + " asks OpenMP for " + std::to_string(n) +
            " threads (this machine has " + std::to_string(automatic_threads()) +
            " processors); the OpenMP runtime ends the process when the system refuses one",
        "pin at most " + std::to_string(most_threads()) + " threads, or call set_num_threads(0)");
  kernels::pinned_threads();  // OMP_NUM_THREADS read first, so it cannot override this call
  g_pinned_threads = n < 1 ? 0 : n;
  omp_set_num_threads(n < 1 ? automatic_threads() : n);
  g_float_mode_generation.fetch_add(1, std::memory_order_release);  // new threads: set again
}
int num_threads() {
  const int pinned = kernels::pinned_threads();
  return pinned > 0 ? pinned : automatic_threads();
}
bool adaptive_threads() { return kernels::pinned_threads() == 0; }
void set_flush_denormals(bool on) {
  g_flush_denormals = on;
  g_float_mode_generation.fetch_add(1, std::memory_order_release);
}
bool flush_denormals() { return g_flush_denormals; }
}  // namespace tenet
