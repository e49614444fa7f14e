// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "auth/key_ring.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <tuple>

#include "core/clock.h"

namespace trail {
namespace {

// The narrow table a KeyRing needs, in memory: what either store keeps, without a store.
class MemoryKeyTable final : public KeyTable {
 public:
  Status PutKey(const KeyRow& key) override {
    for (const KeyRow& r : rows)
      if (r.id == key.id || r.hash == key.hash) return Status::Conflict("key exists");
    rows.push_back(key);
    return Status::Ok();
  }
  Result<std::vector<KeyRow>> ListKeys() override {
    ++lists;
    std::vector<KeyRow> out = rows;
    std::sort(out.begin(), out.end(), [](const KeyRow& a, const KeyRow& b) {
      return std::tie(a.created_at, a.id) < std::tie(b.created_at, b.id);
    });
    return out;
  }
  Status RevokeKey(std::string_view id, Micros when) override {
    for (KeyRow& r : rows) {
      if (r.id == id && !r.revoked_at) {
        r.revoked_at = when;
        return Status::Ok();
      }
    }
    return Status::NotFound("no active key");
  }
  uint64_t KeysGeneration() override { return generation; }

  std::vector<KeyRow> rows;
  uint64_t generation = 0;
  int lists = 0;
};

TEST(KeyRingTest, KeepsRolesByNameAndAuthenticatesByHash) {
  MemoryKeyTable table;
  FakeClock clock;
  KeyRing ring(&table, &clock);
  ASSERT_TRUE(ring.Load().ok());
  auto k = ring.Create(KeyRole::kAuditor, "audit");
  ASSERT_TRUE(k.ok()) << k.status().ToString();
  ASSERT_EQ(table.rows.size(), 1u);
  EXPECT_EQ(table.rows[0].role, "auditor");
  EXPECT_EQ(table.rows[0].hash, KeyRing::HashSecret(k->secret));  // never the key itself
  EXPECT_EQ(table.rows[0].created_at, clock.NowMicros());
  auto p = ring.Authenticate(k->secret);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->role, KeyRole::kAuditor);
  EXPECT_EQ(p->key_id, k->record.id);
  EXPECT_EQ(ring.Authenticate("trail_nope").status().code(), Code::kUnauthenticated);

  ASSERT_TRUE(ring.Revoke(k->record.id).ok());
  EXPECT_EQ(ring.Authenticate(k->secret).status().code(), Code::kUnauthenticated);
  auto list = ring.List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].role, KeyRole::kAuditor);
  EXPECT_TRUE((*list)[0].revoked_at);
}

TEST(KeyRingTest, AnUnknownStoredRoleReadsAsWriter) {
  MemoryKeyTable table;
  table.rows.push_back(KeyRow{"k_x", "future", "superuser", KeyRing::HashSecret("s"), 1, {}});
  FakeClock clock;
  KeyRing ring(&table, &clock);
  ASSERT_TRUE(ring.Load().ok());
  auto p = ring.Authenticate("s");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->role, KeyRole::kWriter);
}

TEST(KeyRingTest, ReloadsWhenTheTableSaysAnotherNodeChangedIt) {
  MemoryKeyTable table;
  FakeClock clock;
  KeyRing ring(&table, &clock);
  auto k = ring.Create(KeyRole::kWriter, "ci");
  ASSERT_TRUE(k.ok());
  ASSERT_TRUE(ring.Authenticate(k->secret).ok());
  // Another node revokes it: the row changes and the generation moves.
  table.rows[0].revoked_at = 5;
  ++table.generation;
  EXPECT_EQ(ring.Authenticate(k->secret).status().code(), Code::kUnauthenticated);
}

}  // namespace
}  // namespace trail
