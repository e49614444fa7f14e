// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// KeyTable: the API keys a store keeps for auth's KeyRing (auth/key_ring.h), in the
// `api_keys` table of either engine. The store keeps each row as given and interprets none
// of it: what a role allows, and which key text a hash stands for, are auth's business
// (auth/api_key.h). Every engine implements it (Store::Keys). Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace trail {

struct KeyRow {
  std::string id;
  std::string name;
  std::string role;  // the role's name as auth spells it ("writer", "admin", …)
  std::string hash;  // SHA-256 of the key text, raw bytes; the key itself is never stored
  Micros created_at = 0;
  std::optional<Micros> revoked_at;
};

class KeyTable {
 public:
  virtual ~KeyTable() = default;

  // Adds a key. A row whose id or hash is already stored is refused by the embedded store; the
  // shared one takes it as already registered and answers OK (every node of a deployment
  // registers the same admin.key at start).
  virtual Status PutKey(const KeyRow& key) = 0;
  // Every key, revoked ones included, ordered by (created_at, id).
  virtual Result<std::vector<KeyRow>> ListKeys() = 0;
  // kNotFound when no unrevoked key has this id.
  virtual Status RevokeKey(std::string_view id, Micros when) = 0;
  // Changes whenever another node (or another process) may have created or revoked a key,
  // so that key caches reload at once. A store with one node answers a constant.
  virtual uint64_t KeysGeneration() { return 0; }
};

}  // namespace trail
