#pragma once
// Helpers shared by the tests of data/: capturing a ContractError or IOError, IDX headers and raw
// file bytes (temporary directories: test_util.hpp).
#include <doctest/doctest.h>

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <tenet/core/base/error.hpp>
#include "support/test_util.hpp"

namespace tenet::testing {

template <class F>
ContractError capture_contract(F&& f) {  // the data suite's name for testing::capture
  return capture(std::forward<F>(f));
}

template <class F>
std::string capture_io(F&& f) {
  try {
    f();
  } catch (const IOError& e) {
    return e.what();
  }
  FAIL("expected an IOError");
  return "";
}

// A plain IDX header for uint8 data: 0 0 8 rank, then big-endian dims.
inline std::vector<unsigned char> idx_header(const std::vector<std::uint32_t>& dims,
                                             unsigned char type = 0x08) {
  std::vector<unsigned char> h = {0, 0, type, static_cast<unsigned char>(dims.size())};
  for (auto d : dims)
    for (int s = 24; s >= 0; s -= 8) h.push_back(static_cast<unsigned char>(d >> s));
  return h;
}

// data.format, phase load, naming `path`.
inline void check_format_error(const ContractError& e, const std::string& path) {
  CHECK(e.code() == "data.format");
  CHECK(e.phase() == Phase::load);
  CHECK(std::string(e.what()).find(path) != std::string::npos);
}

inline void write_bytes(const std::string& path, const std::vector<unsigned char>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

inline std::vector<unsigned char> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<unsigned char>(std::istreambuf_iterator<char>(in), {});
}

}  // namespace tenet::testing
