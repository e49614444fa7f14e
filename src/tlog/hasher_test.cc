// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "tlog/hasher.h"

#include <gtest/gtest.h>

#include <thread>

#include "core/codec.h"

namespace trail::tlog {
namespace {

TEST(HasherTest, MatchesDefinitions) {
  EXPECT_EQ(EmptyRoot(), Sha256(""));
  for (std::string data :
       {std::string(), std::string("a"), std::string(1000, 'x'), std::string("\0\1\2", 3)}) {
    EXPECT_EQ(LeafHashOf(data), Sha256(std::string(1, '\0') + data));
  }
  std::string l(32, 'L'), r(32, 'R');
  EXPECT_EQ(NodeHashOf(l, r), Sha256("\x01" + l + r));
  EXPECT_NE(NodeHashOf(l, r), NodeHashOf(r, l));
  // Domain separation: a leaf never hashes like a node over the same bytes.
  EXPECT_NE(LeafHashOf(l + r), NodeHashOf(l, r));
}

TEST(HasherTest, ThreadsGetTheirOwnContext) {
  std::string want = NodeHashOf(std::string(32, 'a'), std::string(32, 'b'));
  std::vector<std::thread> threads;
  std::atomic<int> bad{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5000; ++i) {
        if (NodeHashOf(std::string(32, 'a'), std::string(32, 'b')) != want) ++bad;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(bad.load(), 0);
}

}  // namespace
}  // namespace trail::tlog
