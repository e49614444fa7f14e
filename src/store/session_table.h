// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// SessionTable: web-viewer sign-in sessions kept in the store, so that every node on a shared
// store serves them (SPEC §9): a session opened on one node works on all of them, and signing
// out on one ends it everywhere. Only a store with several nodes keeps them
// (Store::SharedSessions: the PostgreSQL store, table `viewer_sessions`); ui's SessionStore
// (ui/session_store.h) owns what a session means and converts its records to these rows.
// Sessions are found by the SHA-256 of their id (`id_hash`, raw bytes). Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"

namespace trail {

struct SessionRow {
  // What the session was opened with, never an API key's text: "key:" + the hex SHA-256 of
  // the key, or the embedding host's viewer token.
  std::string credential;
  int kind = 0;  // the viewer's kind of session, a small number the store does not interpret
  std::string csrf;
  Micros created = 0;
  Micros last_used = 0;
  // Whose sessions are counted together (PutSession's max_per_owner); "" = nobody's. Only
  // PutSession uses it: GetSession may leave it empty.
  std::string owner;
};

class SessionTable {
 public:
  virtual ~SessionTable() = default;

  // Adds a session; an id_hash already stored is refused. With `max_per_owner` > 0, also
  // drops the owner's oldest sessions beyond that many.
  virtual Status PutSession(std::string_view id_hash, const SessionRow& s,
                            size_t max_per_owner = 0) = 0;
  // nullopt when there is none; an error only when the store cannot be reached.
  virtual Result<std::optional<SessionRow>> GetSession(std::string_view id_hash) = 0;
  // Moves last_used forward to `last_used` (never back).
  virtual Status TouchSession(std::string_view id_hash, Micros last_used) = 0;
  virtual Status DeleteSession(std::string_view id_hash) = 0;
  // Drops the sessions not used since `before`; returns how many.
  virtual Result<uint64_t> DeleteIdleSessions(Micros before) = 0;
};

}  // namespace trail
