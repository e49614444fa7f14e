// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// The SqliteStore test fixture shared by sqlite_store_test.cc, sqlite_store_property_test.cc
// and sqlite_sync_test.cc: a writer-lock holder to form commit groups on purpose, and a store
// on the shared test types (src/testing) in a fresh temporary directory, opened with a fake
// clock and small segments.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <future>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/codec.h"
#include "core/event.h"
#include "core/jcs.h"
#include "core/time_format.h"
#include "core/uuid7.h"
#include "store/query_executor.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store_testing.h"
#include "testing/temp_dir.h"
#include "testing/test_types.h"

namespace trail::sqlite_testing {

using ::testing::HasSubstr;

constexpr Micros kStart = 1'767'225'600'000'000;  // 2026-01-01T00:00:00Z

// Holds SQLite's write lock from a separate connection, so that the store's writer waits in
// BEGIN IMMEDIATE and requests pile up in its queue: a deterministic way to form one commit
// group, to fill the queue, or to drain with work pending.
class WriteLockHolder {
 public:
  explicit WriteLockHolder(const std::string& path) {
    EXPECT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK);
    sqlite3_busy_timeout(db_, 10000);
    EXPECT_EQ(sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db_);
  }
  ~WriteLockHolder() {
    Release();
    sqlite3_close(db_);
  }
  void Release() {
    if (held_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    held_ = false;
  }

 private:
  sqlite3* db_ = nullptr;
  bool held_ = true;
};

// The outcome of one asynchronous Append.
struct Outcome {
  std::promise<std::pair<Status, std::vector<Ack>>> promise;
  std::future<std::pair<Status, std::vector<Ack>>> future = promise.get_future();
  std::atomic<bool> done{false};
};

struct Spec {
  std::string tag;
  std::string subject;
  std::optional<std::string> actor, ip;
  std::optional<std::string> idempotency_key;
  std::optional<std::string> id;
  boost::json::object metadata;
};

class SqliteStoreTest : public ::testing::Test {
 protected:
  SqliteStoreTest() : ids_(clock_), types_(test::Types()) {
    type_set_ = std::make_unique<TypeSet>(types_);
    options_.path = dir_.File("trail.db");
    options_.segment_bits = 4;  // 16 events per segment: sealing happens often
    options_.clock = &clock_;
  }

  void SetUp() override { Open(); }

  void Open() {
    store_.reset();
    auto r = SqliteStore::Open(options_);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    store_ = std::move(r).value();
    store_->SetTypes(type_set_.get());
  }

  void Reopen() {
    store_->Drain();
    Open();
  }

  PreparedEvent Make(const Spec& s) {
    boost::json::object o{{"tag", s.tag}, {"subject", s.subject}};
    if (s.actor) o["actor"] = *s.actor;
    if (s.ip) o["ip"] = *s.ip;
    if (s.idempotency_key) o["idempotency_key"] = *s.idempotency_key;
    if (s.id) o["id"] = *s.id;
    if (!s.metadata.empty()) o["metadata"] = s.metadata;
    auto r = PrepareEvent(o, *types_, ids_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return std::move(r).value();
  }

  PreparedEvent Login(std::string user, std::optional<std::string> key = std::nullopt,
                      std::optional<std::string> id = std::nullopt) {
    return Make({"account:login:success",
                 "user:" + user,
                 user,
                 std::nullopt,
                 std::move(key),
                 std::move(id),
                 {}});
  }

  std::vector<Ack> AppendOk(std::vector<PreparedEvent> events) {
    auto r = store_->AppendSync(std::move(events));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : std::vector<Ack>{};
  }

  std::shared_ptr<Outcome> AppendAsync(std::vector<PreparedEvent> events) {
    auto out = std::make_shared<Outcome>();
    store_->Append(std::move(events), [out](Status s, std::vector<Ack> acks) {
      out->done.store(true);
      out->promise.set_value({std::move(s), std::move(acks)});
    });
    return out;
  }

  Event GetOk(const std::string& id) { return test::GetOk(*store_, id); }

  bool Exists(const std::string& id) { return test::Exists(*store_, id); }

  // How many events a query reads back (test::ReadAll, shared with the other engines' tests).
  uint64_t Count() { return test::ReadAll(*store_).size(); }

  // Forms one commit group of `requests`: the writer is held in BEGIN by a lock while a
  // dummy request occupies it, so everything pushed meanwhile is taken at once afterwards.
  std::vector<std::pair<Status, std::vector<Ack>>> CommitAsOneGroup(
      std::vector<std::vector<PreparedEvent>> requests) {
    std::vector<std::shared_ptr<Outcome>> outs;
    {
      WriteLockHolder lock(options_.path);
      auto dummy = AppendAsync({Login("dummy")});
      WaitUntilWriterHolds(1);
      for (auto& r : requests) outs.push_back(AppendAsync(std::move(r)));
      lock.Release();
      auto d = dummy->future.get();
      EXPECT_TRUE(d.first.ok()) << d.first.ToString();
    }
    std::vector<std::pair<Status, std::vector<Ack>>> results;
    for (auto& o : outs) results.push_back(o->future.get());
    return results;
  }

  // Waits until the queue holds exactly `n` events, all taken by the (blocked) writer or
  // waiting; queue_depth counts accepted, not yet durable events.
  void WaitUntilWriterHolds(uint64_t n) {
    for (int i = 0; i < 2000 && store_->Stats().queue_depth != n; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ASSERT_EQ(store_->Stats().queue_depth, n);
    // Give the writer a moment to pop the request and block in BEGIN IMMEDIATE.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }

  test::TempDir dir_{"trail-sqlite-test"};
  FakeClock clock_{kStart};
  Uuid7Generator ids_;
  std::shared_ptr<const TypeRegistry> types_;
  std::unique_ptr<TypeSet> type_set_;  // what the store renders descriptions from
  SqliteOptions options_;
  std::unique_ptr<SqliteStore> store_;
};

}  // namespace trail::sqlite_testing
