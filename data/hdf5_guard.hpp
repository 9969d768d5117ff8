#pragma once
// Reading untrusted HDF5 files without letting libhdf5's own bugs take the program down.
//
// Fuzzing found files on which Debian's HDF5 1.10 itself crashes (a corrupt local heap makes
// H5Lvisit copy into a null buffer) or never returns (a corrupt global heap makes H5Aread
// loop), and files that leave libhdf5's state broken without failing the read (the process
// then crashed at exit, in libhdf5's own teardown). tenet cannot repair the library, so every
// HDF5 read runs only in a forked child process, which sends its result back through a pipe
// as plain bytes: the arrays it read, or the ContractError/IOError it raised. The caller's
// process never hands the file to libhdf5. If the child crashes, or uses more CPU time than the
// read can need, the file is refused with data.format. Setting TENET_HDF5_IN_PROCESS=1 runs
// the read in the calling process (used by the fuzzers, which isolate crashes themselves).
// (internal to data/)
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/tensor.hpp"

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

// Runs `read` in a child process (see above) and returns what it wrote to its WireOut; an
// exception `read` raised there is raised again here. `kind` names the reader in messages
// ("HDF5 data set", "weights file").
WireIn read_in_child(const std::string& path, const std::string& kind,
                     const std::function<void(WireOut&)>& read);

}  // namespace tenet::data::detail
