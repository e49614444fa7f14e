// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// SessionStore: the web viewer's sign-in sessions (SPEC §9).
//
// A session maps a random 256-bit id — the only thing its cookie carries — to the credential
// it was opened with (the SHA-256 of an API key from the sign-in form, as "key:<hex>", or the
// viewer token an embedding host passed once in the URL), its kind (console or embed), a
// per-session CSRF token for the forms that change state, and an idle deadline. The credential
// is checked again on every request, so a revoked key or an expired viewer token ends its
// sessions at once. Ids are looked up by their SHA-256.
//
// Where they live: on a store that shares sessions between nodes (Store::SharedSessions, the
// PostgreSQL store), in its table (store/session_table.h; a session's kind is stored as the
// number of its SessionKind), so that a session opened on one node is served by every
// node behind a load balancer and a sign-out on one ends it on all; the last use is written
// back at most once a minute, and idle sessions are swept at most every ten minutes.
// Otherwise (the embedded store: one node) in this process's memory, bounded (the least
// recently used goes first), and a restart signs everyone out.
//
// Each session has an owner (the key's hash, or "viewer:<sub>"), and an owner holds at most
// kMaxPerOwner sessions in either place: a new one evicts that owner's oldest. An embedding
// host trades a fresh token at every page view, so without this one viewer reloading a page
// would grow the table without bound. Thread-safe.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.h"
#include "core/status.h"
#include "store/session_table.h"

namespace trail::ui {

// Stored by number in a shared store: never renumber.
enum class SessionKind { kConsole = 0, kEmbed = 1 };

struct Session {
  std::string credential;
  SessionKind kind = SessionKind::kConsole;
  std::string csrf;  // random, compared in constant time by the sign-out form's handler
  Micros created = 0;
  Micros last_used = 0;
  std::string owner;
};

class SessionStore {
 public:
  static constexpr Micros kDefaultIdle = 12LL * 3600 * 1000000;
  static constexpr size_t kDefaultMaxSessions = 20000;
  static constexpr size_t kMaxPerOwner = 16;

  static constexpr Micros kTouchEvery = 60LL * 1000000;
  static constexpr Micros kSweepEvery = 600LL * 1000000;

  // `shared` (a store's SharedSessions(), may be null): keep the sessions there (see above).
  // It must outlive this.
  explicit SessionStore(Micros idle = kDefaultIdle, size_t max_sessions = kDefaultMaxSessions,
                        std::function<std::string(size_t)> random = nullptr,
                        SessionTable* shared = nullptr);

  // Opens a session for `owner` (evicting its oldest beyond kMaxPerOwner; "" = no owner, no
  // cap); returns its id (43 characters of base64url).
  Result<std::string> Create(std::string credential, SessionKind kind, Micros now,
                             std::string owner = {});
  // The live session of that id and kind, its idle deadline pushed back; nullopt otherwise.
  // Errors only when the shared store cannot be reached (Unavailable).
  Result<std::optional<Session>> Find(std::string_view id, SessionKind kind, Micros now);
  Status Remove(std::string_view id);
  // Sessions held in memory (0 when they live in a shared store).
  size_t size();

 private:
  void EvictLocked(Micros now);
  // Erases one session, and it from its owner's list.
  void EraseLocked(std::unordered_map<std::string, Session>::iterator it);

  const Micros idle_;
  const size_t max_sessions_;
  std::function<std::string(size_t)> random_;
  SessionTable* const shared_;
  std::mutex mu_;
  std::unordered_map<std::string, Session> by_hash_;  // SHA-256(id) -> session
  std::unordered_map<std::string, std::deque<std::string>>
      by_owner_;         // owner -> its keys, oldest first
  Micros swept_at_ = 0;  // shared: the last sweep of idle sessions
};

// The value of cookie `name` in a Cookie header ("a=1; b=2"), or "".
std::string_view CookieValue(std::string_view header, std::string_view name);

}  // namespace trail::ui
