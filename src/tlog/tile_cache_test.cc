// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "tlog/tile_cache.h"

#include <gtest/gtest.h>

namespace trail::tlog {
namespace {

std::string Tile(char c) { return std::string(256 * 32, c); }

TEST(TileCacheTest, MissThenHit) {
  TileCache cache(4);
  std::string out = "untouched";
  EXPECT_FALSE(cache.Get(0, 7, &out));
  EXPECT_EQ(out, "untouched");
  cache.Put(0, 7, Tile('a'));
  ASSERT_TRUE(cache.Get(0, 7, &out));
  EXPECT_EQ(out, Tile('a'));
  EXPECT_FALSE(cache.Get(1, 7, &out)) << "level is part of the key";
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_EQ(cache.misses(), 2u);
}

TEST(TileCacheTest, EvictsTheLeastRecentlyUsed) {
  TileCache cache(2);
  std::string out;
  cache.Put(0, 1, Tile('1'));
  cache.Put(0, 2, Tile('2'));
  ASSERT_TRUE(cache.Get(0, 1, &out));  // 1 is now the most recent
  cache.Put(0, 3, Tile('3'));          // evicts 2
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_TRUE(cache.Get(0, 1, &out));
  EXPECT_FALSE(cache.Get(0, 2, &out));
  EXPECT_TRUE(cache.Get(0, 3, &out));
  EXPECT_EQ(out, Tile('3'));
}

TEST(TileCacheTest, PutOfACachedTileKeepsTheFirstCopy) {
  TileCache cache(2);
  std::string out;
  cache.Put(2, 0, Tile('x'));
  cache.Put(2, 0, Tile('y'));  // tiles are immutable: the same key holds the same hashes
  ASSERT_TRUE(cache.Get(2, 0, &out));
  EXPECT_EQ(out, Tile('x'));
  EXPECT_EQ(cache.size(), 1u);
}

TEST(TileCacheTest, ZeroCapacityCachesNothing) {
  TileCache cache(0);
  std::string out;
  cache.Put(0, 0, Tile('z'));
  EXPECT_FALSE(cache.Get(0, 0, &out));
}

}  // namespace
}  // namespace trail::tlog
