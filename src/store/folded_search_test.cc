// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "store/folded_search.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace trail {
namespace {

bool NaiveFolded(std::string_view hay, std::string_view needle) {
  auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; };
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    size_t j = 0;
    while (j < needle.size() && lower(hay[i + j]) == lower(needle[j])) ++j;
    if (j == needle.size()) return true;
  }
  return needle.empty();
}

TEST(FoldedNeedleTest, FindsAsciiCaseInsensitiveSubstrings) {
  EXPECT_TRUE(FoldedNeedle("bob").FoundIn("Alice added Bob as Maintainer"));
  EXPECT_TRUE(FoldedNeedle("ADDED BOB").FoundIn("Alice added Bob as Maintainer"));
  EXPECT_TRUE(FoldedNeedle("").FoundIn(""));
  EXPECT_FALSE(FoldedNeedle("bobby").FoundIn("bob"));
  EXPECT_FALSE(FoldedNeedle("carol").FoundIn("Alice added Bob"));
  EXPECT_TRUE(FoldedNeedle("aab").FoundIn("aaab"));            // a border to fall back on
  EXPECT_TRUE(FoldedNeedle("abab").FoundIn("abaabab"));        // partial match, then restart
  EXPECT_FALSE(FoldedNeedle("\xc3\xa9").FoundIn("\xc3\x89"));  // é / É: ASCII folding only
}

TEST(FoldedNeedleTest, AgreesWithTheNaiveSearchOnRandomInput) {
  std::mt19937 rng(7);
  const char alphabet[] = "aAbB";
  for (int round = 0; round < 20000; ++round) {
    std::string hay(rng() % 24, ' '), needle(rng() % 6, ' ');
    for (char& c : hay) c = alphabet[rng() % 4];
    for (char& c : needle) c = alphabet[rng() % 4];
    EXPECT_EQ(FoldedNeedle(needle).FoundIn(hay), NaiveFolded(hay, needle))
        << hay << " / " << needle;
  }
}

// Regression test: the old matcher folded and compared at every offset, O(n·m): a 256-byte
// near-miss needle against a 64 KiB description made ~16 million comparisons per row.
TEST(FoldedNeedleTest, LinearOnALongNearMissNeedle) {
  const std::string hay(64 * 1024, 'A');
  for (const std::string& needle : {std::string(255, 'a') + "b", "b" + std::string(255, 'a'),
                                    std::string(128, 'a') + "b" + std::string(127, 'a')}) {
    uint64_t comparisons = 0;
    EXPECT_FALSE(FoldedNeedle(needle).FoundIn(hay, &comparisons));
    EXPECT_LE(comparisons, 2 * hay.size()) << needle.substr(0, 8);
  }
  uint64_t comparisons = 0;
  EXPECT_TRUE(FoldedNeedle(std::string(255, 'a') + "b").FoundIn(hay + "b", &comparisons));
  EXPECT_LE(comparisons, 2 * (hay.size() + 1));
}

}  // namespace
}  // namespace trail
