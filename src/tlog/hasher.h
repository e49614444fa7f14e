// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// RFC 9162 §2.1.1 Merkle tree hashing with SHA-256: the only hash functions the log uses.
//
// A leaf hash is SHA-256(0x00 || leaf data), an interior node SHA-256(0x01 || left || right),
// and the root of the empty tree SHA-256(""). Hashes are 32-byte std::string values holding raw
// bytes. NodeHashOf does not check its inputs' sizes, so the RFC 6962 test vectors that hash
// arbitrary byte strings as children work unchanged.
//
// All functions are stateless and safe to call concurrently from any thread (each thread keeps
// its own OpenSSL digest context, which makes a node hash about 3x cheaper than a one-shot
// SHA256() call; proof generation hashes up to a few thousand nodes).
#pragma once

#include <string>
#include <string_view>

namespace trail::tlog {

inline constexpr size_t kHashSize = 32;

// SHA-256(0x00 || data).
std::string LeafHashOf(std::string_view data);
// SHA-256(0x01 || left || right).
std::string NodeHashOf(std::string_view left, std::string_view right);
// SHA-256 of the empty string: MTH({}), the root of a tree with no leaves.
const std::string& EmptyRoot();

}  // namespace trail::tlog
