// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// The prepared statements of the embedded store: the writer's, for ingest (retention's are
// prepared on first use, sqlite_retention.cc), and each reader connection's.
#include <string>

#include "store/sqlite/sqlite_internal.h"

namespace trail {

Status SqliteStore::Writer::Prepare() {
  TRAIL_RETURN_IF_ERROR(begin.Prepare(db, "BEGIN IMMEDIATE"));
  TRAIL_RETURN_IF_ERROR(commit.Prepare(db, "COMMIT"));
  TRAIL_RETURN_IF_ERROR(rollback.Prepare(db, "ROLLBACK"));
  TRAIL_RETURN_IF_ERROR(insert.Prepare(
      db,
      "INSERT INTO events(seq, id, recorded_at, occurred_at, tag, subject, actor, ip, user_agent, "
      "location, metadata, salt, personal_hash, body_hash, leaf_hash) "
      "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
  TRAIL_RETURN_IF_ERROR(find_idem.Prepare(
      db, "SELECT i.seq, e.id FROM idempotency i JOIN events e ON e.seq = i.seq WHERE i.key = ?"));
  TRAIL_RETURN_IF_ERROR(insert_idem.Prepare(db, "INSERT INTO idempotency(key, seq) VALUES(?, ?)"));
  TRAIL_RETURN_IF_ERROR(find_id.Prepare(db, "SELECT 1 FROM events WHERE id = ?"));
  TRAIL_RETURN_IF_ERROR(count_tag.Prepare(db,
                                          "INSERT INTO tag_counts(tag, n) VALUES(?, ?) ON "
                                          "CONFLICT(tag) DO UPDATE SET n = n + excluded.n"));
  TRAIL_RETURN_IF_ERROR(
      count_hour.Prepare(db,
                         "INSERT INTO hour_counts(hour, prefix, n) VALUES(?, ?, ?) "
                         "ON CONFLICT(hour, prefix) DO UPDATE SET n = n + excluded.n"));
  TRAIL_RETURN_IF_ERROR(
      insert_posting.Prepare(db, "INSERT OR REPLACE INTO postings(seg, key, seqs) VALUES(?,?,?)"));
  TRAIL_RETURN_IF_ERROR(
      insert_node.Prepare(db, "INSERT INTO tree_nodes(level, idx, hash) VALUES(?,?,?)"));
  TRAIL_RETURN_IF_ERROR(put_meta.Prepare(db,
                                         "INSERT INTO meta(key, value) VALUES(?, ?) ON "
                                         "CONFLICT(key) DO UPDATE SET value = excluded.value"));
  TRAIL_RETURN_IF_ERROR(archive_checkpoint.Prepare(
      db, "INSERT OR IGNORE INTO checkpoints(size, note, signed_at) VALUES(?,?,?)"));
  TRAIL_RETURN_IF_ERROR(insert_segment.Prepare(
      db, "INSERT INTO segments(seg, first_seq, end_seq, sealed_at) VALUES(?,?,?,?)"));
  return Status::Ok();
}

Status SqliteStore::ReadConn::Open(const std::string& path) {
  TRAIL_RETURN_IF_ERROR(db.Open(path, true));
  TRAIL_RETURN_IF_ERROR(db.Exec("PRAGMA cache_size=-8192"));
  TRAIL_RETURN_IF_ERROR(begin.Prepare(db, "BEGIN"));
  TRAIL_RETURN_IF_ERROR(end.Prepare(db, "COMMIT"));
  std::string cols(kEventColumns);
  TRAIL_RETURN_IF_ERROR(by_seq.Prepare(db, "SELECT " + cols + " FROM events WHERE seq = ?"));
  TRAIL_RETURN_IF_ERROR(by_id.Prepare(db, "SELECT " + cols + " FROM events WHERE id = ?"));
  TRAIL_RETURN_IF_ERROR(recorded_at.Prepare(db, "SELECT recorded_at FROM events WHERE seq = ?"));
  TRAIL_RETURN_IF_ERROR(
      postings.Prepare(db, "SELECT seqs FROM postings WHERE seg = ? AND key = ?"));
  TRAIL_RETURN_IF_ERROR(scan_asc.Prepare(
      db, "SELECT " + cols + " FROM events WHERE seq >= ? AND seq < ? ORDER BY seq ASC"));
  TRAIL_RETURN_IF_ERROR(scan_desc.Prepare(
      db, "SELECT " + cols + " FROM events WHERE seq >= ? AND seq < ? ORDER BY seq DESC"));
  return Status::Ok();
}

}  // namespace trail
