// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// CompactRange, the naive root, and proof verification: everything in tree.h that needs no
// tiles. Proof generation from tiles is in proof.cc.
#include "tlog/tree.h"

#include <bit>
#include <limits>

#include "tlog/hasher.h"

namespace trail::tlog {
namespace {

constexpr char kRangeFormat = 0x01;

Status BadProof(const std::string& why) { return Status::Invalid("invalid_proof", why); }

bool AllHashes(const std::vector<std::string>& hashes) {
  for (const auto& h : hashes) {
    if (h.size() != kHashSize) return false;
  }
  return true;
}

std::string Mth(const std::vector<std::string>& leaves, size_t lo, size_t hi) {
  if (hi - lo == 1) return leaves[lo];
  size_t k = std::bit_floor(hi - lo - 1);  // largest power of two < n
  return NodeHashOf(Mth(leaves, lo, lo + k), Mth(leaves, lo + k, hi));
}

}  // namespace

Status CompactRange::Append(std::string_view leaf_hash, std::vector<StoredNode>* completed) {
  if (leaf_hash.size() != kHashSize) {
    return Status::Invalid("invalid_request",
                           "a leaf hash must be 32 bytes, got " + std::to_string(leaf_hash.size()));
  }
  if (size_ == std::numeric_limits<uint64_t>::max()) {
    return Status::Invalid("invalid_request", "the tree is full");
  }
  std::string hash(leaf_hash);
  const uint64_t new_size = size_ + 1;
  int level = 0;
  // Each trailing one bit of the old size is a left sibling that the new leaf completes.
  for (uint64_t bits = size_; bits & 1; bits >>= 1) {
    hash = NodeHashOf(border_.back(), hash);
    border_.pop_back();
    ++level;
    if (level % kTileHeight == 0 && completed != nullptr) {
      completed->push_back(StoredNode{level, (new_size >> level) - 1, hash});
    }
  }
  border_.push_back(std::move(hash));
  size_ = new_size;
  return Status::Ok();
}

std::string CompactRange::Root() const {
  if (border_.empty()) return EmptyRoot();
  std::string root = border_.back();
  for (size_t i = border_.size() - 1; i-- > 0;) root = NodeHashOf(border_[i], root);
  return root;
}

std::string CompactRange::Serialize() const {
  std::string out(1, kRangeFormat);
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(size_ >> shift));
  for (const auto& h : border_) out += h;
  return out;
}

Result<CompactRange> CompactRange::Parse(std::string_view bytes) {
  if (bytes.size() < 9 || bytes[0] != kRangeFormat) {
    return Status::Corruption("compact range: unknown format or truncated header");
  }
  CompactRange range;
  for (size_t i = 1; i < 9; ++i) range.size_ = range.size_ << 8 | static_cast<uint8_t>(bytes[i]);
  size_t count = static_cast<size_t>(std::popcount(range.size_));
  if (bytes.size() != 9 + count * kHashSize) {
    return Status::Corruption("compact range: size " + std::to_string(range.size_) + " needs " +
                              std::to_string(count) + " hashes, got " +
                              std::to_string(bytes.size() - 9) + " bytes");
  }
  for (size_t i = 0; i < count; ++i) {
    range.border_.emplace_back(bytes.substr(9 + i * kHashSize, kHashSize));
  }
  return range;
}

std::string RootFromLeaves(const std::vector<std::string>& leaf_hashes) {
  if (leaf_hashes.empty()) return EmptyRoot();
  return Mth(leaf_hashes, 0, leaf_hashes.size());
}

Status VerifyInclusion(uint64_t index, uint64_t size, std::string_view leaf_hash,
                       const std::vector<std::string>& proof, std::string_view root) {
  if (index >= size) {
    return BadProof("leaf index " + std::to_string(index) + " is not below tree size " +
                    std::to_string(size));
  }
  if (leaf_hash.size() != kHashSize || root.size() != kHashSize || !AllHashes(proof)) {
    return BadProof("leaf hash, root and proof entries must be 32 bytes");
  }
  uint64_t fn = index, sn = size - 1;
  std::string r(leaf_hash);
  for (const auto& p : proof) {
    if (sn == 0) return BadProof("inclusion proof is longer than the path");
    if ((fn & 1) || fn == sn) {
      r = NodeHashOf(p, r);
      while (!(fn & 1) && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = NodeHashOf(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return BadProof("inclusion proof is shorter than the path");
  if (r != root) return BadProof("inclusion proof does not lead to the root");
  return Status::Ok();
}

Status VerifyConsistency(uint64_t m, uint64_t n, std::string_view root_m, std::string_view root_n,
                         const std::vector<std::string>& proof) {
  if (m == 0) return BadProof("a consistency proof from the empty tree is meaningless");
  if (m > n) {
    return BadProof("old size " + std::to_string(m) + " is larger than new size " +
                    std::to_string(n));
  }
  if (root_m.size() != kHashSize || root_n.size() != kHashSize || !AllHashes(proof)) {
    return BadProof("roots and proof entries must be 32 bytes");
  }
  if (m == n) {
    if (!proof.empty()) return BadProof("a proof between equal sizes must be empty");
    if (root_m != root_n) return BadProof("different roots for the same size");
    return Status::Ok();
  }
  if (proof.empty()) return BadProof("empty consistency proof");
  // A power-of-two old tree is itself a node of the new one: the proof omits it.
  size_t next = 0;
  std::string fr, sr;
  if (std::has_single_bit(m)) {
    fr = sr = std::string(root_m);
  } else {
    fr = sr = proof[next++];
  }
  uint64_t fn = m - 1, sn = n - 1;
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  for (; next < proof.size(); ++next) {
    const std::string& c = proof[next];
    if (sn == 0) return BadProof("consistency proof is too long");
    if ((fn & 1) || fn == sn) {
      fr = NodeHashOf(c, fr);
      sr = NodeHashOf(c, sr);
      while (!(fn & 1) && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = NodeHashOf(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return BadProof("consistency proof is too short");
  if (fr != root_m) return BadProof("consistency proof does not lead to the old root");
  if (sr != root_n) return BadProof("consistency proof does not lead to the new root");
  return Status::Ok();
}

}  // namespace trail::tlog
