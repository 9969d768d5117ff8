// Suite "core/tensor": the tests of storage (the pool's choice of block). Inside a
// StepAllocations scope the k-th allocation takes the block the k-th allocation of the owner's
// previous scope on this thread took, when it is free; otherwise, and outside any scope, the
// oldest free block of its size.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <thread>
#include <vector>

#include "core/tensor/storage.hpp"
#include <tenet/tenet.hpp>

using namespace tenet;

namespace {

// Sizes no other test allocates, so the pool's free blocks of them are this file's alone; the
// test that frees 300 blocks has its own.
// (Blocks come in multiples of 64 bytes; replayed from StepAllocations::kSmallestReplayed.)
constexpr std::int64_t kFloats = 20011, kManyFloats = 21013, kSmallFloats = 1009;

Tensor block(std::int64_t floats = kFloats) { return Tensor::empty({floats}); }
const void* where(const Tensor& t) { return t.raw_data(); }

// Allocates n blocks of the size and frees them last first: the pool's free blocks of the size
// are then these n (once n is at least as many as it had), the oldest the last allocated.
// Returns them in allocation order.
std::vector<const void*> fill(int n, std::int64_t floats = kFloats) {
  std::vector<Tensor> all;
  std::vector<const void*> at;
  for (int i = 0; i < n; ++i) all.push_back(block(floats)), at.push_back(where(all.back()));
  while (!all.empty()) all.pop_back();
  return at;
}

}  // namespace

TEST_SUITE("core/tensor") {

TEST_CASE("a step's k-th allocation takes the block of the previous step's k-th when it is free") {
  const std::vector<const void*> p = fill(64);  // free, oldest first: p[63], p[62], ..., p[0]
  static const int owner = 0;  // static: an address no other test uses
  {
    StepAllocations step(&owner);
    Tensor t1 = block(), t2 = block();
    CHECK(where(t1) == p[63]);  // no sequence yet: oldest first
    CHECK(where(t2) == p[62]);
    t1 = Tensor();  // freed first: free now p[61], ..., p[0], p[63], p[62]
  }
  {
    StepAllocations step(&owner);
    Tensor u1 = block(), u2 = block();
    CHECK(where(u1) == p[63]);  // oldest first would give p[61], p[60]
    CHECK(where(u2) == p[62]);
  }
  Tensor outside = block();  // outside any scope: the oldest free block
  CHECK(where(outside) == p[61]);
}

TEST_CASE("a wanted block behind 256 blocks of its size freed after it is not searched for") {
  static const int owner = 0;  // static: an address no other test uses
  // Free: `older`, then `first` (the block the owner's last scope took), then `newer` more.
  auto arrange = [](std::size_t newer, const void*& first, const void*& older) {
    fill(300, kManyFloats);
    {
      StepAllocations step(&owner);
      Tensor t = block(kManyFloats);
      first = where(t);
    }
    std::vector<Tensor> held;
    for (int i = 0; i < 300; ++i) held.push_back(block(kManyFloats));  // every free block
    auto at = std::find_if(held.begin(), held.end(), [&](const Tensor& t) { return where(t) == first; });
    REQUIRE(at != held.end());
    Tensor kept_first = std::move(*at);
    held.erase(at);
    older = where(held.front());
    held.erase(held.begin());              // freed first: the oldest
    held.resize(newer);                    // then all but `newer` of the others
    kept_first = Tensor();                 // then `first`
    while (!held.empty()) held.pop_back();  // then the `newer`
  };
  const void *first, *older;
  arrange(255, first, older);
  {
    StepAllocations step(&owner);
    Tensor t = block(kManyFloats);
    CHECK(where(t) == first);  // among the 256 freed last: found
  }
  arrange(298, first, older);
  {
    StepAllocations step(&owner);
    Tensor t = block(kManyFloats);
    CHECK(where(t) == older);  // behind 298 newer ones: not searched for, the oldest taken
  }
}

TEST_CASE("blocks smaller than 64 KiB are not replayed: oldest first") {
  static const int owner = 0;  // static: an address no other test uses
  const std::vector<const void*> p = fill(64, kSmallFloats);
  {
    StepAllocations step(&owner);
    Tensor t1 = block(kSmallFloats), t2 = block(kSmallFloats);
    CHECK(where(t1) == p[63]);
    CHECK(where(t2) == p[62]);
    t1 = Tensor();  // freed first: free now p[61], ..., p[0], p[63], p[62]
  }
  {
    StepAllocations step(&owner);
    Tensor u1 = block(kSmallFloats);
    CHECK(where(u1) == p[61]);  // not t1's block: oldest first
  }
}

TEST_CASE("a wanted block still in use is not handed out twice: the oldest free one is taken") {
  const std::vector<const void*> p = fill(64);
  static const int owner = 0;  // static: an address no other test uses
  Tensor kept;
  const void* first;
  {
    StepAllocations step(&owner);
    kept = block();  // outlives the scope
    first = where(kept);
  }
  {
    StepAllocations step(&owner);
    Tensor u = block();
    CHECK(where(u) == p[62]);  // the oldest free one (p[63] is `kept`)
    CHECK(where(kept) == first);
  }
}

TEST_CASE("owners and nested scopes keep their sequences apart") {
  fill(64);
  static const int x = 0, y = 0;
  const void *x_first, *y_first;
  {
    StepAllocations step(&x);
    Tensor t = block();
    x_first = where(t);
  }
  {
    StepAllocations step(&y);  // another owner in between takes a block of the same size
    Tensor t = block();
    y_first = where(t);
  }
  {
    StepAllocations step(&x);
    Tensor t = block();
    CHECK(where(t) == x_first);
  }
  {
    StepAllocations step(&y);
    Tensor t = block();
    CHECK(where(t) == y_first);
  }
  // Nested: the inner scope counts its own allocations; the outer one's count goes on after it.
  const void *outer_first, *outer_second;
  {
    StepAllocations outer(&x);
    Tensor a = block();
    {
      StepAllocations inner(&y);
      Tensor i = block();
      CHECK(where(i) == y_first);
    }
    Tensor b = block();
    outer_first = where(a), outer_second = where(b);
    CHECK(outer_first == x_first);
  }
  {
    StepAllocations outer(&x);
    Tensor a = block(), b = block();
    CHECK(where(a) == outer_first);
    CHECK(where(b) == outer_second);
  }
}

TEST_CASE("another thread's scope of the same owner has a sequence of its own") {
  static const int x = 0;
  fill(64);
  const void* mine;
  {
    StepAllocations step(&x);
    Tensor t = block();
    mine = where(t);
  }
  // Freed last here, so never the oldest: the other thread's first allocation takes the oldest.
  const std::vector<const void*> p = fill(64);
  {
    StepAllocations step(&x);
    Tensor t = block();
    CHECK(where(t) == mine);
  }
  const void* other = nullptr;
  std::thread([&] {
    StepAllocations step(&x);
    Tensor t = block();
    other = where(t);
  }).join();
  CHECK(other == (p[63] != mine ? p[63] : p[62]));
  CHECK(other != mine);
}

TEST_CASE("more allocations than a scope replays, and more owners than a thread keeps") {
  static const int owner = 0;  // static: an address no other test uses
  const void* first = nullptr;
  {
    StepAllocations step(&owner);  // past kReplayed allocations, nothing more is recorded
    for (std::size_t i = 0; i < StepAllocations::kReplayed + 10; ++i) {
      Tensor t = block();
      if (i == 0) first = where(t);
    }
  }
  {
    StepAllocations step(&owner);
    Tensor t = block();
    CHECK(where(t) == first);  // the sequence's start is intact
  }
  // kOwners + 1 owners in turn: the first one's sequence is forgotten, none is confused.
  std::vector<int> owners(StepAllocations::kOwners + 1);
  std::vector<const void*> got;
  fill(64);
  for (const int& o : owners) {
    StepAllocations step(&o);
    Tensor t = block();
    got.push_back(where(t));
  }
  const int& last = owners.back();
  {
    StepAllocations step(&last);
    Tensor t = block();
    CHECK(where(t) == got.back());  // the most recent owner's block again
  }
}

}  // TEST_SUITE
