// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// Internals shared by the SqliteStore translation units (sqlite_store.cc: opening and the rest;
// sqlite_schema.cc; sqlite_statements.cc; sqlite_writer.cc: the writer thread and its group
// commit; sqlite_read.cc: queries and reads; sqlite_sync.cc; sqlite_tree.cc;
// sqlite_retention.cc; sqlite_histogram.cc): the writer's and readers' connections with their
// prepared statements, and the read snapshot that the query executor uses. Not part of any
// public interface.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "store/query_executor.h"
#include "store/sqlite/db.h"
#include "store/sqlite/sqlite_store.h"

namespace trail {

inline constexpr Micros kMicrosPerHour = 3600LL * 1000000;

// Creates the tables of a new store, or checks the schema version of an existing one (a file
// written in another format is refused, naming `path`). `*segment_bits` is the posting-segment
// size for a new store; for an existing one it is set to the size the store was created with.
// sqlite_schema.cc.
Status InitSchema(sqlite::Db& db, const std::string& path, int* segment_bits);

inline constexpr std::string_view kEventColumns =
    "seq, id, recorded_at, occurred_at, tag, subject, actor, ip, user_agent, metadata, "
    "leaf_hash, pruned, location, salt, personal_hash, body_hash";

inline std::optional<std::string> OptText(const sqlite::Stmt& st, int col) {
  if (st.IsNull(col)) return std::nullopt;
  return std::string(st.Text(col));
}

inline void ReadEvent(const sqlite::Stmt& st, Event* e) {
  e->seq = static_cast<uint64_t>(st.Int(0));
  e->has_seq = true;
  e->id = std::string(st.Text(1));
  e->recorded_at = st.Int(2);
  e->occurred_at = st.IsNull(3) ? e->recorded_at : st.Int(3);
  e->tag = std::string(st.Text(4));
  e->subject = OptText(st, 5);
  e->actor = OptText(st, 6);
  e->ip = OptText(st, 7);
  e->user_agent = OptText(st, 8);
  e->metadata_json = st.IsNull(9) ? "{}" : std::string(st.Text(9));
  e->leaf_hash = std::string(st.Blob(10));
  e->pruned = st.Int(11) != 0;
  e->location_json = OptText(st, 12);
  e->salt = st.IsNull(13) ? std::nullopt : std::optional<std::string>(st.Blob(13));
  e->personal_hash = std::string(st.Blob(14));
  e->body_hash = std::string(st.Blob(15));
}

// The writer's connection and statements; used by the writer thread only.
struct SqliteStore::Writer {
  // Prepares the ingest statements on `db`, open and with its schema (sqlite_statements.cc).
  Status Prepare();

  sqlite::Db db;
  // Retention statements, prepared on first use by the writer thread.
  bool gc_ready = false;
  sqlite::Stmt prune, prune_range, prune_subject, prune_actor, is_live, scrub_scan, scrub, meta_set,
      delete_key, delete_ip_keys, vacuum, get_posting, set_posting, drop_posting, range_keys;
  sqlite::Stmt begin, commit, rollback, insert, find_idem, insert_idem, find_id, count_tag,
      count_hour, uncount_hour, insert_posting, insert_segment, insert_node, put_meta,
      archive_checkpoint;
};

// A reader's connection and statements; one query at a time.
struct SqliteStore::ReadConn {
  // Opens the store at `path` read-only and prepares the statements (sqlite_statements.cc).
  Status Open(const std::string& path);

  sqlite::Db db;
  sqlite::Stmt begin, end, by_seq, by_id, recorded_at, postings, scan_asc, scan_desc;
  sqlite::Stmt tile_leaves, tile_nodes;  // prepared on first use (sqlite_tree.cc)
};

// A read snapshot: BEGIN lazily on first use, so that the snapshot is taken after the
// executor has taken the posting index view (the DB then holds at least what the view says).
// With `types`, events are read with their descriptions (what queries match words against).
class SqliteStore::Source final : public EventSource {
 public:
  explicit Source(ReadConn* c, std::shared_ptr<const TypeRegistry> types = nullptr)
      : c_(c), types_(std::move(types)) {}
  ~Source() override {
    if (open_) c_->end.Run();
  }
  Status SealedPostings(uint64_t seg, const std::string& key, std::vector<uint64_t>* out) override {
    TRAIL_RETURN_IF_ERROR(Begin());
    out->clear();
    auto& st = c_->postings;
    st.Bind(1, static_cast<int64_t>(seg));
    st.BindBlob(2, key);
    Status s;
    if (st.Step(&s)) {
      if (!DecodePostings(st.Blob(0), out))
        s = Status::Corruption("posting list of segment " + std::to_string(seg));
    }
    st.Reset();
    return s;
  }
  Status Fetch(uint64_t seq, Event* e, bool* found) override {
    TRAIL_RETURN_IF_ERROR(Begin());
    auto& st = c_->by_seq;
    st.Bind(1, static_cast<int64_t>(seq));
    Status s;
    *found = st.Step(&s);
    if (*found) {
      ReadEvent(st, e);
      if (types_) e->description = DescribeEvent(*types_, *e);
    }
    st.Reset();
    return s;
  }
  Status Scan(uint64_t lo, uint64_t hi, bool asc, const std::function<bool(Event&)>& fn) override {
    TRAIL_RETURN_IF_ERROR(Begin());
    auto& st = asc ? c_->scan_asc : c_->scan_desc;
    st.Bind(1, static_cast<int64_t>(lo));
    st.Bind(2, static_cast<int64_t>(hi));
    Status s;
    while (st.Step(&s)) {
      Event e;
      ReadEvent(st, &e);
      if (types_) e.description = DescribeEvent(*types_, e);
      if (!fn(e)) break;
    }
    st.Reset();
    return s;
  }
  Status RecordedAt(uint64_t seq, Micros* t) override {
    TRAIL_RETURN_IF_ERROR(Begin());
    auto& st = c_->recorded_at;
    st.Bind(1, static_cast<int64_t>(seq));
    Status s;
    if (st.Step(&s)) {
      *t = st.Int(0);
    } else if (s.ok()) {
      s = Status::Corruption("no event at seq " + std::to_string(seq));
    }
    st.Reset();
    return s;
  }

 private:
  Status Begin() {
    if (open_) return Status::Ok();
    TRAIL_RETURN_IF_ERROR(c_->begin.Run());
    open_ = true;
    // A deferred transaction takes its snapshot at the first read; read now.
    Micros t;
    Status s = RecordedAt(0, &t);
    return s.code() == Code::kCorruption ? Status::Ok() : s;
  }
  ReadConn* c_;
  std::shared_ptr<const TypeRegistry> types_;
  bool open_ = false;
};

}  // namespace trail
