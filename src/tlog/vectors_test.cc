// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// Every Merkle-tree and tile-path vector of testdata/tlog-vectors.txt (a verbatim copy of
// ../shared/testdata/tlog-vectors.txt), read from the file section by section so that a
// vector added there is tested here. The signed-note vectors (§9, §10) are in note_test.cc.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "tlog/hasher.h"
#include "tlog/test_helpers.h"

namespace trail::tlog {
namespace {

using testing::TreeBuilder;
using testing::Unhex;

// (No std::regex here: GCC 12 reports false -Wmaybe-uninitialized inside it under ASan.)

std::vector<std::string> Words(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// Section number -> its lines, comments dropped.
std::map<int, std::vector<std::string>> ReadSections() {
  std::ifstream in(TRAIL_TLOG_VECTORS);
  EXPECT_TRUE(in.good()) << TRAIL_TLOG_VECTORS;
  std::map<int, std::vector<std::string>> sections;
  int current = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("## ", 0) == 0) {
      current = std::stoi(line.substr(3));
    } else if (!line.empty() && line[0] != '#') {
      sections[current].push_back(line);
    }
  }
  return sections;
}

const std::map<int, std::vector<std::string>>& Sections() {
  static const auto* sections = new std::map<int, std::vector<std::string>>(ReadSections());
  return *sections;
}

std::vector<std::string> HexList(const std::string& text) {
  std::vector<std::string> out;
  for (const auto& w : Words(text)) {
    if (w != "(empty)") out.push_back(Unhex(w));
  }
  return out;
}

// "a b : h1 h2 ..." lines of §5–§8.
struct ProofVector {
  uint64_t a, b;
  std::vector<std::string> proof;
};
std::vector<ProofVector> ProofVectors(int section) {
  std::vector<ProofVector> out;
  for (const auto& line : Sections().at(section)) {
    size_t colon = line.find(" : ");
    if (colon == std::string::npos) continue;
    auto sizes = Words(line.substr(0, colon));
    EXPECT_EQ(sizes.size(), 2u) << line;
    if (sizes.size() != 2) continue;
    out.push_back({std::stoull(sizes[0]), std::stoull(sizes[1]), HexList(line.substr(colon + 3))});
  }
  return out;
}

// §2: the 8 standard leaves as a tree built the way the store builds it.
struct StandardTree {
  std::vector<std::string> data;
  TreeBuilder tree;
  StandardTree() {
    // d[i] = "<hex data>"   leaf_hash = <hex>
    for (const auto& line : Sections().at(2)) {
      size_t q1 = line.find('"'), q2 = line.find('"', q1 + 1), h = line.find("leaf_hash = ");
      if (line.rfind("d[", 0) != 0 || q2 == std::string::npos || h == std::string::npos) continue;
      EXPECT_EQ(line.substr(2, line.find(']') - 2), std::to_string(data.size())) << line;
      data.push_back(Unhex(line.substr(q1 + 1, q2 - q1 - 1)));
      EXPECT_EQ(LeafHashOf(data.back()), Unhex(line.substr(h + 12))) << line;
      tree.Add(LeafHashOf(data.back()));
    }
  }
};

TEST(VectorsTest, Section1HasherUnitVectors) {
  ASSERT_EQ(Sections().at(1).size(), 4u);
  EXPECT_EQ(EmptyRoot(), Unhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
  EXPECT_EQ(LeafHashOf(""),
            Unhex("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"));
  EXPECT_EQ(LeafHashOf("L123456"),
            Unhex("395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"));
  EXPECT_EQ(NodeHashOf("N123", "N456"),
            Unhex("aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"));
  // The file's own lines say the same.
  for (const auto& line : Sections().at(1)) {
    std::string want = Unhex(line.substr(line.find("= ") + 2, 64));
    if (line.find("MTH({})") != std::string::npos) {
      EXPECT_EQ(EmptyRoot(), want);
    } else if (line.find("leaf_hash('')") != std::string::npos) {
      EXPECT_EQ(LeafHashOf(""), want);
    } else if (line.find("leaf_hash('L123456')") != std::string::npos) {
      EXPECT_EQ(LeafHashOf("L123456"), want);
    } else {
      EXPECT_EQ(NodeHashOf("N123", "N456"), want) << line;
    }
  }
}

TEST(VectorsTest, Section2And3RootsForEveryPrefix) {
  StandardTree t;
  ASSERT_EQ(t.data.size(), 8u);
  int seen = 0;
  for (const auto& line : Sections().at(3)) {  // n=<n>  <hex root>  b64=<base64 root>
    auto w = Words(line);
    ASSERT_EQ(w.size(), 3u) << line;
    ASSERT_EQ(w[0].substr(0, 2), "n=");
    ASSERT_EQ(w[2].substr(0, 4), "b64=");
    uint64_t n = std::stoull(w[0].substr(2));
    std::string want = Unhex(w[1]);
    EXPECT_EQ(Base64Encode(want), w[2].substr(4));
    auto root = RootAt(n, t.tree.tiles);
    ASSERT_TRUE(root.ok()) << root.status().ToString();
    EXPECT_EQ(*root, want) << "n=" << n;
    EXPECT_EQ(RootFromLeaves({t.tree.leaves.begin(), t.tree.leaves.begin() + n}), want);
    TreeBuilder prefix;
    for (uint64_t i = 0; i < n; ++i) prefix.Add(t.tree.leaves[i]);
    EXPECT_EQ(prefix.range.Root(), want) << "n=" << n;
    ++seen;
  }
  EXPECT_EQ(seen, 9);
}

TEST(VectorsTest, Section4EveryNodeHash) {
  StandardTree t;
  int seen = 0;
  for (const auto& line : Sections().at(4)) {  // (level,index) <hex>
    auto w = Words(line);
    size_t comma = line.find(',');
    ASSERT_TRUE(w.size() == 2 && line[0] == '(' && comma != std::string::npos) << line;
    auto h = NodeHash(std::stoi(line.substr(1)), std::stoull(line.substr(comma + 1)), t.tree.tiles);
    ASSERT_TRUE(h.ok()) << h.status().ToString();
    EXPECT_EQ(*h, Unhex(w[1])) << line;
    ++seen;
  }
  EXPECT_EQ(seen, 15);
}

void CheckInclusion(int section, size_t count) {
  StandardTree t;
  auto vectors = ProofVectors(section);
  ASSERT_EQ(vectors.size(), count);
  for (const auto& v : vectors) {
    SCOPED_TRACE(std::to_string(v.a) + " " + std::to_string(v.b));
    auto proof = InclusionProof(v.a, v.b, t.tree.tiles);
    ASSERT_TRUE(proof.ok()) << proof.status().ToString();
    EXPECT_EQ(*proof, v.proof);
    std::string root = RootFromLeaves({t.tree.leaves.begin(), t.tree.leaves.begin() + v.b});
    EXPECT_TRUE(VerifyInclusion(v.a, v.b, t.tree.leaves[v.a], v.proof, root).ok());
  }
}

TEST(VectorsTest, Section5KnownInclusionProofs) { CheckInclusion(5, 5); }
TEST(VectorsTest, Section7EveryInclusionProofUpTo8Leaves) { CheckInclusion(7, 36); }

void CheckConsistency(int section, size_t count) {
  StandardTree t;
  auto vectors = ProofVectors(section);
  ASSERT_EQ(vectors.size(), count);
  for (const auto& v : vectors) {
    SCOPED_TRACE(std::to_string(v.a) + " " + std::to_string(v.b));
    auto proof = ConsistencyProof(v.a, v.b, t.tree.tiles);
    ASSERT_TRUE(proof.ok()) << proof.status().ToString();
    EXPECT_EQ(*proof, v.proof);
    std::string r1 = RootFromLeaves({t.tree.leaves.begin(), t.tree.leaves.begin() + v.a});
    std::string r2 = RootFromLeaves({t.tree.leaves.begin(), t.tree.leaves.begin() + v.b});
    EXPECT_TRUE(VerifyConsistency(v.a, v.b, r1, r2, v.proof).ok());
  }
}

TEST(VectorsTest, Section6KnownConsistencyProofs) { CheckConsistency(6, 5); }
TEST(VectorsTest, Section8EveryConsistencyProofUpTo8Leaves) { CheckConsistency(8, 28); }

TEST(VectorsTest, Section11TilePaths) {
  // [C2] index 1234067 -> x001/x234/067.
  EXPECT_EQ(TilePath(0, 1234067), "tile/0/x001/x234/067");
  auto id = ParseTilePath("tile/0/x001/x234/067");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(*id, (TileId{0, 1234067, 256}));
  // [C2] size 70000: 273 full L0 tiles + L0 partial width 112, 1 full L1 + L1 partial
  // width 17, L2 partial width 1.
  for (uint64_t n = 0; n < 273; ++n) EXPECT_EQ(TileWidthAt(0, n, 70000), 256);
  EXPECT_EQ(TileWidthAt(0, 273, 70000), 112);
  EXPECT_EQ(TileWidthAt(0, 274, 70000), 0);
  EXPECT_EQ(TileWidthAt(1, 0, 70000), 256);
  EXPECT_EQ(TileWidthAt(1, 1, 70000), 17);
  EXPECT_EQ(TileWidthAt(1, 2, 70000), 0);
  EXPECT_EQ(TileWidthAt(2, 0, 70000), 1);
  EXPECT_EQ(TileWidthAt(3, 0, 70000), 0);
  // [GOT] Go sumdb paths carry the tile height as an extra element: C2SP parsing must refuse
  // them, and the same tiles in the C2SP layout (height dropped) must parse.
  int seen = 0;
  for (const auto& line : Sections().at(11)) {
    if (line.rfind("  tile/", 0) != 0) continue;
    for (const auto& w : Words(line)) {
      if (w.rfind("tile/", 0) != 0) continue;
      EXPECT_FALSE(ParseTilePath(w).has_value()) << w;
      ++seen;
    }
  }
  EXPECT_EQ(seen, 8);
  EXPECT_EQ(ParseTilePath("tile/5/x123/x456/078"), (TileId{5, 123456078, 256}));
  EXPECT_EQ(ParseTilePath("tile/5/x123/x456/078.p/2"), (TileId{5, 123456078, 2}));
  EXPECT_EQ(ParseTilePath("tile/0/x003/x057/500"), (TileId{0, 3057500, 256}));
  EXPECT_EQ(ParseTilePath("tile/0/001.p/5"), (TileId{0, 1, 5}));
  EXPECT_FALSE(ParseTilePath("tile/5/123/456/078").has_value());
  EXPECT_FALSE(ParseTilePath("tile/-1/x123/x456/078").has_value());
  EXPECT_FALSE(ParseTilePath("tile/data/x003/x057/500").has_value());
}

}  // namespace
}  // namespace trail::tlog
