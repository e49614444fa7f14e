#include "ui/session_store.h"

#include <algorithm>

#include "core/codec.h"

namespace trail::ui {

SessionStore::SessionStore(Micros idle, size_t max_sessions, std::function<std::string(size_t)> random)
    : idle_(idle), max_sessions_(std::max<size_t>(1, max_sessions)), random_(std::move(random)) {
  if (!random_) random_ = [](size_t n) { return RandomBytes(n); };
}

std::string SessionStore::Create(std::string credential, SessionKind kind, Micros now) {
  std::string id = Base64UrlEncode(random_(32));
  Session s{std::move(credential), kind, Base64UrlEncode(random_(32)), now, now};
  std::lock_guard<std::mutex> l(mu_);
  if (by_hash_.size() >= max_sessions_) EvictLocked(now);
  by_hash_[Sha256(id)] = std::move(s);
  return id;
}

std::optional<Session> SessionStore::Find(std::string_view id, SessionKind kind, Micros now) {
  if (id.empty() || id.size() > 64) return std::nullopt;
  const std::string key = Sha256(id);
  std::lock_guard<std::mutex> l(mu_);
  auto it = by_hash_.find(key);
  if (it == by_hash_.end()) return std::nullopt;
  if (now - it->second.last_used > idle_) {
    by_hash_.erase(it);
    return std::nullopt;
  }
  if (it->second.kind != kind) return std::nullopt;
  it->second.last_used = now;
  return it->second;
}

void SessionStore::Remove(std::string_view id) {
  const std::string key = Sha256(id);
  std::lock_guard<std::mutex> l(mu_);
  by_hash_.erase(key);
}

size_t SessionStore::size() {
  std::lock_guard<std::mutex> l(mu_);
  return by_hash_.size();
}

// Drops the idle sessions, then, if still full, the least recently used one.
void SessionStore::EvictLocked(Micros now) {
  for (auto it = by_hash_.begin(); it != by_hash_.end();) {
    it = now - it->second.last_used > idle_ ? by_hash_.erase(it) : std::next(it);
  }
  if (by_hash_.size() < max_sessions_) return;
  auto oldest = std::min_element(by_hash_.begin(), by_hash_.end(), [](const auto& a, const auto& b) {
    return a.second.last_used < b.second.last_used;
  });
  by_hash_.erase(oldest);
}

std::string_view CookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    size_t end = header.find(';');
    std::string_view part = header.substr(0, end);
    header = end == std::string_view::npos ? std::string_view() : header.substr(end + 1);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    size_t eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name) return part.substr(eq + 1);
  }
  return {};
}

}  // namespace trail::ui
