// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "ui/session_store.h"

#include <algorithm>

#include "core/codec.h"

namespace trail::ui {

SessionStore::SessionStore(Micros idle, size_t max_sessions,
                           std::function<std::string(size_t)> random, SessionTable* shared)
    : idle_(idle),
      max_sessions_(std::max<size_t>(1, max_sessions)),
      random_(std::move(random)),
      shared_(shared) {
  if (!random_) random_ = [](size_t n) { return RandomBytes(n); };
}

Result<std::string> SessionStore::Create(std::string credential, SessionKind kind, Micros now,
                                         std::string owner) {
  std::string id = Base64UrlEncode(random_(32));
  Session s{std::move(credential), kind, Base64UrlEncode(random_(32)), now, now, std::move(owner)};
  if (shared_) {
    bool sweep = false;
    {
      std::lock_guard<std::mutex> l(mu_);
      if (now - swept_at_ >= kSweepEvery) {
        swept_at_ = now;
        sweep = true;
      }
    }
    // A failed sweep is retried at the next one; the session itself must be stored.
    if (sweep) (void)shared_->DeleteIdleSessions(now - idle_);
    SessionRow stored{s.credential, static_cast<int>(kind), s.csrf, now, now, s.owner};
    TRAIL_RETURN_IF_ERROR(
        shared_->PutSession(Sha256(id), stored, s.owner.empty() ? 0 : kMaxPerOwner));
    return id;
  }
  std::lock_guard<std::mutex> l(mu_);
  if (by_hash_.size() >= max_sessions_) EvictLocked(now);
  const std::string key = Sha256(id);
  if (!s.owner.empty()) {
    auto& mine = by_owner_[s.owner];
    while (mine.size() >= kMaxPerOwner) EraseLocked(by_hash_.find(mine.front()));
    by_owner_[s.owner].push_back(key);
  }
  by_hash_[key] = std::move(s);
  return id;
}

Result<std::optional<Session>> SessionStore::Find(std::string_view id, SessionKind kind,
                                                  Micros now) {
  if (id.empty() || id.size() > 64) return std::optional<Session>();
  const std::string key = Sha256(id);
  if (shared_) {
    auto got = shared_->GetSession(key);
    if (!got.ok()) return got.status();
    if (!got->has_value()) return std::optional<Session>();
    const SessionRow& st = **got;
    if (now - st.last_used > idle_) {
      TRAIL_RETURN_IF_ERROR(shared_->DeleteSession(key));
      return std::optional<Session>();
    }
    if (st.kind != static_cast<int>(kind)) return std::optional<Session>();
    if (now - st.last_used >= kTouchEvery) TRAIL_RETURN_IF_ERROR(shared_->TouchSession(key, now));
    return std::optional<Session>(Session{st.credential, kind, st.csrf, st.created, now, st.owner});
  }
  std::lock_guard<std::mutex> l(mu_);
  auto it = by_hash_.find(key);
  if (it == by_hash_.end()) return std::optional<Session>();
  if (now - it->second.last_used > idle_) {
    EraseLocked(it);
    return std::optional<Session>();
  }
  if (it->second.kind != kind) return std::optional<Session>();
  it->second.last_used = now;
  return std::optional<Session>(it->second);
}

Status SessionStore::Remove(std::string_view id) {
  const std::string key = Sha256(id);
  if (shared_) return shared_->DeleteSession(key);
  std::lock_guard<std::mutex> l(mu_);
  if (auto it = by_hash_.find(key); it != by_hash_.end()) EraseLocked(it);
  return Status::Ok();
}

size_t SessionStore::size() {
  std::lock_guard<std::mutex> l(mu_);
  return by_hash_.size();
}

// Drops the idle sessions, then, if still full, the least recently used one.
void SessionStore::EvictLocked(Micros now) {
  for (auto it = by_hash_.begin(); it != by_hash_.end();) {
    auto next = std::next(it);
    if (now - it->second.last_used > idle_) EraseLocked(it);
    it = next;
  }
  if (by_hash_.size() < max_sessions_) return;
  auto oldest = std::min_element(
      by_hash_.begin(), by_hash_.end(),
      [](const auto& a, const auto& b) { return a.second.last_used < b.second.last_used; });
  EraseLocked(oldest);
}

void SessionStore::EraseLocked(std::unordered_map<std::string, Session>::iterator it) {
  if (it == by_hash_.end()) return;
  if (!it->second.owner.empty()) {
    auto o = by_owner_.find(it->second.owner);
    if (o != by_owner_.end()) {
      auto& keys = o->second;
      keys.erase(std::remove(keys.begin(), keys.end(), it->first), keys.end());
      if (keys.empty()) by_owner_.erase(o);
    }
  }
  by_hash_.erase(it);
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
