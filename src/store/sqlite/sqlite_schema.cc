// The embedded store's schema (SPEC §4, `--store sqlite:PATH`): its tables and triggers, the
// version a file was written in (a file of another version is refused, never mixed), and the
// posting-segment size fixed when the file is created.
#include <string>

#include "store/sqlite/sqlite_internal.h"

namespace trail {
namespace {

// 2: leaf format 2 (SPEC §5): location, salt, personal_hash and body_hash columns. A store
// written in format 1 (schema 1; nothing was released with it) is refused, never mixed.
constexpr int kSchemaVersion = 2;

constexpr std::string_view kSchema = R"sql(
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

}  // namespace

Status InitSchema(sqlite::Db& db, const std::string& path, int* segment_bits) {
  TRAIL_RETURN_IF_ERROR(db.Exec(kSchema));
  {
    sqlite::Stmt v;
    TRAIL_RETURN_IF_ERROR(v.Prepare(db, "SELECT value FROM meta WHERE key='schema_version'"));
    Status s;
    if (v.Step(&s)) {
      const std::string have(v.Text(0));
      if (have == "1")
        return Status::Corruption(
            path +
            " was written in leaf format 1 (schema 1), which this trail does "
            "not read: its events were hashed without salt, personal_hash and body_hash (SPEC "
            "\u00a75). Start from an empty data directory.");
      if (have != std::to_string(kSchemaVersion))
        return Status::Corruption("schema version " + have + " is not supported");
    } else {
      TRAIL_RETURN_IF_ERROR(s);
      TRAIL_RETURN_IF_ERROR(db.Exec("INSERT INTO meta VALUES('schema_version','" +
                                    std::to_string(kSchemaVersion) + "')"));
    }
  }
  // The segment size is fixed when the store is created: posting rows depend on it.
  sqlite::Stmt v;
  TRAIL_RETURN_IF_ERROR(v.Prepare(db, "SELECT value FROM meta WHERE key='segment_bits'"));
  Status s;
  if (v.Step(&s)) {
    *segment_bits = std::stoi(std::string(v.Text(0)));
    return Status::Ok();
  }
  TRAIL_RETURN_IF_ERROR(s);
  return db.Exec("INSERT INTO meta VALUES('segment_bits','" + std::to_string(*segment_bits) + "')");
}

}  // namespace trail
