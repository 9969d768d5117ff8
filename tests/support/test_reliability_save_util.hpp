#pragma once
// Shared by the tests of saving (tests/data/test_atomic_file*.cpp, ...): tenet's three file
// writers behind one interface, each writing a numbered version that can be read back.
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <tenet/tenet.hpp>

#include "support/test_data_util.hpp"
#include "support/test_reliability_util.hpp"

namespace save_test {

using Save = std::function<void(const std::string& path)>;

// One of tenet's writers: `make(v)` prepares (in the calling thread) a save of version v (a
// small whole number); `read(path)` reads a file back and returns its version, or -1 when the
// values in it disagree (a torn file).
struct Writer {
  std::string name;  // "save_weights", "save_h5", "write_idx"
  std::string file;  // a file name it is usually given
  std::function<Save(int version)> make;
  std::function<int(const std::string& path)> read;
};

inline int same_value(const std::vector<double>& values) {
  if (values.empty()) return -1;
  for (double x : values)
    if (x != values[0]) return -1;
  return static_cast<int>(values[0]);
}

inline tenet::Model versioned_model(int v) {
  tenet::Model m = reliability::small_model(false, 2);
  for (const auto& l : m.layers()) {
    std::vector<tenet::Tensor> ws;
    for (const auto& w : l.weights()) ws.push_back(tenet::Tensor::full(w.shape(), v));
    if (!ws.empty()) l.set_weights(ws);
  }
  return m;
}

inline std::vector<Writer> writers() {
  using tenet::Tensor;
  Writer weights{"save_weights", "m.weights.h5",
                 [](int v) -> Save {
                   auto m = std::make_shared<tenet::Model>(versioned_model(v));
                   return [m](const std::string& p) { m->save_weights(p); };
                 },
                 [](const std::string& p) {
                   tenet::Model m = reliability::small_model(false, 2);
                   m.load_weights(p);
                   std::vector<double> values;
                   for (const auto& w : m.weights())
                     for (float x : w.to_vector<float>()) values.push_back(x);
                   return same_value(values);
                 }};
  Writer h5{"save_h5", "set.h5",
            [](int v) -> Save {
              const Tensor x = Tensor::full({64, 3}, v);
              return [x](const std::string& p) { tenet::data::save_h5(p, {{"x", x}}); };
            },
            [](const std::string& p) {
              const auto v = tenet::data::load_h5(p).at("x").to_vector<float>();
              return same_value(std::vector<double>(v.begin(), v.end()));
            }};
  Writer idx{"write_idx", "labels.idx",
             [](int v) -> Save {
               const Tensor x = Tensor::full({512}, v, tenet::DType::u8);
               return [x](const std::string& p) { tenet::data::write_idx(p, x); };
             },
             [](const std::string& p) {
               const auto v = tenet::data::read_idx(p).to_vector<std::uint8_t>();
               return same_value(std::vector<double>(v.begin(), v.end()));
             }};
  return {weights, h5, idx};
}

// The names in a directory, sorted.
inline std::vector<std::string> names_in(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

// What lstat says a path is (0 when nothing is there).
inline mode_t mode_at(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0 ? st.st_mode : 0;
}

// The directory a TempDir made.
inline std::filesystem::path dir_of(const tenet::testing::TempDir& d) {
  return std::filesystem::path(d.file("x")).parent_path();
}

}  // namespace save_test
