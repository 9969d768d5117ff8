#pragma once
// IDX payloads and gzip members built byte by byte, for the integrity tests of the readers.
#include <doctest/doctest.h>

#if __has_include(<hdf5/serial/hdf5.h>)
#include <hdf5/serial/hdf5.h>  // Debian keeps the serial HDF5 headers here
#else
#include <hdf5.h>
#endif

#include <zlib.h>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include <tenet/data/fashion_mnist.hpp>
#include <tenet/data/hdf5_io.hpp>
#include <tenet/data/idx.hpp>

#include "support/test_data_util.hpp"

namespace tenet::testing {
using namespace tenet;
using namespace tenet::testing;

using Bytes = std::vector<unsigned char>;

// An IDX file of n bytes 0, 7, 14, ... (rank 1).
inline Bytes idx_payload(std::uint32_t n) {
  Bytes b = idx_header({n});
  for (std::uint32_t i = 0; i < n; ++i) b.push_back(static_cast<unsigned char>(i * 7));
  return b;
}

}  // namespace tenet::testing
