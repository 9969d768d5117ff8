// Suite "data": the tests of preprocess.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>
#include <thread>
#include <cstdint>
#include <atomic>
#include <limits>
#include <string>
#include <vector>

#include <tenet/core/contracts/checks.hpp>
#include <tenet/core/ops/ops.hpp>
#include <tenet/core/ops/image.hpp>
#include <tenet/data/dataset.hpp>
#include <tenet/data/preprocess.hpp>

#include "support/test_data_util.hpp"
#include "support/test_util.hpp"

using namespace tenet;
using namespace tenet::testing;
using data::Batch;
using data::Dataset;
using tenet::testing::capture;
using tenet::testing::mentions;

TEST_SUITE("data") {

TEST_CASE("one_hot: integer and float labels, range and dtype checks") {
  Tensor y = one_hot(Tensor::from_vector(std::vector<std::uint8_t>{2, 0, 1}), 3);
  CHECK(y.dtype() == DType::f32);
  CHECK(y.shape() == Shape{3, 3});
  CHECK(y.to_vector<float>() == std::vector<float>{0, 0, 1, 1, 0, 0, 0, 1, 0});
  CHECK(allclose(one_hot(Tensor::from_vector(std::vector<double>{2, 0, 1}, {3, 1}), 3), y));
  CHECK(allclose(one_hot(Tensor::from_vector(std::vector<std::int64_t>{2, 0, 1}), 3), y));
  auto e = capture_contract([] { one_hot(Tensor::from_vector(std::vector<std::int32_t>{1, 0, -1, 4}), 10); });
  CHECK(e.code() == "loss.label_range");
  CHECK(e.actual() == "label -1 at sample 2");
  e = capture_contract([] { one_hot(Tensor::from_vector(std::vector<std::int32_t>{1, 10}), 10); });
  CHECK(e.code() == "loss.label_range");
  CHECK(e.actual() == "label 10 at sample 1");
  CHECK(e.expected() == "labels in [0, 10)");
  e = capture_contract([] { one_hot(Tensor::from_vector(std::vector<float>{1, 0.5f}), 2); });
  CHECK(e.code() == "loss.label_dtype");
  e = capture_contract([] { one_hot(Tensor::zeros({4, 3}), 3); });
  CHECK(e.code() == "loss.label_shape");
  CHECK(allclose(to_float(Tensor::full({2}, 255, DType::u8)), Tensor::ones({2})));
}

TEST_CASE("pad_to, center_crop, random_flip_left_right and resize") {
  // (1, 2, 3) uint8 image 1..6, padded to 4x5: one row above, one column left.
  Tensor img = Tensor::from_vector(std::vector<std::uint8_t>{1, 2, 3, 4, 5, 6}, {1, 2, 3});
  Tensor p = data::pad_to(img, {4, 5});
  CHECK(p.dtype() == DType::u8);
  CHECK(p.shape() == Shape{1, 4, 5});
  std::vector<std::uint8_t> want(20, 0);
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 3; ++x) want[(y + 1) * 5 + x + 1] = static_cast<std::uint8_t>(1 + y * 3 + x);
  CHECK(p.to_vector<std::uint8_t>() == want);
  CHECK(array_equal(data::center_crop(p, {2, 3}), img));
  Tensor rgb = Tensor::randn({2, 6, 6, 3}, 4);
  CHECK(array_equal(data::center_crop(data::pad_to(rgb, {9, 10}), {6, 6}), rgb));
  auto e = capture_contract([&] { data::pad_to(rgb, {4, 4}); });
  CHECK(e.code() == "input.shape");
  CHECK(e.fix().find("center_crop") != std::string::npos);
  e = capture_contract([&] { data::center_crop(rgb, {7, 6}); });
  CHECK(e.code() == "input.shape");

  Tensor many = Tensor::randn({64, 3, 4, 2}, 5);
  Tensor f = data::random_flip_left_right(many, 9);
  CHECK(array_equal(f, data::random_flip_left_right(many, 9)));
  int flipped = 0;
  for (std::int64_t n = 0; n < 64; ++n) {
    bool same = true, mirrored = true;
    for (std::int64_t y = 0; y < 3; ++y)
      for (std::int64_t x = 0; x < 4; ++x)
        for (std::int64_t c = 0; c < 2; ++c) {
          same = same && f.at({n, y, x, c}) == many.at({n, y, x, c});
          mirrored = mirrored && f.at({n, y, x, c}) == many.at({n, y, 3 - x, c});
        }
    CHECK((same || mirrored));
    flipped += mirrored ? 1 : 0;
  }
  CHECK(flipped > 16);
  CHECK(flipped < 48);

  Tensor r = data::resize(Tensor::full({2, 5, 5, 3}, 7, DType::u8), {8, 3});
  CHECK(r.shape() == Shape{2, 8, 3, 3});
  CHECK(r.dtype() == DType::f32);
  CHECK(allclose(r, Tensor::full({2, 8, 3, 3}, 7)));
  CHECK(array_equal(data::resize(rgb, {3, 9}), resize(rgb, {3, 9})));
}

TEST_CASE("hostile api: one_hot names a huge float label as it is") {
  // The label 1e30 was cast to an integer (undefined) and reported as -9223372036854775808.
  auto e = capture([] { (void)one_hot(Tensor::from_vector(std::vector<float>{0, 1e30f}), 3); });
  CHECK(e.code() == "loss.label_range");
  CHECK(mentions(e, "label 1.00000002e+30 at sample 1"));
  CHECK(!mentions(e, "-9223372036854775808"));
  CHECK(!mentions(e, "one_hot(labels, "));  // no class count to suggest for such a label
  e = capture([] { (void)one_hot(Tensor::from_vector(std::vector<double>{-std::numeric_limits<double>::infinity()}), 3); });
  CHECK(mentions(e, "label -inf at sample 0"));
  e = capture([] { (void)one_hot(Tensor::from_vector(std::vector<std::int64_t>{5}), 3); });
  CHECK(mentions(e, "call one_hot(labels, 6)"));
}

}  // TEST_SUITE
