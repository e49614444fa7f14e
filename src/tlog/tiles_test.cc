// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "tlog/tiles.h"

#include <gtest/gtest.h>

#include <random>

namespace trail::tlog {
namespace {

TEST(TilePathTest, Formats) {
  EXPECT_EQ(TilePath(0, 0), "tile/0/000");
  EXPECT_EQ(TilePath(0, 7, 256), "tile/0/007");
  EXPECT_EQ(TilePath(1, 999), "tile/1/999");
  EXPECT_EQ(TilePath(1, 1000), "tile/1/x001/000");
  EXPECT_EQ(TilePath(2, 1234067, 17), "tile/2/x001/x234/067.p/17");
  EXPECT_EQ(TilePath(0, 5, 1), "tile/0/005.p/1");
  EXPECT_EQ(TilePath(63, 18446744073709551615ull), "tile/63/x018/x446/x744/x073/x709/x551/615");
}

TEST(TilePathTest, RoundTrips) {
  std::mt19937_64 rng(6962);
  std::vector<uint64_t> indices = {0, 1, 999, 1000, 1001, 999999, 1000000, UINT64_MAX};
  for (int i = 0; i < 200; ++i) indices.push_back(rng() >> (rng() % 64));
  for (uint64_t index : indices) {
    for (int level : {0, 1, 7, 63}) {
      for (int width : {1, 2, 255, 256}) {
        std::string path = TilePath(level, index, width);
        auto id = ParseTilePath(path);
        ASSERT_TRUE(id.has_value()) << path;
        EXPECT_EQ(*id, (TileId{level, index, width})) << path;
        EXPECT_EQ(ParseTilePath("/" + path), id) << "leading slash: " << path;
      }
    }
  }
}

TEST(TilePathTest, RejectsNonCanonicalAndForeignPaths) {
  for (const char* bad : {
           "",
           "tile",
           "tile/",
           "tile/0",
           "tile/0/",
           "tile/0/00",
           "tile/0/0000",
           "tile/0/1",
           "tile/00/000",  // leading zero in L
           "tile/01/000",
           "tile/64/000",  // L beyond 63
           "tile/-1/000",
           "tile/+1/000",
           "tile/ 1/000",
           "tile/a/000",
           "tile/0/x000/001",  // non-canonical: leading zero group
           "tile/0/x000",      // x on the last element
           "tile/0/001/002",   // missing x
           "tile/0/x1/002",
           "tile/0/xx01/002",
           "tile/0/X001/002",
           "tile/0/x001/x002",
           "tile/0/x001//002",
           "tile/0//000",
           "tile/0/000.p/0",    // empty tiles are never served
           "tile/0/000.p/256",  // a full tile has no .p
           "tile/0/000.p/300",
           "tile/0/000.p/01",
           "tile/0/000.p/",
           "tile/0/000.p",
           "tile/0/000.p/5/",
           "tile/0/000.p/5x",
           "tile/0/000.p/-5",
           "tile/0/000.p/+5",
           "tile/0/x001.p/5/002",
           "tile/0/000.p/5.p/5",
           "tile/0/000/",
           "tile/0/000?x=1",
           "tile/0/000 ",
           " tile/0/000",
           "//tile/0/000",
           "xtile/0/000",
           "tiles/0/000",
           "TILE/0/000",
           "/tile/0/000/../001",
           "tile/entries/000",
           "tile/entries/000.p/5",
           "tile/entries/x001/234",
           "tile/data/000",
           // N beyond 2^64 - 1
           "tile/0/x018/x446/x744/x073/x709/x551/616",
           "tile/0/x001/x000/x000/x000/x000/x000/x000/000",
       }) {
    EXPECT_FALSE(ParseTilePath(bad).has_value()) << '"' << bad << '"';
  }
  EXPECT_FALSE(ParseTilePath(std::string_view("tile/0/000\0", 11)).has_value());
}

TEST(TileWidthAtTest, FollowsTreeSize) {
  EXPECT_EQ(TileWidthAt(0, 0, 0), 0);
  EXPECT_EQ(TileWidthAt(0, 0, 1), 1);
  EXPECT_EQ(TileWidthAt(0, 0, 255), 255);
  EXPECT_EQ(TileWidthAt(0, 0, 256), 256);
  EXPECT_EQ(TileWidthAt(0, 1, 256), 0);
  // C2SP: "a tree of size 256 will be represented by a full level 0 tile and a partial level 1
  // tile of width 1".
  EXPECT_EQ(TileWidthAt(1, 0, 256), 1);
  EXPECT_EQ(TileWidthAt(1, 0, 255), 0);
  EXPECT_EQ(TileWidthAt(1, 0, 65536), 256);
  EXPECT_EQ(TileWidthAt(2, 0, 65536), 1);
  EXPECT_EQ(TileWidthAt(0, UINT64_MAX, UINT64_MAX), 0);
  EXPECT_EQ(TileWidthAt(0, (UINT64_MAX >> 8), UINT64_MAX), 255);
  EXPECT_EQ(TileWidthAt(7, 0, UINT64_MAX), 255);
  EXPECT_EQ(TileWidthAt(8, 0, UINT64_MAX), 0);
  EXPECT_EQ(TileWidthAt(63, 0, UINT64_MAX), 0);
  EXPECT_EQ(TileWidthAt(-1, 0, 1000), 0);
}

}  // namespace
}  // namespace trail::tlog
