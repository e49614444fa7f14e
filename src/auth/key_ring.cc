// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "auth/key_ring.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "auth/secret_file.h"
#include "core/codec.h"

namespace trail {
namespace {
constexpr auto kMissReload = std::chrono::seconds(1);
constexpr auto kMaxAge = std::chrono::seconds(5);
constexpr size_t kMaxNameBytes = 200;

KeyRow ToRow(const ApiKeyRecord& k) {
  return KeyRow{k.id, k.name, std::string(KeyRoleName(k.role)), k.hash, k.created_at, k.revoked_at};
}

// A role name this build does not know reads as writer.
ApiKeyRecord FromRow(KeyRow r) {
  return ApiKeyRecord{
      std::move(r.id),   std::move(r.name), ParseKeyRole(r.role).value_or(KeyRole::kWriter),
      std::move(r.hash), r.created_at,      r.revoked_at};
}

Result<std::vector<ApiKeyRecord>> ListRecords(KeyTable& table) {
  auto rows = table.ListKeys();
  if (!rows.ok()) return rows.status();
  std::vector<ApiKeyRecord> out;
  out.reserve(rows->size());
  for (KeyRow& r : *rows) out.push_back(FromRow(std::move(r)));
  return out;
}
}  // namespace

std::string KeyRing::HashSecret(std::string_view secret) { return Sha256(secret); }

Status KeyRing::Load() { return Reload(); }

Status KeyRing::Reload() {
  // Read first: a change notified while the list is read makes the next call read again.
  const uint64_t generation = table_->KeysGeneration();
  auto keys = ListRecords(*table_);
  if (!keys.ok()) return keys.status();
  std::unordered_map<std::string, ApiKeyRecord> m;
  for (auto& k : *keys) {
    if (!k.revoked_at) m.emplace(k.hash, std::move(k));
  }
  std::unique_lock l(mu_);
  by_hash_.swap(m);
  loaded_at_ = std::chrono::steady_clock::now();
  loaded_generation_ = generation;
  return Status::Ok();
}

Result<Principal> KeyRing::Authenticate(std::string_view secret) {
  return AuthenticateHash(HashSecret(secret));
}

Result<Principal> KeyRing::AuthenticateHash(const std::string& h) {
  // Another node created or revoked a key: forget what we know before answering.
  if (table_->KeysGeneration() != loaded_generation_.load()) TRAIL_RETURN_IF_ERROR(Reload());
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool stale = false;
    {
      std::shared_lock l(mu_);
      auto age = std::chrono::steady_clock::now() - loaded_at_;
      if (age <= kMaxAge) {
        auto it = by_hash_.find(h);
        if (it != by_hash_.end()) {
          Principal p;
          p.key_id = it->second.id;
          p.name = it->second.name;
          p.role = it->second.role;
          p.key_hash = h;
          return p;
        }
        stale = age > kMissReload;
      } else {
        stale = true;
      }
    }
    if (!stale || attempt == 1) break;
    TRAIL_RETURN_IF_ERROR(Reload());
  }
  return Status::Unauthenticated("invalid credential");
}

Result<NewKey> KeyRing::Create(KeyRole role, std::string name) {
  if (name.empty() || name.size() > kMaxNameBytes || !IsValidUtf8(name))
    return Status::Invalid("invalid_request", "name: 1 to 200 bytes of UTF-8");
  NewKey k;
  k.secret = "trail_" + Base64UrlEncode(RandomBytes(32));
  k.record.id = "k_" + HexEncode(RandomBytes(6));
  k.record.name = std::move(name);
  k.record.role = role;
  k.record.hash = HashSecret(k.secret);
  k.record.created_at = clock_->NowMicros();
  TRAIL_RETURN_IF_ERROR(table_->PutKey(ToRow(k.record)));
  TRAIL_RETURN_IF_ERROR(Reload());
  return k;
}

Status KeyRing::Revoke(std::string_view id) {
  TRAIL_RETURN_IF_ERROR(table_->RevokeKey(id, clock_->NowMicros()));
  return Reload();
}

Result<std::vector<ApiKeyRecord>> KeyRing::List() { return ListRecords(*table_); }

Result<std::optional<ApiKeyRecord>> KeyRing::EnsureAdminKeyFile(const std::string& path,
                                                                bool replace_revoked) {
  auto existing = ReadSecretFile(path);
  if (existing.ok()) {
    const std::string secret = *existing;
    if (secret.empty()) return Status::Invalid("invalid_config", path + " is empty");
    if (Authenticate(secret).ok()) return std::optional<ApiKeyRecord>();
    // The file survived but the store does not know it (a new store): register it again.
    ApiKeyRecord r;
    r.id = "k_" + HexEncode(RandomBytes(6));
    r.name = "admin";
    r.role = KeyRole::kAdmin;
    r.hash = HashSecret(secret);
    r.created_at = clock_->NowMicros();
    auto keys = table_->ListKeys();
    if (!keys.ok()) return keys.status();
    bool revoked = false;
    for (const auto& k : *keys) revoked = revoked || k.hash == r.hash;
    if (revoked && !replace_revoked) return Status::Forbidden(path + " holds a revoked key");
    if (revoked) {
      if (std::rename(path.c_str(), (path + ".revoked").c_str()) != 0)
        return Status::IoError("rename " + path + ": " + std::strerror(errno));
      auto k = Create(KeyRole::kAdmin, "admin");
      if (!k.ok()) return k.status();
      TRAIL_RETURN_IF_ERROR(WriteSecretFile(path, k->secret + "\n"));
      return std::optional<ApiKeyRecord>(k->record);
    }
    TRAIL_RETURN_IF_ERROR(table_->PutKey(ToRow(r)));
    TRAIL_RETURN_IF_ERROR(Reload());
    return std::optional<ApiKeyRecord>(r);
  }
  if (existing.status().code() != Code::kNotFound) return existing.status();
  auto k = Create(KeyRole::kAdmin, "admin");
  if (!k.ok()) return k.status();
  TRAIL_RETURN_IF_ERROR(WriteSecretFile(path, k->secret + "\n"));
  return std::optional<ApiKeyRecord>(k->record);
}

}  // namespace trail
