// SessionStore: the web viewer's sign-in sessions (SPEC §9), kept in server memory.
//
// A session maps a random 256-bit id — the only thing its cookie carries — to the credential
// it was opened with (an API key from the sign-in form, or the viewer token an embedding host
// passed once in the URL), its kind (console or embed), a per-session CSRF token for the
// forms that change state, and an idle deadline. The credential is checked again on every
// request, so a revoked key or an expired viewer token ends its sessions at once; nothing is
// persisted, so a restart signs everyone out. Ids are looked up by their SHA-256, and the
// number of sessions is bounded (the least recently used goes first). Thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.h"

namespace trail::ui {

enum class SessionKind { kConsole, kEmbed };

struct Session {
  std::string credential;
  SessionKind kind = SessionKind::kConsole;
  std::string csrf;  // random, compared in constant time by the sign-out form's handler
  Micros created = 0;
  Micros last_used = 0;
};

class SessionStore {
 public:
  static constexpr Micros kDefaultIdle = 12LL * 3600 * 1000000;
  static constexpr size_t kDefaultMaxSessions = 20000;

  explicit SessionStore(Micros idle = kDefaultIdle, size_t max_sessions = kDefaultMaxSessions,
                        std::function<std::string(size_t)> random = nullptr);

  // Opens a session; returns its id (43 characters of base64url).
  std::string Create(std::string credential, SessionKind kind, Micros now);
  // The live session of that id and kind, its idle deadline pushed back; nullopt otherwise.
  std::optional<Session> Find(std::string_view id, SessionKind kind, Micros now);
  void Remove(std::string_view id);
  size_t size();

 private:
  void EvictLocked(Micros now);

  const Micros idle_;
  const size_t max_sessions_;
  std::function<std::string(size_t)> random_;
  std::mutex mu_;
  std::unordered_map<std::string, Session> by_hash_;  // SHA-256(id) -> session
};

// The value of cookie `name` in a Cookie header ("a=1; b=2"), or "".
std::string_view CookieValue(std::string_view header, std::string_view name);

}  // namespace trail::ui
