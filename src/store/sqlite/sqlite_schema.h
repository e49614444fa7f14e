// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// The embedded store's file format: the tables of one SQLite database, as SqliteStore creates
// them (sqlite_schema.cc, InitSchema) and writes them, and as SqliteReader reads them
// (sqlite_reader.h). The one description of the schema; change it only with a new
// kSchemaVersion.
//
// events: one row per event, `seq` from 0 without gaps, append-only (triggers refuse DELETE
//   and any change of seq, id, tag, recorded_at, body_hash, leaf_hash). An empty metadata
//   object is stored as NULL, and occurred_at is NULL when it is the arrival time (reads give
//   recorded_at). Retention sets `pruned` or `scrubbed` and clears the fields it drops
//   (store.h, RetentionRule).
// meta: key/value text — schema_version, segment_bits (fixed at creation), origin (the log's
//   name), checkpoint (the latest signed note), tree (the compact range, base64),
//   hour_counts (present once the chart's counts are complete), gc:* (a retention run's
//   progress).
// tree_nodes: the Merkle tree's nodes at levels 8, 16, … (what hash tiles of level >= 1 serve).
// checkpoints: one signed checkpoint a minute, archived by size, for `trail verify`.
// postings, segments: the sealed posting lists (posting_index.h). tag_counts, hour_counts:
//   counts kept at commit. idempotency: keys to seqs. api_keys: the KeyTable's rows.
#pragma once

#include <string_view>

namespace trail::sqlite {

// 2: leaf format 2 (SPEC §5): location, salt, personal_hash and body_hash columns. A store
// written in format 1 (schema 1; nothing was released with it) is refused, never mixed.
inline constexpr int kSchemaVersion = 2;

inline constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events(
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL,
  recorded_at INTEGER NOT NULL,
  occurred_at INTEGER,
  tag TEXT NOT NULL,
  subject TEXT,
  actor TEXT,
  ip TEXT,
  user_agent TEXT,
  location TEXT,
  metadata TEXT,
  salt BLOB,
  personal_hash BLOB,
  body_hash BLOB NOT NULL,
  leaf_hash BLOB NOT NULL,
  pruned INTEGER NOT NULL DEFAULT 0,
  scrubbed INTEGER NOT NULL DEFAULT 0);
CREATE UNIQUE INDEX IF NOT EXISTS events_id ON events(id);
CREATE TABLE IF NOT EXISTS idempotency(key TEXT PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS postings(seg INTEGER NOT NULL, key BLOB NOT NULL, seqs BLOB NOT NULL,
  PRIMARY KEY(seg, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS segments(seg INTEGER PRIMARY KEY, first_seq INTEGER NOT NULL,
  end_seq INTEGER NOT NULL, sealed_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS tag_counts(tag TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS hour_counts(hour INTEGER NOT NULL, prefix TEXT NOT NULL, n INTEGER NOT NULL,
  PRIMARY KEY(hour, prefix)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tree_nodes(level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL,
  PRIMARY KEY(level, idx)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checkpoints(size INTEGER PRIMARY KEY, note TEXT NOT NULL, signed_at INTEGER NOT NULL);
CREATE TRIGGER IF NOT EXISTS events_append_only BEFORE DELETE ON events
  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER IF NOT EXISTS events_leaf_fixed BEFORE UPDATE OF seq, id, tag, recorded_at, body_hash, leaf_hash ON events
  BEGIN SELECT RAISE(ABORT, 'an event''s seq, id, tag, recorded_at, body_hash and leaf_hash never change'); END;
CREATE TABLE IF NOT EXISTS api_keys(id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL,
  hash BLOB NOT NULL UNIQUE, created_at INTEGER NOT NULL, revoked_at INTEGER);
)sql";

}  // namespace trail::sqlite
