// A path holding a NUL character (from a C buffer, a fixed-size field read whole): the system
// ends the path at the NUL, so every writer and reader refuses it instead of using another file.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include <tenet/tenet.hpp>
#include <tenet/data/idx.hpp>
#include <tenet/data/image_folder.hpp>

#include "support/test_util.hpp"

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::has;

namespace {

std::string with_nul(const std::string& before, const std::string& after) {
  std::string p = before;
  p += '\0';
  return p + after;
}

std::string bytes_of(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

TEST_SUITE("data") {

TEST_CASE("writers refuse a path with a NUL; the file it would have cut to is untouched") {
  const testing::TempDir dir;
  auto in = Input({4});
  Model model(in, Dense(3, {.seed = 1})(in));
  const std::string archive = (dir.path / "model.keras").string();
  keras::save_model(model, archive);
  const std::string before = bytes_of(archive);
  // ".weights.h5" after the NUL passed the guard against replacing a .keras archive.
  auto e = capture([&] { model.save_weights(with_nul(archive, ".weights.h5")); });
  CHECK(e.code() == "options.invalid");
  CHECK(has(e, "the path holds a NUL character at character " + std::to_string(archive.size() + 1)));
  CHECK(has(e, "would write \"" + archive + "\" instead"));
  CHECK(bytes_of(archive) == before);
  const std::string weights = (dir.path / "w.weights.h5").string();
  auto k = capture([&] { keras::save_model(model, with_nul(weights, ".keras")); });
  CHECK(k.code() == "options.invalid");
  CHECK_FALSE(std::filesystem::exists(weights));
  auto h = capture([&] { data::save_h5(with_nul((dir.path / "a.h5").string(), "x"), {{"x", Tensor::ones({2})}}); });
  CHECK(h.code() == "options.invalid");
  auto i = capture([&] { data::write_idx(with_nul((dir.path / "l.idx").string(), "x"), Tensor::zeros({2}, DType::u8)); });
  CHECK(i.code() == "options.invalid");
  CHECK_FALSE(std::filesystem::exists(dir.path / "a.h5"));
  CHECK_FALSE(std::filesystem::exists(dir.path / "l.idx"));
}

TEST_CASE("readers refuse a path with a NUL instead of reading the file before it") {
  const testing::TempDir dir;
  auto in = Input({4});
  Model model(in, Dense(3, {.seed = 1})(in));
  const std::string weights = (dir.path / "m.weights.h5").string();
  model.save_weights(weights);
  data::save_h5((dir.path / "d.h5").string(), {{"x", Tensor::ones({2})}});
  const std::vector<std::pair<std::string, std::function<void()>>> reads = {
      {"load_weights", [&] { (void)model.load_weights(with_nul(weights, ".other")); }},
      {"load_h5", [&] { (void)data::load_h5(with_nul((dir.path / "d.h5").string(), ".other")); }},
      {"load_model", [&] { (void)keras::load_model(with_nul(weights, ".keras")); }},
      {"image_folder", [&] { (void)data::image_folder(with_nul(dir.path.string(), "/other")); }}};
  for (const auto& [name, read] : reads) {
    CAPTURE(name);
    auto e = capture(read);
    CHECK(e.code() == "options.invalid");
    CHECK(has(e, "the path holds a NUL character at character"));
    CHECK(has(e, "would read \""));
  }
}

}  // TEST_SUITE
