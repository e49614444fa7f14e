// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// The Store contract on every engine (store_contract_testing.h): appends and reads back,
// idempotency keys and client ids, tag counts. The engines are instantiated here, once for
// every store_contract_*_test.cc.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/store_contract_testing.h"

namespace trail {
namespace {

using test::Counts;
using test::kStart;
using test::StoreContractTest;
using ::testing::HasSubstr;

INSTANTIATE_TEST_SUITE_P(
    Engines, StoreContractTest,
    ::testing::Values(
        test::EngineKind{"Sqlite",
                         [] { return std::unique_ptr<test::Engine>(new test::SqliteEngine); }},
        test::EngineKind{"Postgres",
                         [] { return std::unique_ptr<test::Engine>(new test::PostgresEngine); }}),
    [](const ::testing::TestParamInfo<test::EngineKind>& info) {
      return std::string(info.param.name);
    });

// --- Append and read back ---

TEST_P(StoreContractTest, AppendThenReadBackEveryField) {
  boost::json::object md{
      {"target_user", "bob"}, {"role_name", "Maintainer"}, {"extra", boost::json::array{1, "x"}}};
  boost::json::object location{{"country", "NZ"},
                               {"country_name", "New Zealand"},
                               {"region", "WGN"},
                               {"city", "Wellington"}};
  PreparedEvent full = Make({{"tag", "project:role:add"},
                             {"subject", "project:requests"},
                             {"actor", "alice"},
                             {"ip", "203.0.113.7"},
                             {"user_agent", "warehouse/1.0 \"q\" \xc3\xbc"},
                             {"location", location},
                             {"metadata", md},
                             {"occurred_at", "2025-12-31T23:59:59.5Z"}});
  PreparedEvent bare = Make({{"tag", "account:login:success"},
                             {"subject", "user:bob"},
                             {"id", "0193A2B4-C5D6-7E8F-9A0B-1C2D3E4F5A6B"}});
  ASSERT_EQ(full.salt.size(), 16u);  // leaf format 2: every event is salted
  ASSERT_EQ(bare.personal_hash.size(), 32u);
  std::vector<PreparedEvent> batch{full, bare};
  std::vector<Ack> acks = AppendOk(batch);
  ASSERT_EQ(acks.size(), 2u);
  EXPECT_EQ(acks[0].id, full.id);
  EXPECT_EQ(acks[1].id, "0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b");
  EXPECT_FALSE(acks[0].replayed || acks[1].replayed);
  EXPECT_EQ(SeqOf(acks[0]), 0u);
  EXPECT_EQ(SeqOf(acks[1]), 1u);

  for (int pass = 0; pass < 2; ++pass) {  // before and after a reopen
    SCOPED_TRACE(pass ? "after a reopen" : "before a reopen");
    Sequenced();
    Event e = GetOk(full.id);
    EXPECT_TRUE(e.has_seq);
    EXPECT_EQ(e.seq, 0u);
    EXPECT_EQ(e.id, full.id);
    EXPECT_EQ(e.recorded_at, kStart);
    EXPECT_EQ(e.occurred_at, *ParseRfc3339("2025-12-31T23:59:59.5Z"));
    EXPECT_EQ(e.tag, "project:role:add");
    EXPECT_EQ(e.subject, "project:requests");
    EXPECT_EQ(e.actor, "alice");
    EXPECT_EQ(e.ip, "203.0.113.7");
    EXPECT_EQ(e.user_agent, "warehouse/1.0 \"q\" \xc3\xbc");
    EXPECT_EQ(e.location_json, CanonicalJson(location));
    EXPECT_EQ(e.metadata_json, CanonicalJson(md));
    EXPECT_EQ(e.description, "alice added bob as Maintainer");
    EXPECT_EQ(e.salt, full.salt);
    EXPECT_EQ(e.personal_hash, full.personal_hash);
    EXPECT_EQ(e.body_hash, CompleteBodyHash(full, kStart));
    EXPECT_EQ(e.leaf_hash, LeafHash(full, kStart));
    std::string problem = "unset";
    EXPECT_EQ(e.leaf_hash, RecomputeLeafHash(e, &problem));
    EXPECT_EQ(problem, "");
    EXPECT_FALSE(e.pruned);

    Event b = GetOk("0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b");
    EXPECT_EQ(b.seq, 1u);
    EXPECT_EQ(b.recorded_at, kStart);
    EXPECT_EQ(b.occurred_at, kStart);  // absent: the same as recorded_at
    EXPECT_EQ(b.subject, "user:bob");
    EXPECT_FALSE(b.actor || b.ip || b.user_agent || b.location_json);
    EXPECT_EQ(b.metadata_json, "{}");
    EXPECT_EQ(b.description, " logged in");
    EXPECT_EQ(b.salt, bare.salt);
    EXPECT_EQ(b.personal_hash, bare.personal_hash);
    EXPECT_EQ(b.leaf_hash, LeafHash(bare, kStart));
    EXPECT_EQ(b.leaf_hash, RecomputeLeafHash(b, &problem));
    EXPECT_EQ(problem, "");

    std::vector<Event> all = All();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].id, e.id);
    EXPECT_EQ(all[0].leaf_hash, e.leaf_hash);
    EXPECT_EQ(all[1].id, b.id);
    Reopen();
  }
  for (const char* id : {"0193a2b4-c5d6-7e8f-9a0b-000000000000", "not-a-uuid"}) {
    auto missing = store_->Get(id);
    ASSERT_TRUE(missing.ok()) << missing.status().ToString();
    EXPECT_FALSE(missing.value().has_value()) << id;
  }
}

TEST_P(StoreContractTest, EmptyAppendIsAcknowledgedAtOnce) {
  auto r = store_->AppendSync({});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->empty());
  EXPECT_EQ(store_->Stats().events, 0u);
  EXPECT_TRUE(All().empty());
}

// Seqs are contiguous from 0 in commit order (one writer here: the order of the appends),
// and every event's hashes commit to what was sent.
TEST_P(StoreContractTest, SeqsAreContiguousFromZeroAcrossBatchesAndReopens) {
  std::vector<PreparedEvent> sent;
  std::mt19937 rng(1);
  for (int round = 0; round < 4; ++round) {
    for (int b = 0; b < 5; ++b) {
      std::vector<PreparedEvent> batch;
      const int n = 1 + static_cast<int>(rng() % 9);
      for (int i = 0; i < n; ++i) batch.push_back(Release("p" + std::to_string(i % 3), i));
      std::vector<Ack> acks = AppendOk(batch);
      ASSERT_EQ(acks.size(), batch.size());
      for (size_t i = 0; i < acks.size(); ++i) {
        EXPECT_EQ(acks[i].id, batch[i].id);
        EXPECT_TRUE(acks[i].seq || !engine_->AcksCarrySeq());
        if (acks[i].seq) {
          EXPECT_EQ(*acks[i].seq, sent.size() + i);
        }
      }
      sent.insert(sent.end(), batch.begin(), batch.end());
      clock_.Advance(1000);
    }
    Reopen();
    EXPECT_EQ(store_->ReadableEnd(), sent.size());
    EXPECT_EQ(store_->Stats().events, sent.size());
  }
  trail::Query q;
  q.limit = 7;  // many pages
  std::vector<Event> all = All(q);
  ASSERT_EQ(all.size(), sent.size());
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].seq, i);
    EXPECT_EQ(all[i].id, sent[i].id);
    EXPECT_EQ(all[i].body_hash, CompleteBodyHash(sent[i], all[i].recorded_at));
    EXPECT_EQ(all[i].leaf_hash, LeafHash(sent[i], all[i].recorded_at));
    EXPECT_EQ(all[i].leaf_hash, RecomputeLeafHash(all[i]));
    if (i > 0) {
      EXPECT_GE(all[i].recorded_at, all[i - 1].recorded_at);
    }
  }
}

TEST_P(StoreContractTest, RecordedAtNeverGoesBackwards) {
  AppendOk({Login("a")});
  Sequenced();
  clock_.Advance(-5'000'000);  // the system clock stepped back
  AppendOk({Login("b")});
  std::vector<Event> all = All();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].recorded_at, kStart);
  EXPECT_EQ(all[1].recorded_at, kStart);
  Reopen();  // and not across a restart either
  AppendOk({Login("c")});
  all = All();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[2].recorded_at, kStart);
}

// --- Idempotency keys and client ids ---

TEST_P(StoreContractTest, IdempotentReplayAcrossBatches) {
  std::vector<Ack> first = AppendOk({Login("a", "key-1"), Login("b")});
  ASSERT_EQ(first.size(), 2u);
  std::vector<Ack> again = AppendOk({Login("a", "key-1")});
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].id, first[0].id);
  EXPECT_TRUE(again[0].replayed);
  EXPECT_EQ(SeqOf(again[0]), 0u);
  EXPECT_EQ(All().size(), 2u);
  EXPECT_EQ(store_->Stats().events, 2u);
}

TEST_P(StoreContractTest, IdempotentReplayMixedWithNewEvents) {
  std::vector<Ack> first = AppendOk({Login("a", "key-1")});
  ASSERT_EQ(first.size(), 1u);
  std::vector<Ack> mixed = AppendOk({Login("x"), Login("a", "key-1"), Login("y", "key-2")});
  ASSERT_EQ(mixed.size(), 3u);
  EXPECT_FALSE(mixed[0].replayed);
  EXPECT_EQ(SeqOf(mixed[0]), 1u);
  EXPECT_TRUE(mixed[1].replayed);
  EXPECT_EQ(mixed[1].id, first[0].id);
  EXPECT_EQ(SeqOf(mixed[1]), 0u);
  EXPECT_FALSE(mixed[2].replayed);
  EXPECT_EQ(SeqOf(mixed[2]), 2u);
  EXPECT_EQ(All().size(), 3u);
}

// The same key twice in one batch is stored once; the second is a replay of the first.
TEST_P(StoreContractTest, IdempotencyKeyRepeatedInOneBatchIsStoredOnce) {
  std::vector<PreparedEvent> batch{Login("a", "dup"), Login("b"), Login("a", "dup")};
  std::vector<Ack> acks = AppendOk(batch);
  ASSERT_EQ(acks.size(), 3u);
  EXPECT_EQ(acks[0].id, batch[0].id);
  EXPECT_FALSE(acks[0].replayed);
  EXPECT_EQ(acks[2].id, batch[0].id);
  EXPECT_TRUE(acks[2].replayed);
  EXPECT_EQ(SeqOf(acks[0]), 0u);
  EXPECT_EQ(SeqOf(acks[1]), 1u);
  EXPECT_EQ(SeqOf(acks[2]), 0u);
  EXPECT_EQ(All().size(), 2u);
  EXPECT_FALSE(Exists(batch[2].id));
}

TEST_P(StoreContractTest, IdempotentReplayAfterReopen) {
  std::vector<Ack> first = AppendOk({Login("a", "key-1"), Login("b", "key-2")});
  ASSERT_EQ(first.size(), 2u);
  Reopen();
  std::vector<Ack> again = AppendOk({Login("b", "key-2"), Login("a", "key-1")});
  ASSERT_EQ(again.size(), 2u);
  EXPECT_TRUE(again[0].replayed && again[1].replayed);
  EXPECT_EQ(again[0].id, first[1].id);
  EXPECT_EQ(again[1].id, first[0].id);
  EXPECT_EQ(SeqOf(again[0]), 1u);
  EXPECT_EQ(SeqOf(again[1]), 0u);
  EXPECT_EQ(All().size(), 2u);
  EXPECT_EQ(TagCounts(), (Counts{{"account:login:success", 2}}));
}

TEST_P(StoreContractTest, ReplayedClientIdIsNotAConflict) {
  const std::string id = "0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b";
  std::vector<Ack> first = AppendOk({Login("a", "k", id)});
  std::vector<Ack> again = AppendOk({Login("a", "k", id)});
  ASSERT_EQ(again.size(), 1u);
  EXPECT_TRUE(again[0].replayed);
  EXPECT_EQ(again[0].id, id);
  EXPECT_EQ(SeqOf(again[0]), 0u);
}

// A client id already stored refuses its whole request (naming the event), and nothing of
// that request is stored: not its other events, not their idempotency keys.
TEST_P(StoreContractTest, ExistingClientIdIsAConflictAndNothingOfItsRequestIsStored) {
  const std::string id = "0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b";
  AppendOk({Login("a", std::nullopt, id)});
  PreparedEvent fresh = Login("fresh", "k9");
  auto refused = store_->AppendSync({fresh, Login("b", "k8", id)});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kConflict);
  EXPECT_EQ(refused.status().index(), 1);
  EXPECT_THAT(refused.status().message(), HasSubstr(id));
  EXPECT_FALSE(Exists(fresh.id));
  std::vector<Ack> retry = AppendOk({Login("fresh", "k9")});
  ASSERT_EQ(retry.size(), 1u);
  EXPECT_FALSE(retry[0].replayed) << "the refused request's idempotency key was kept";
  EXPECT_EQ(SeqOf(retry[0]), 1u);
  EXPECT_EQ(GetOk(id).subject, "user:a");
  std::vector<Event> all = All();
  ASSERT_EQ(all.size(), 2u);
  for (uint64_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].seq, i);
  EXPECT_EQ(TagCounts(), (Counts{{"account:login:success", 2}}));
}

TEST_P(StoreContractTest, ClientIdRepeatedInOneRequestIsAConflict) {
  const std::string id = "0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b";
  auto twice = store_->AppendSync({Login("a", std::nullopt, id), Login("b", std::nullopt, id)});
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.status().code(), Code::kConflict);
  EXPECT_EQ(twice.status().index(), 1);
  EXPECT_FALSE(Exists(id));
  EXPECT_TRUE(All().empty());
}

// --- Tag counts ---

TEST_P(StoreContractTest, TagCountsAreExactAcrossReopen) {
  EXPECT_TRUE(TagCounts().empty());
  AppendOk({Login("a"), Login("b", "k1"),
            Make({{"tag", "project:role:remove"}, {"subject", "project:p"}, {"actor", "alice"}})});
  AppendOk({Login("b", "k1")});  // replay: not counted
  EXPECT_EQ(TagCounts(), (Counts{{"account:login:success", 2}, {"project:role:remove", 1}}));
  Reopen();
  EXPECT_EQ(TagCounts(), (Counts{{"account:login:success", 2}, {"project:role:remove", 1}}));
  AppendOk({Make({{"tag", "account:login:failure"}, {"subject", "user:a"}, {"actor", "a"}}),
            Login("c")});
  // A request refused for an existing client id counts nothing.
  auto conflict = store_->AppendSync({Login("d"), Login("e", std::nullopt, All()[0].id)});
  EXPECT_EQ(conflict.status().code(), Code::kConflict);
  Reopen();
  const Counts want{
      {"account:login:failure", 1}, {"account:login:success", 3}, {"project:role:remove", 1}};
  EXPECT_EQ(TagCounts(), want);
  std::map<std::string, uint64_t> truth;
  for (const Event& e : All()) truth[e.tag]++;
  EXPECT_EQ(Counts(truth.begin(), truth.end()), want);
}

}  // namespace
}  // namespace trail
