// Callbacks' verbose: 0 (silent) or 1 (a line when they act), as Keras's; FitOptions::verbose
// is refused outside its range, and so are these now.
#include <doctest/doctest.h>

#include <tenet/tenet.hpp>

#include "support/test_util.hpp"

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::has;

TEST_SUITE("core/training") {

TEST_CASE("callbacks refuse a verbose other than 0 or 1") {
  auto r = capture([] { (void)ReduceLROnPlateau({.verbose = 9}); });
  CHECK(r.code() == "options.invalid");
  CHECK(has(r, "ReduceLROnPlateauOptions::verbose"));
  auto m = capture([] { (void)ModelCheckpoint("m.weights.h5", {.verbose = -1}); });
  CHECK(m.code() == "options.invalid");
  CHECK(has(m, "ModelCheckpointOptions::verbose"));
  auto l = capture([] { (void)LearningRateScheduler([](int, double lr) { return lr; }, 2); });
  CHECK(l.code() == "options.invalid");
  CHECK(has(l, "LearningRateScheduler verbose"));
  CHECK_NOTHROW((void)ReduceLROnPlateau({.verbose = 1}));
  CHECK_NOTHROW((void)ModelCheckpoint("m.weights.h5", {.verbose = 0}));
}

}  // TEST_SUITE
