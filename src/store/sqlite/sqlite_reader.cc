// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "store/sqlite/sqlite_reader.h"

namespace trail {
namespace {

// The columns ScanEvents reads, in this order.
constexpr const char* kScanSql =
    "SELECT seq, id, recorded_at, occurred_at, tag, subject, actor, ip, user_agent, metadata, "
    "leaf_hash, pruned, scrubbed, location, salt, personal_hash, body_hash "
    "FROM events WHERE seq >= ? AND seq < ? ORDER BY seq";
enum Col {
  kSeq,
  kId,
  kRecordedAt,
  kOccurredAt,
  kTag,
  kSubject,
  kActor,
  kIp,
  kUserAgent,
  kMetadata,
  kLeafHash,
  kPruned,
  kScrubbed,
  kLocation,
  kSalt,
  kPersonalHash,
  kBodyHash,
};

// One sqlite3_column_* call per column (a verify reads millions of rows): TextOrNull tells
// NULL from text in one call.
void ReadRow(const sqlite::Stmt& st, StoredEventRow* row) {
  StoredLeaf& f = row->fields;
  row->seq = static_cast<uint64_t>(st.Int(kSeq));
  row->leaf_hash = st.Blob(kLeafHash);
  f.id = st.Text(kId);
  f.recorded_at = st.Int(kRecordedAt);
  f.occurred_at.reset();
  if (!st.IsNull(kOccurredAt)) f.occurred_at = st.Int(kOccurredAt);
  f.tag = st.Text(kTag);
  f.subject = st.TextOrNull(kSubject);
  f.actor = st.TextOrNull(kActor);
  f.ip = st.TextOrNull(kIp);
  f.user_agent = st.TextOrNull(kUserAgent);
  f.pruned = st.Int(kPruned) != 0;
  f.scrubbed = st.Int(kScrubbed) != 0;
  f.metadata_json = st.TextOrNull(kMetadata);
  if (!f.metadata_json && !f.pruned) f.metadata_json = "{}";
  f.location_json = st.TextOrNull(kLocation);
  f.salt.reset();
  if (!st.IsNull(kSalt)) f.salt = st.Blob(kSalt);
  f.personal_hash = st.Blob(kPersonalHash);
  f.body_hash = st.Blob(kBodyHash);
}

}  // namespace

Result<std::unique_ptr<SqliteReader>> SqliteReader::Open(const std::string& path) {
  std::unique_ptr<SqliteReader> r(new SqliteReader());
  TRAIL_RETURN_IF_ERROR(r->db_.Open(path, true));
  TRAIL_RETURN_IF_ERROR(r->db_.Exec("PRAGMA mmap_size = 1099511627776"));
  return r;
}

Result<std::optional<std::string>> SqliteReader::Meta(std::string_view key) {
  sqlite::Stmt st;
  TRAIL_RETURN_IF_ERROR(st.Prepare(db_, "SELECT value FROM meta WHERE key = ?"));
  st.Bind(1, key);
  Status s;
  if (st.Step(&s)) return std::optional<std::string>(std::string(st.Text(0)));
  if (!s.ok()) return s;
  return std::optional<std::string>();
}

Result<std::vector<std::pair<uint64_t, std::string>>> SqliteReader::ArchivedCheckpoints() {
  sqlite::Stmt st;
  TRAIL_RETURN_IF_ERROR(st.Prepare(db_, "SELECT size, note FROM checkpoints ORDER BY size"));
  std::vector<std::pair<uint64_t, std::string>> out;
  Status s;
  while (st.Step(&s)) out.emplace_back(static_cast<uint64_t>(st.Int(0)), std::string(st.Text(1)));
  if (!s.ok()) return s;
  return out;
}

Result<std::vector<StoredTreeNode>> SqliteReader::TreeNodes() {
  sqlite::Stmt st;
  TRAIL_RETURN_IF_ERROR(st.Prepare(db_, "SELECT level, idx, hash FROM tree_nodes"));
  std::vector<StoredTreeNode> out;
  Status s;
  while (st.Step(&s))
    out.push_back(StoredTreeNode{static_cast<int>(st.Int(0)), static_cast<uint64_t>(st.Int(1)),
                                 std::string(st.Blob(2))});
  if (!s.ok()) return s;
  return out;
}

Result<int64_t> SqliteReader::SingleInt(const char* sql) {
  sqlite::Stmt st;
  TRAIL_RETURN_IF_ERROR(st.Prepare(db_, sql));
  Status s;
  if (st.Step(&s)) return st.Int(0);
  if (!s.ok()) return s;
  return Status::Corruption(std::string("no row from ") + sql);
}

Result<uint64_t> SqliteReader::SeqEnd() {
  auto n = SingleInt("SELECT COALESCE(MAX(seq) + 1, 0) FROM events");
  if (!n.ok()) return n.status();
  return static_cast<uint64_t>(*n);
}

Result<uint64_t> SqliteReader::NegativeSeqRows() {
  auto n = SingleInt("SELECT COUNT(*) FROM events WHERE seq < 0");
  if (!n.ok()) return n.status();
  return static_cast<uint64_t>(*n);
}

Status SqliteReader::ScanEvents(uint64_t lo, uint64_t hi,
                                const std::function<void(const StoredEventRow&)>& row) {
  if (!scan_.prepared()) TRAIL_RETURN_IF_ERROR(scan_.Prepare(db_, kScanSql));
  scan_.Reset();
  scan_.Bind(1, static_cast<int64_t>(lo));
  scan_.Bind(2, static_cast<int64_t>(hi));
  StoredEventRow r;
  Status s;
  while (scan_.Step(&s)) {
    ReadRow(scan_, &r);
    row(r);
  }
  return s;
}

}  // namespace trail
