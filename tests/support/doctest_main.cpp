#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <tenet/core/base/runtime.hpp>

// The tests compare training runs bit for bit (a resumed fit against a straight one), so they
// run on a pinned thread count: automatic mode may move a step to one thread when the machine is
// busy, and one and two threads sum some gradients in another order (docs/performance.md).
// The machine's core count, as before automatic mode existed; tests of automatic mode unpin
// and pin again themselves.
int main(int argc, char** argv) {
  tenet::set_num_threads(tenet::num_threads());
  return doctest::Context(argc, argv).run();
}
