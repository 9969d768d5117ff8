// Suite "core/contracts": the checks of core/contracts/image_checks.cpp, raised through resize,
// pad_to and center_crop (image_folder's batch.ragged: tests/data/test_image_folder.cpp).
#include <doctest/doctest.h>

#include <tenet/tenet.hpp>

#include "support/test_contracts_util.hpp"

using namespace tenet;
using contracts_test::capture;
using contracts_test::has;

TEST_SUITE("core/contracts") {

TEST_CASE("resize: images of rank 3 or 4, a positive size, no empty axis") {
  auto gray = capture("input.rank", [] { (void)resize(Tensor::zeros({8, 8}), {4, 4}); });
  CHECK(gray.info().summary == "resize takes images (N, H, W, C) or one image (H, W, C), got rank 2");
  CHECK(has(gray.fix(), "resize(expand_dims(x, -1), {h, w})"));
  auto five = capture("input.rank", [] { (void)resize(Tensor::zeros({1, 2, 8, 8, 1}), {4, 4}); });
  CHECK(has(five.cause(), "not an image or a batch of images"));
  auto size = capture("resize.size", [] { (void)resize(Tensor::zeros({8, 8, 1}), {0, 4}); });
  CHECK(size.actual() == "(0, 4)");
  CHECK(has(size.cause(), "the target's height is 0"));
  auto empty = capture("resize.size", [] { (void)resize(Tensor::zeros({0, 8, 8, 1}), {4, 4}); });
  CHECK(empty.info().summary == "resize received a batch of 0 images");
  CHECK(has(empty.cause(), "axis 0 counts the images and is 0"));
  CHECK(has(empty.fix(), "skip empty batches before resizing"));
  auto narrow = capture("resize.size", [] { (void)resize(Tensor::zeros({8, 0, 1}), {4, 4}); });
  CHECK(narrow.info().summary == "resize received an empty image");
  CHECK(narrow.cause() == "each image has width 0 (axis 1), so it holds no pixels to interpolate");
  CHECK(has(narrow.fix(), "a crop or slice past the image's edge"));
  CHECK(narrow.info().marked == std::vector<int>{1});
}

TEST_CASE("pad_to and center_crop: a batch of images, and a target on the right side of its size") {
  auto rank = capture("input.rank", [] { (void)data::pad_to(Tensor::zeros({8, 8}), {9, 9}); });
  CHECK(rank.info().summary == "pad_to takes a batch of images");
  CHECK(has(rank.cause(), "a single grayscale image without its batch axis"));
  auto shrink = capture("input.shape", [] { (void)data::pad_to(Tensor::zeros({2, 8, 8, 1}), {4, 9}); });
  CHECK(shrink.info().summary == "pad_to cannot shrink images");
  CHECK(shrink.expected() == "a target of at least 8x8");
  CHECK(shrink.actual() == "4x9");
  CHECK(has(shrink.fix(), "data::center_crop"));
  auto grow = capture("input.shape", [] {
    (void)data::center_crop(Tensor::zeros({2, 8, 8}), {9, 4});
  });
  CHECK(grow.info().summary == "center_crop cannot enlarge images");
  CHECK(grow.expected() == "a target of at most 8x8");
  CHECK(has(grow.fix(), "data::pad_to"));
}

}  // TEST_SUITE
