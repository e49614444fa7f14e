// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// Reads of the embedded store: a pool of read-only connections, each query or Get on one WAL
// snapshot (never waiting for the writer), and what the writer has published (tag counts, the
// readable end).
#include "store/sqlite/sqlite_internal.h"

namespace trail {

std::unique_ptr<SqliteStore::ReadConn> SqliteStore::AcquireReader(Status* s) {
  {
    std::lock_guard<std::mutex> l(readers_mu_);
    if (!readers_.empty()) {
      auto r = std::move(readers_.back());
      readers_.pop_back();
      return r;
    }
  }
  auto r = std::make_unique<ReadConn>();
  *s = r->Open(opt_.path);
  if (!s->ok()) return nullptr;
  return r;
}

void SqliteStore::ReleaseReader(std::unique_ptr<ReadConn> r) {
  std::lock_guard<std::mutex> l(readers_mu_);
  if (readers_.size() < 16) readers_.push_back(std::move(r));
}

Result<QueryPage> SqliteStore::Query(const trail::Query& q, const AccessFilter* access) {
  Status s;
  auto r = AcquireReader(&s);
  if (!r) return s;
  Result<QueryPage> page = Status::Internal("unreached");
  {
    Source src(r.get(), Types());
    page = ExecuteQuery(q, index_, src, access);
  }
  ReleaseReader(std::move(r));
  return page;
}

Result<std::optional<Event>> SqliteStore::Get(std::string_view id) {
  Status s;
  auto r = AcquireReader(&s);
  if (!r) return s;
  std::optional<Event> out;
  r->by_id.Bind(1, id);
  if (r->by_id.Step(&s)) {
    Event e;
    ReadEvent(r->by_id, &e);
    if (auto types = Types()) e.description = DescribeEvent(*types, e);
    out = std::move(e);
  }
  r->by_id.Reset();
  ReleaseReader(std::move(r));
  if (!s.ok()) return s;
  return out;
}

Result<std::vector<std::pair<std::string, uint64_t>>> SqliteStore::TagCounts() {
  std::lock_guard<std::mutex> l(stats_mu_);
  return std::vector<std::pair<std::string, uint64_t>>(tag_counts_.begin(), tag_counts_.end());
}

uint64_t SqliteStore::ReadableEnd() { return index_.Snapshot({}).end; }

uint64_t SqliteStore::WaitForEvents(uint64_t end, int timeout_ms) {
  std::unique_lock<std::mutex> l(commit_mu_);
  commit_cv_.wait_for(l, std::chrono::milliseconds(timeout_ms),
                      [&] { return ReadableEnd() > end; });
  return ReadableEnd();
}

}  // namespace trail
