// Suite "data", integrity part: one flipped bit anywhere in a checkpoint tenet wrote, in the
// data of its datasets, or in the optimizer's scalars, never loads as other weights or another
// optimizer state: Fletcher-32 covers the arrays, the object headers' checksums the rest.
#include <doctest/doctest.h>

#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <tenet/tenet.hpp>

#include "support/checkpoint_integrity_util.hpp"

using namespace tenet;
using namespace ckpt;

namespace {

// A checkpoint (trained_mlp(1)) and a model holding its state: flip(at, bit) writes a copy with
// one bit changed, loads it, and counts the outcome; report() checks that no flip loaded other
// weights, slots, iteration count or learning rate.
struct FlipSweep {
  TempDir dir;
  const std::string good = dir.file("good.weights.h5"), path = dir.file("flip.weights.h5");
  std::string bytes;
  Model m = trained_mlp(2);
  std::optional<Snapshot> original;
  int refused = 0, same = 0, scalars = 0, changed = 0, flips = 0;

  FlipSweep() {
    trained_mlp(1).save_weights(good);
    std::ifstream in(good, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
    m.load_weights(good);
    original.emplace(m);  // the learning rate as the file holds it (float32)
  }
  void flip(std::size_t at, int bit) {
    ++flips;
    std::string bad = bytes;
    bad[at] = static_cast<char>(bad[at] ^ (1 << bit));
    { std::ofstream(path, std::ios::binary) << bad; }
    try {
      m.load_weights(path);
      const Snapshot now(m);
      if (!bitwise_equal(now.weights, original->weights) || !bitwise_equal(now.slots, original->slots))
        ++changed;
      else if (now.iterations != original->iterations || now.learning_rate != original->learning_rate)
        ++scalars;
      else
        ++same;
      m.load_weights(good);
    } catch (const ContractError& e) {
      CHECK_MESSAGE((e.code() == "data.format" || e.code() == "checkpoint.mismatch"), std::string(e.what()));
      ++refused;
    }
  }
  void report(const std::string& where) {
    MESSAGE(flips << " flips " << where << ": " << refused << " refused, " << same
                  << " loaded the same values, " << scalars
                  << " another iteration count or learning rate, " << changed
                  << " changed weights or slots");
    CHECK(changed == 0);
    CHECK(scalars == 0);
    refused = same = scalars = changed = flips = 0;
  }
};

}  // namespace

TEST_SUITE("data") {

TEST_CASE("integrity: single-bit flips never load changed weights or slots") {
  // Fletcher-32 covers every dataset of rank >= 1; the two scalars (iteration, learning rate)
  // are compact, under their object header's checksum.
  FlipSweep sweep;
  const std::size_t n = sweep.bytes.size();
  for (std::size_t at = 0; at < n; at += n / 150 + 1) sweep.flip(at, static_cast<int>(at % 8));
  sweep.report("anywhere in the " + std::to_string(n) + "-byte file");
  const std::vector<std::pair<const char*, int>> sets = {
      {"layers/dense/vars/0", 96}, {"layers/dense/vars/1", 16}, {"layers/dense_1/vars/0", 48},
      {"layers/dense_1/vars/1", 12}, {"optimizer/vars/2", 96}, {"optimizer/vars/5", 16}};
  for (const auto& [name, size] : sets) {
    const haddr_t offset = data_offset(sweep.good, name);
    for (int b = 0; b < size; b += 5) sweep.flip(offset + static_cast<haddr_t>(b), b % 8);
  }
  sweep.report("in the data of 6 datasets");
}

TEST_CASE("integrity: every one-bit flip of the learning rate's value is refused") {
  // The scalars were stored contiguous, without a checksum: 31 of these 32 flips loaded as
  // another learning rate. Compact, their value is under the object header's checksum.
  FlipSweep sweep;
  const float lr = static_cast<float>(sweep.original->learning_rate);
  const std::string lr_bytes(reinterpret_cast<const char*>(&lr), sizeof lr);
  const std::size_t at = sweep.bytes.find(lr_bytes);
  REQUIRE(at != std::string::npos);
  CHECK(sweep.bytes.find(lr_bytes, at + 1) == std::string::npos);  // found once: it is the value
  for (int b = 0; b < 32; ++b) sweep.flip(at + static_cast<std::size_t>(b / 8), b % 8);
  CHECK(sweep.refused == 32);
  sweep.report("in the learning rate's value");
}

}  // TEST_SUITE
