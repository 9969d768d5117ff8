// Suite "core/tensor": the tests of storage (the pool's choice of block). Inside a
// StepAllocations scope the k-th allocation of 64 KiB or more takes the block the k-th allocation
// of the previous scope of the same (owner, tag) on this thread took, when it is free; otherwise,
// and outside any scope, the oldest free block of its size.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
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
    StepAllocations step(&owner, 0);
    Tensor t1 = block(), t2 = block();
    CHECK(where(t1) == p[63]);  // no sequence yet: oldest first
    CHECK(where(t2) == p[62]);
    t1 = Tensor();  // freed first: free now p[61], ..., p[0], p[63], p[62]
  }
  {
    StepAllocations step(&owner, 0);
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
      StepAllocations step(&owner, 0);
      Tensor t = block(kManyFloats);
      first = where(t);
    }
    std::vector<Tensor> held;
    for (int i = 0; i < 300; ++i) held.push_back(block(kManyFloats));  // every free block
    auto at = std::find_if(held.begin(), held.end(),
                           [&](const Tensor& t) { return where(t) == first; });
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
    StepAllocations step(&owner, 0);
    Tensor t = block(kManyFloats);
    CHECK(where(t) == first);  // among the 256 freed last: found
  }
  arrange(298, first, older);
  {
    StepAllocations step(&owner, 0);
    Tensor t = block(kManyFloats);
    CHECK(where(t) == older);  // behind 298 newer ones: not searched for, the oldest taken
  }
}

TEST_CASE("blocks smaller than 64 KiB are not replayed: oldest first") {
  static const int owner = 0;  // static: an address no other test uses
  const std::vector<const void*> p = fill(64, kSmallFloats);
  {
    StepAllocations step(&owner, 0);
    Tensor t1 = block(kSmallFloats), t2 = block(kSmallFloats);
    CHECK(where(t1) == p[63]);
    CHECK(where(t2) == p[62]);
    t1 = Tensor();  // freed first: free now p[61], ..., p[0], p[63], p[62]
  }
  {
    StepAllocations step(&owner, 0);
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
    StepAllocations step(&owner, 0);
    kept = block();  // outlives the scope
    first = where(kept);
  }
  {
    StepAllocations step(&owner, 0);
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
    StepAllocations step(&x, 0);
    Tensor t = block();
    x_first = where(t);
  }
  {
    StepAllocations step(&y, 0);  // another owner in between takes a block of the same size
    Tensor t = block();
    y_first = where(t);
  }
  {
    StepAllocations step(&x, 0);
    Tensor t = block();
    CHECK(where(t) == x_first);
  }
  {
    StepAllocations step(&y, 0);
    Tensor t = block();
    CHECK(where(t) == y_first);
  }
  // Nested: the inner scope counts its own allocations; the outer one's count goes on after it.
  const void *outer_first, *outer_second;
  {
    StepAllocations outer(&x, 0);
    Tensor a = block();
    {
      StepAllocations inner(&y, 0);
      Tensor i = block();
      CHECK(where(i) == y_first);
    }
    Tensor b = block();
    outer_first = where(a), outer_second = where(b);
    CHECK(outer_first == x_first);
  }
  {
    StepAllocations outer(&x, 0);
    Tensor a = block(), b = block();
    CHECK(where(a) == outer_first);
    CHECK(where(b) == outer_second);
  }
}

TEST_CASE("another thread's scope of the same owner has a sequence of its own") {
  static const int x = 0;
  const std::vector<const void*> p = fill(64);  // free, oldest first: p[63], ..., p[0]
  const void* mine;
  {
    StepAllocations step(&x, 0);
    Tensor t = block();  // p[63]; freed to the back: p[62] is now the oldest
    mine = where(t);
  }
  {
    StepAllocations step(&x, 0);
    Tensor t = block();
    CHECK(where(t) == mine);  // replayed (oldest first would give p[62])
  }
  const void* other = nullptr;
  std::thread([&] {
    StepAllocations step(&x, 0);
    Tensor t = block();
    other = where(t);
  }).join();
  CHECK(other == p[62]);  // no sequence on that thread: the oldest
}

TEST_CASE("the same owner with another tag, and a 9th pair, keep sequences apart") {
  static const int x = 0;
  static std::array<int, StepAllocations::kOwners + 1> owners{};
  const std::vector<const void*> p = fill(64);
  const void *tag1, *tag2;
  {
    StepAllocations step(&x, 1);
    Tensor t = block();
    tag1 = where(t);
  }
  {
    StepAllocations step(&x, 2);
    Tensor t = block();
    tag2 = where(t);
  }
  CHECK(tag1 != tag2);
  {
    StepAllocations step(&x, 1);
    Tensor t = block();
    CHECK(where(t) == tag1);
  }
  // kOwners + 1 pairs in turn (after (x, 1), (x, 2)): each takes the oldest block and frees it.
  const std::vector<const void*> q = fill(64);  // free: q[63], ..., q[0]
  for (const int& o : owners) {
    StepAllocations step(&o, 0);
    Tensor t = block();
  }
  // owners[0]'s pair was forgotten when the last came (the one used longest ago); owners[1]'s
  // and the others' were not.
  {
    StepAllocations step(&owners[1], 0);
    Tensor t = block();
    CHECK(where(t) == q[62]);
  }
  {
    StepAllocations step(&owners[0], 0);
    Tensor t = block();
    CHECK(where(t) == q[54]);  // the oldest free one, not q[63]
  }
}

TEST_CASE("a sequence past kReplayed allocations keeps its start; scopes nested past kOwners") {
  static const int owner = 0;
  fill(64);
  // One block held aside: 63 free blocks rotate, so allocation kReplayed (1024, not a multiple
  // of 63) gets another block than allocation 0; were it recorded over entry 0 (a wrap-around),
  // the next scope's first allocation would want that block.
  const Tensor aside = block();
  const void *first = nullptr, *past = nullptr;
  {
    StepAllocations step(&owner, 0);  // past kReplayed allocations, nothing more is recorded
    for (std::size_t i = 0; i < StepAllocations::kReplayed + 10; ++i) {
      Tensor t = block();
      if (i == 0) first = where(t);
      if (i == StepAllocations::kReplayed) past = where(t);
    }
  }
  REQUIRE(past != first);
  {
    StepAllocations step(&owner, 0);
    Tensor t = block();
    CHECK(where(t) == first);
  }
  // kOwners + 2 scopes nested, each a new pair: the last two replay nothing (every slot runs a
  // scope); the outermost's sequence survives them.
  static std::array<int, StepAllocations::kOwners + 2> nested{};
  const void* outermost = nullptr;
  std::function<void(std::size_t)> nest = [&](std::size_t depth) {
    if (depth == nested.size()) return;
    StepAllocations step(&nested[depth], 0);
    Tensor t = block();
    if (depth == 0) outermost = where(t);
    nest(depth + 1);
  };
  nest(0);
  {
    StepAllocations step(&nested[0], 0);
    Tensor t = block();
    CHECK(where(t) == outermost);
  }
}

// A thread_local whose destructor runs steps after the thread's replay storage was drained (it
// was made before the first scope, so it is destroyed after the drain): nothing is replayed (two
// scopes of one pair get different blocks there, the same ones before the drain) and nothing
// freed is touched (the sanitizer build checks that).
TEST_CASE("scopes and allocations in a destructor at the thread's exit replay nothing") {
  static const int owner = 0;
  static const void *before[2], *after[2];
  // Two scopes of (owner, 0), each allocating and freeing one block, with a free block older
  // than it; records where each got its block.
  static auto two_scopes = [](const void* (&got)[2]) {
    fill(8);
    for (const void*& g : got) {
      StepAllocations step(&owner, 0);
      Tensor t = block();
      g = where(t);
    }
  };
  struct AtExit {
    ~AtExit() { two_scopes(after); }
  };
  std::thread([] {
    thread_local AtExit at_exit;
    (void)at_exit;
    two_scopes(before);
  }).join();
  CHECK(before[0] == before[1]);  // replayed while the thread ran
  CHECK(after[0] != after[1]);    // not after the drain: oldest first
}

}  // TEST_SUITE
