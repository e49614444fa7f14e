// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// KeyRing: API keys (SPEC §6). Keys are random 256-bit secrets shown once; the store keeps
// only their SHA-256, as rows of its KeyTable (store/key_table.h), which is all of the store
// the ring sees. Authenticate() answers from an in-memory map of hashes, refreshed from the
// table when it changes here, when the table says another node changed it
// (KeyTable::KeysGeneration: PostgreSQL's LISTEN/NOTIFY, so a revocation on one node is seen
// by every node within a fraction of a second), at most once a second on a miss, and every
// few seconds in any case. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "auth/api_key.h"
#include "auth/viewer_token.h"
#include "core/clock.h"
#include "store/key_table.h"

namespace trail {

// Who is asking: an API key (`role`) or a viewer token (`viewer`, read-only).
struct Principal {
  std::string key_id;  // API key id, or "" for a viewer
  std::string name;
  KeyRole role = KeyRole::kWriter;
  bool is_viewer = false;
  std::shared_ptr<const ViewerClaims> viewer;
  // What a live stream or an export checks again while it runs (Api::StillAuthorized): the
  // API key's SHA-256, or the viewer token's text; and the web-viewer session it came
  // through, if any (signing out ends the session, and with it the stream).
  std::string key_hash;
  std::string token;
  std::string session;
  bool embed_session = false;
  // The actor written on self-audit events.
  std::string Actor() const { return is_viewer ? viewer->sub : "key:" + key_id; }
  // Reads everything unfiltered: auditor and admin keys, admin viewer tokens.
  bool ReadsAll() const {
    return is_viewer ? viewer->admin : (role == KeyRole::kAuditor || role == KeyRole::kAdmin);
  }
};

struct NewKey {
  ApiKeyRecord record;
  std::string secret;  // the key text, shown once
};

class KeyRing {
 public:
  // `table` (a store's Keys()) must outlive the ring.
  KeyRing(KeyTable* table, const Clock* clock) : table_(table), clock_(clock) {}

  Status Load();
  // API key -> Principal, or kUnauthenticated.
  Result<Principal> Authenticate(std::string_view secret);
  // The same by the key's SHA-256 (HashSecret), as a viewer session keeps it.
  Result<Principal> AuthenticateHash(const std::string& hash);
  Result<NewKey> Create(KeyRole role, std::string name);
  Status Revoke(std::string_view id);
  Result<std::vector<ApiKeyRecord>> List();
  // Makes sure DATA/admin.key holds a working admin key: creates one on a fresh data
  // directory (mode 0600), or re-registers the file's key if the store lost it. Returns the
  // new key's record when one was created. When the file holds a revoked key: kForbidden,
  // unless `replace_revoked`, which moves it to PATH.revoked and writes a new admin key.
  Result<std::optional<ApiKeyRecord>> EnsureAdminKeyFile(const std::string& path,
                                                         bool replace_revoked = false);

  static std::string HashSecret(std::string_view secret);

 private:
  Status Reload();
  KeyTable* table_;
  const Clock* clock_;
  std::shared_mutex mu_;
  std::unordered_map<std::string, ApiKeyRecord> by_hash_;  // active keys only
  std::chrono::steady_clock::time_point loaded_at_{};
  std::atomic<uint64_t> loaded_generation_{0};  // KeyTable::KeysGeneration() when last loaded
};

}  // namespace trail
