#pragma once
// Reading untrusted HDF5 files without letting libhdf5's own bugs take the program down.
//
// Fuzzing found files on which Debian's HDF5 1.10 itself crashes (a corrupt local heap makes
// H5Lvisit copy into a null buffer) or never returns (a corrupt global heap makes H5Aread
// loop), and files that leave libhdf5's state broken without failing the read (the process
// then crashed at exit, in libhdf5's own teardown). tenet cannot repair the library, so an
// HDF5 read runs in a separate process, which sends its result back through a pipe as plain
// bytes: the arrays it read, or the ContractError/IOError it raised. If that process crashes,
// or uses more CPU time than the read can need, the file is refused with data.format.
//
// Which process reads (choose_read_path; docs/data.md "How HDF5 files are read"):
// - in_process: data::set_hdf5_isolation(Isolation::in_process) or
//   TENET_HDF5_ISOLATION=in_process (the fuzzers, which isolate crashes themselves);
// - forked: a fork() of the program, when the program has exactly one thread (then no other
//   thread can hold a lock the child needs: malloc's, libhdf5's, tenet's, the host's);
// - spawned: the tenet-h5-reader helper executable (posix_spawn + exec: a fresh process that
//   inherits no lock), when the program has several threads and the reader can run there;
// - in_process as a fallback, with a one-time note on stderr, when neither fits.
// (internal to data/)
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <tenet/core/base/error.hpp>
#include <tenet/core/tensor/tensor.hpp>

namespace tenet::data::detail {

// The child's result as flat bytes: fixed-width numbers, strings and tensors, in the order
// the reader puts them.
class WireOut {
 public:
  void u64(std::uint64_t v);
  void f64(double v);
  void str(const std::string& s);
  void strs(const std::vector<std::string>& v);
  void tensor(const Tensor& t);
  void tensors(const std::vector<Tensor>& v);
  std::string bytes;
};

// Reads what a WireOut wrote, in the same order. Bytes that do not parse (the child's memory
// was corrupted without crashing it) refuse the file with data.format.
class WireIn {
 public:
  WireIn(std::string bytes, std::string path, std::string kind);
  std::uint64_t u64();
  double f64();
  std::string str();
  std::vector<std::string> strs();
  Tensor tensor();
  std::vector<Tensor> tensors();
  // Refuses the file: the result does not make sense (`what` says how).
  [[noreturn]] void fail(const std::string& what);
  // Refuses the file unless every byte has been read.
  void finish();

 private:
  const char* take(std::size_t n);
  std::uint64_t count(std::size_t min_bytes_each);  // a length that the remaining bytes can hold
  std::string bytes_, path_, kind_;
  std::size_t pos_ = 0;
};

// ------------------------------------------------------------------ the result's protocol
// (data/hdf5_wire.cpp)

// Runs `read` and returns its result: the outcome, then what `read` wrote, or the error it
// raised (ContractError whole, IOError, bad_alloc, any other exception's text).
std::string encode_read(const std::function<void(WireOut&)>& read);
// Raises again what encode_read caught; returns (the rest of `in` is the reader's) on success.
void raise_outcome(WireIn& in);
void put_contract(WireOut& out, const ContractInfo& info);
ContractInfo get_contract(WireIn& in);

// ------------------------------------------------------------------ where a read runs
// (data/hdf5_guard.cpp)

enum class ReadPath { in_process, forked, spawned };

// A read the tenet-h5-reader helper can run: the reader's name and its arguments (given on
// its command line; the helper looks the name up in helper_main). Its result must be the same
// bytes as the `read` function's.
struct HelperRead {
  std::string reader;
  std::vector<std::string> args;
};

// Where the next read of this thread runs; `helper_can_read` is false for a read that only a
// fork of this process can do. Raises options.invalid for a bad TENET_HDF5_ISOLATION or
// TENET_H5_READER.
ReadPath choose_read_path(bool helper_can_read);
// Where the last read of this thread ran (for tests).
ReadPath last_read_path();
// The number of threads of this process (/proc/self/task), 0 when it cannot be counted.
std::size_t thread_count();
// The helper executable: $TENET_H5_READER, else the one installed relative to this library
// (<prefix>/libexec/tenet/ for <prefix>/lib/libtenet.so), else the build tree's, else the one
// under CMAKE_INSTALL_PREFIX; "" when none is executable.
std::string helper_path();
// When TENET_H5_READER names `exe`: options.invalid on the variable, with `cause`. Otherwise
// (the build tree's or installed helper) IOError on `path` saying the helper is broken.
[[noreturn]] void refuse_helper(const std::string& path, const std::string& exe,
                                const std::string& cause);

// Runs `read` where choose_read_path says (the helper runs `helper` instead) and returns what
// it wrote to its WireOut; an exception `read` raised there is raised again here. `kind` names
// the reader in messages ("HDF5 data set", "weights file").
WireIn read_in_child(const std::string& path, const std::string& kind,
                     const std::function<void(WireOut&)>& read, const HelperRead* helper = nullptr);

// ------------------------------------------------------------------ the reading process
// (data/hdf5_child.cpp)

// Starts the reading process (a fork running `read`, or the helper running `helper`), collects
// its result within `allowed` CPU time, and returns it; refuses the file when the process
// crashes, loops or sends a malformed result.
WireIn read_in_other_process(const std::string& path, const std::string& kind,
                             std::chrono::milliseconds allowed,
                             const std::function<void(WireOut&)>& read, const HelperRead* helper,
                             const std::string& helper_exe);
// The helper executable's main (tools/tenet_h5_reader.cpp):
//   tenet-h5-reader <protocol> <reader> <path> [args...]
// writes the result to its standard output and exits.
int helper_main(int argc, char** argv);
// The readers the helper runs, by name (defined beside their callers): "load_h5" (args:
// "all", or "names" and the names; data/hdf5_read.cpp) and "load_weights" (no args: the whole
// file, CheckpointFile::put; data/checkpoint_file.cpp).
void helper_read_h5(const std::string& path, const std::vector<std::string>& args, WireOut& out);
void helper_read_weights(const std::string& path, const std::vector<std::string>& args,
                         WireOut& out);
// The helper's first argument: a helper built from another version of tenet refuses to run.
inline constexpr const char* kHelperProtocol = "tenet-h5-wire-1";

}  // namespace tenet::data::detail
