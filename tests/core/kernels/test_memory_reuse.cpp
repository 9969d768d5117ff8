// Suite "core/kernels": the tests of reused_memory (core/kernels/memory.cpp).
#include <doctest/doctest.h>

#include <thread>
#include <vector>

#include "core/kernels/memory.hpp"

using namespace tenet;

TEST_SUITE("core/kernels") {

TEST_CASE("reused_memory: one object per owner and slot, pointed at each call's bytes") {
  const auto d = kernels::f32_desc({1, 16, 4, 4}, kernels::tag::nChw16c);
  std::vector<float> a(256), b(256);
  const int owner = 0, other = 0;
  dnnl::memory first = kernels::reused_memory(&owner, DNNL_ARG_SRC, d, a.data());
  dnnl::memory again = kernels::reused_memory(&owner, DNNL_ARG_SRC, d, b.data());
  CHECK(again.get() == first.get());  // the same object, no new one
  CHECK(again.get_data_handle() == b.data());
  // Another slot or another owner: objects of their own, each keeping its bytes.
  dnnl::memory dst = kernels::reused_memory(&owner, DNNL_ARG_DST, d, a.data());
  dnnl::memory elsewhere = kernels::reused_memory(&other, DNNL_ARG_SRC, d, a.data());
  CHECK(dst.get() != first.get());
  CHECK(elsewhere.get() != first.get());
  CHECK(first.get_data_handle() == b.data());
}

TEST_CASE("reused_memory: a new descriptor for the same owner and slot gets a new object") {
  // An owner freed and another made at its address asks with its own descriptor.
  const auto blocked = kernels::f32_desc({1, 16, 4, 4}, kernels::tag::nChw16c);
  const auto plain = kernels::f32_desc({1, 16, 4, 4}, kernels::tag::nhwc);
  std::vector<float> a(256);
  const int owner = 0;
  dnnl::memory m1 = kernels::reused_memory(&owner, DNNL_ARG_SRC, blocked, a.data());
  dnnl::memory m2 = kernels::reused_memory(&owner, DNNL_ARG_SRC, plain, a.data());
  CHECK(m2.get_desc() == plain);
  CHECK(m1.get_desc() == blocked);  // the old object, still held, kept its descriptor
  CHECK(m2.get() != m1.get());
}

TEST_CASE("reused_memory: each thread has its own object for the same owner and slot") {
  const auto d = kernels::f32_desc({1, 16, 4, 4}, kernels::tag::nChw16c);
  std::vector<float> a(256), b(256);
  const int owner = 0;
  dnnl::memory mine = kernels::reused_memory(&owner, DNNL_ARG_SRC, d, a.data());
  dnnl::memory theirs;
  std::thread t([&] { theirs = kernels::reused_memory(&owner, DNNL_ARG_SRC, d, b.data()); });
  t.join();
  CHECK(theirs.get() != mine.get());
  CHECK(mine.get_data_handle() == a.data());  // the other thread did not re-point this one
}

}  // TEST_SUITE
