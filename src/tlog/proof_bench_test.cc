// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// Proof latency on a large log. Disabled by default (it builds a 10-million-leaf tree, ~2 GB of
// RAM and ~10 s); run with
//   tlog_test --gtest_also_run_disabled_tests --gtest_filter='ProofBench*'
// TRAIL_TLOG_BENCH_LEAVES overrides the size. Each ReadTile waits 50 µs (busy) to stand in for
// a store read; the same proofs are then timed without that wait to show the CPU part. Wall
// times suffer on a loaded machine, so the pass/fail check is on a model that is not: the
// thread's CPU time per proof plus 50 µs per tile read.
#include <gtest/gtest.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <random>

#include "tlog/hasher.h"
#include "tlog/memory_tiles.h"
#include "tlog/tree.h"

namespace trail::tlog {
namespace {

using Clock = std::chrono::steady_clock;

class SlowTiles : public TileSource {
 public:
  SlowTiles(TileSource& inner, std::chrono::microseconds delay) : inner_(inner), delay_(delay) {}
  Status ReadTile(int level, uint64_t index, int width, std::string* hashes) override {
    ++reads_;
    auto until = Clock::now() + delay_;
    while (Clock::now() < until) {
    }
    return inner_.ReadTile(level, index, width, hashes);
  }
  uint64_t reads_ = 0;

 private:
  TileSource& inner_;
  std::chrono::microseconds delay_;
};

double ThreadCpuMicros() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

struct Stats {
  double p50, p99, max;
};
Stats Summarize(std::vector<double> us) {
  std::sort(us.begin(), us.end());
  return {us[us.size() / 2], us[us.size() * 99 / 100], us.back()};
}

TEST(ProofBench, DISABLED_TenMillionLeaves) {
  uint64_t n = 10'000'000;
  if (const char* env = std::getenv("TRAIL_TLOG_BENCH_LEAVES")) n = std::strtoull(env, nullptr, 10);
  MemoryTileSource tiles;
  CompactRange range;
  std::vector<StoredNode> completed;
  auto t0 = Clock::now();
  for (uint64_t i = 0; i < n; ++i) {
    std::string leaf = LeafHashOf("event " + std::to_string(i));
    ASSERT_TRUE(range.Append(leaf, &completed).ok());
    ASSERT_TRUE(tiles.AddLeaf(leaf).ok());
    for (const auto& node : completed) ASSERT_TRUE(tiles.AddNode(node).ok());
    completed.clear();
  }
  double build_s = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("built %llu leaves in %.1f s (%.0f appends/s)\n", static_cast<unsigned long long>(n),
              build_s, n / build_s);
  const std::string root = range.Root();
  ASSERT_EQ(RootAt(n, tiles).value(), root);

  std::mt19937_64 rng(42);
  std::uniform_int_distribution<uint64_t> any(0, n - 1);
  const int kProofs = 2000;
  std::vector<uint64_t> indices(kProofs), olds(kProofs);
  for (auto& i : indices) i = any(rng);
  for (auto& m : olds) m = any(rng) + 1;

  for (int delay_us : {50, 0}) {
    SlowTiles slow(tiles, std::chrono::microseconds(delay_us));
    std::vector<double> incl, cons, modeled;
    for (int k = 0; k < kProofs; ++k) {
      uint64_t reads_before = slow.reads_;
      double cpu = ThreadCpuMicros();
      auto a = Clock::now();
      auto proof = InclusionProof(indices[k], n, slow);
      incl.push_back(std::chrono::duration<double, std::micro>(Clock::now() - a).count());
      modeled.push_back(ThreadCpuMicros() - cpu + 50.0 * double(slow.reads_ - reads_before));
      ASSERT_TRUE(proof.ok());
      std::string leaf = LeafHashOf("event " + std::to_string(indices[k]));
      ASSERT_TRUE(VerifyInclusion(indices[k], n, leaf, *proof, root).ok());
    }
    uint64_t incl_reads = slow.reads_;
    for (int k = 0; k < kProofs; ++k) {
      auto a = Clock::now();
      auto proof = ConsistencyProof(olds[k], n, slow);
      cons.push_back(std::chrono::duration<double, std::micro>(Clock::now() - a).count());
      ASSERT_TRUE(proof.ok());
    }
    Stats si = Summarize(incl), sc = Summarize(cons);
    std::printf(
        "ReadTile +%d us: InclusionProof p50 %.0f us, p99 %.0f us, max %.0f us, %.1f reads; "
        "ConsistencyProof p50 %.0f us, p99 %.0f us, max %.0f us, %.1f reads\n",
        delay_us, si.p50, si.p99, si.max, double(incl_reads) / kProofs, sc.p50, sc.p99, sc.max,
        double(slow.reads_ - incl_reads) / kProofs);
    if (delay_us == 0) {
      Stats sm = Summarize(modeled);
      std::printf("InclusionProof CPU time + 50 us per read: p50 %.0f us, p99 %.0f us\n", sm.p50,
                  sm.p99);
      EXPECT_LT(sm.p99, 1000.0);
    }
  }
  // Spot-check consistency proofs against roots recomputed from tiles.
  for (int k = 0; k < 20; ++k) {
    auto proof = ConsistencyProof(olds[k], n, tiles);
    ASSERT_TRUE(VerifyConsistency(olds[k], n, RootAt(olds[k], tiles).value(), root, *proof).ok());
  }
}

}  // namespace
}  // namespace trail::tlog
