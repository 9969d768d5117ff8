// The MPI transport of the data-parallel fit (core/training/distributed.hpp). Compiled with
// TENET_MPI (and mpi.h) only when CMake found MPI; otherwise every collective is refused and
// rank() / size() answer 0 / 1. Collectives are non-blocking (MPI_I*) and waited for with
// MPI_Test and a deadline, so no rank waits for ever on a peer that died or hangs.
#include "core/training/distributed.hpp"

#include <cstdlib>

#include <tenet/core/contracts/checks.hpp>

#ifdef TENET_MPI
// The C API only: OpenMPI's deprecated C++ bindings warn under -Wextra.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <mutex>
#include <thread>
#endif

namespace tenet::distributed {

bool built_with_mpi() { return mpi::built(); }
int rank() { return mpi::rank(); }
int size() { return mpi::size(); }

namespace mpi {

// OpenMPI's mpirun sets OMPI_COMM_WORLD_SIZE, MPICH's hydra PMI_SIZE, PMIx launchers PMIX_RANK.
bool launched() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMI_SIZE") || std::getenv("PMIX_RANK");
}

#ifdef TENET_MPI

namespace {

struct Session {
  std::once_flag once;
  MPI_Comm comm = MPI_COMM_NULL;
  bool initialised_here = false;
  bool broken = false;
  int rank = 0, size = 1;
};
Session& session() {
  static Session s;
  return s;
}

// At exit: MPI_Finalize, unless a collective was abandoned (a peer is gone or hangs): finalising
// would then wait for it, and mpirun ends the job anyway when this process exits.
void finalize_at_exit() {
  Session& s = session();
  if (!s.initialised_here || s.broken) return;
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

Session& opened() {
  Session& s = session();
  std::call_once(s.once, [&] {
    if (!launched()) return;
    int done = 0;
    MPI_Initialized(&done);
    if (!done) {
      int provided = 0;  // only the thread calling fit talks to MPI: FUNNELED is enough
      MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
      s.initialised_here = true;
      std::atexit(finalize_at_exit);
    }
    MPI_Comm_dup(MPI_COMM_WORLD, &s.comm);
    MPI_Comm_set_errhandler(s.comm, MPI_ERRORS_RETURN);  // errors come back, never abort
    MPI_Comm_rank(s.comm, &s.rank);
    MPI_Comm_size(s.comm, &s.size);
  });
  return s;
}

[[noreturn]] void lost(const Wait& w, bool timed_out, int code) {
  Session& s = session();
  s.broken = true;
  char text[MPI_MAX_ERROR_STRING] = {};
  int len = 0;
  if (!timed_out) MPI_Error_string(code, text, &len);
  checks::distribution_peer(w.at, timed_out, w.seconds, "MPI: " + std::string(text, len), s.rank,
                            s.size, w.where);
}

Session& usable(const Wait& w) {
  Session& s = opened();
  if (s.comm == MPI_COMM_NULL) internal_error("MPI collective outside an mpirun job");
  if (s.broken) lost(w, true, 0);
  return s;
}

// Waits for every request until the deadline. Spins (yielding) for the first milliseconds,
// when a step's collective usually completes, then polls every 200 us.
void finish(std::vector<MPI_Request>& requests, const Wait& w, int code) {
  if (code != MPI_SUCCESS) lost(w, false, code);
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const auto limit = std::chrono::duration<double>(w.seconds);
  for (;;) {
    int done = 0;
    code = MPI_Testall(static_cast<int>(requests.size()), requests.data(), &done,
                       MPI_STATUSES_IGNORE);
    if (code != MPI_SUCCESS) lost(w, false, code);
    if (done) return;
    const auto waited = Clock::now() - start;
    if (waited > limit) lost(w, true, 0);
    if (waited < std::chrono::milliseconds(20)) std::this_thread::yield();
    else std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}

template <class T>
void sum_buckets(T* data, std::size_t n, std::size_t bucket_bytes, MPI_Datatype type,
                 const Wait& w) {
  Session& s = usable(w);
  const std::size_t per = std::clamp<std::size_t>(bucket_bytes / sizeof(T), 1, INT_MAX);
  std::vector<MPI_Request> requests;
  int code = MPI_SUCCESS;
  for (std::size_t i = 0; i < n && code == MPI_SUCCESS; i += per) {
    requests.emplace_back();
    code = MPI_Iallreduce(MPI_IN_PLACE, data + i, static_cast<int>(std::min(per, n - i)), type,
                          MPI_SUM, s.comm, &requests.back());
  }
  finish(requests, w, code);
}

}  // namespace

bool built() { return true; }
int rank() { return opened().rank; }
int size() { return opened().size; }
bool broken() { return session().broken; }

void all_gather(const void* mine, void* all, std::size_t bytes, const Wait& w) {
  Session& s = usable(w);
  std::vector<MPI_Request> r(1);
  const int n = static_cast<int>(bytes);
  finish(r, w, MPI_Iallgather(mine, n, MPI_BYTE, all, n, MPI_BYTE, s.comm, r.data()));
}

void broadcast(void* data, std::size_t bytes, int root, const Wait& w) {
  Session& s = usable(w);
  auto* p = static_cast<char*>(data);
  std::vector<MPI_Request> r;
  int code = MPI_SUCCESS;
  for (std::size_t i = 0; i < bytes && code == MPI_SUCCESS; i += INT_MAX) {
    r.emplace_back();
    code = MPI_Ibcast(p + i, static_cast<int>(std::min<std::size_t>(INT_MAX, bytes - i)), MPI_BYTE,
                      root, s.comm, &r.back());
  }
  finish(r, w, code);
}

void sum(float* data, std::size_t n, std::size_t bucket_bytes, const Wait& w) {
  sum_buckets(data, n, bucket_bytes, MPI_FLOAT, w);
}
void sum(double* data, std::size_t n, const Wait& w) {
  sum_buckets(data, n, std::size_t{1} << 30, MPI_DOUBLE, w);
}

#else  // built without MPI: one process, no collective

namespace {
[[noreturn]] void unavailable(const Wait& w) { checks::distribution_unavailable(w.where); }
}  // namespace

bool built() { return false; }
int rank() { return 0; }
int size() { return 1; }
bool broken() { return false; }
void all_gather(const void*, void*, std::size_t, const Wait& w) { unavailable(w); }
void broadcast(void*, std::size_t, int, const Wait& w) { unavailable(w); }
void sum(float*, std::size_t, std::size_t, const Wait& w) { unavailable(w); }
void sum(double*, std::size_t, const Wait& w) { unavailable(w); }

#endif

}  // namespace mpi
}  // namespace tenet::distributed
