#pragma once
// Shared by the libFuzzer targets: the input is written to a file in /dev/shm (tenet's readers
// take paths; RAM-backed, so no disk I/O), then the reader runs. The promise under test: bad
// bytes give a ContractError with one of the codes the reader documents, or an IOError, and
// nothing else. Any other outcome (another exception type, an unknown code, a crash under
// ASan/UBSan, a leak) is reported by libFuzzer as a crash: __builtin_trap() here.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <string>

#include <tenet/core/base/error.hpp>

namespace tenet::fuzz {

inline std::string scratch_path(const char* suffix) {
  const char* dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
  return std::string(dir) + "/tenet_fuzz_" + std::to_string(getpid()) + suffix;
}

inline void write_file(const std::string& path, const std::uint8_t* data, std::size_t size) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) __builtin_trap();
  if (size && std::fwrite(data, 1, size, f) != size) __builtin_trap();
  std::fclose(f);
}

// Runs f; accepts a ContractError whose code is one of `codes`, or an IOError.
template <class F>
void expect_explained(F&& f, std::initializer_list<const char*> codes) {
  try {
    f();
  } catch (const ContractError& e) {
    for (const char* c : codes)
      if (e.code() == c) return;
    std::fprintf(stderr, "unexpected contract code %s:\n%s\n", e.code().c_str(), e.what());
    __builtin_trap();
  } catch (const IOError&) {
  } catch (const std::exception& e) {
    std::fprintf(stderr, "unexpected exception: %s\n", e.what());
    __builtin_trap();
  }
}

}  // namespace tenet::fuzz
