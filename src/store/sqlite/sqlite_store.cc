// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// SqliteStore's life: opening a store (the writer's connection settings, the schema, the log's
// end, the open posting segments rebuilt from the events), its threads, API keys, stats and
// Drain. Its other jobs have files of their own (listed in sqlite_internal.h).
#include "store/sqlite/sqlite_store.h"

#include <sys/stat.h>

#include "core/restarting_loop.h"
#include "store/sqlite/sqlite_internal.h"

namespace trail {
namespace {

uint64_t FileSize(const std::string& path) {
  struct stat sb;
  return stat(path.c_str(), &sb) == 0 ? static_cast<uint64_t>(sb.st_size) : 0;
}

}  // namespace

SqliteStore::SqliteStore(const SqliteOptions& options)
    : opt_(options), queue_(options.queue_limit), index_(options.segment_bits) {}

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const SqliteOptions& options) {
  std::unique_ptr<SqliteStore> s(new SqliteStore(options));
  Status st = s->Init();
  if (!st.ok()) return st;
  s->thread_ = std::thread([p = s.get()] { RunRestarting("writer", [p] { p->WriterLoop(); }); });
  s->syncer_ = std::thread([p = s.get()] { RunRestarting("syncer", [p] { p->SyncerLoop(); }); });
  s->checkpointer_ =
      std::thread([p = s.get()] { RunRestarting("checkpointer", [p] { p->CheckpointerLoop(); }); });
  return s;
}

SqliteStore::~SqliteStore() { Drain(); }

Status SqliteStore::Init() {
  writer_ = std::make_unique<Writer>();
  auto& w = *writer_;
  TRAIL_RETURN_IF_ERROR(w.db.Open(opt_.path, false));
  // Incremental vacuum lets retention give pages back (effective on a new database only).
  TRAIL_RETURN_IF_ERROR(w.db.Exec("PRAGMA auto_vacuum=INCREMENTAL"));
  TRAIL_RETURN_IF_ERROR(w.db.Exec("PRAGMA journal_mode=WAL"));
  // Commits do not wait for the disk inside SQLite: the syncer thread fdatasyncs the WAL and
  // only then are they acknowledged (sqlite_sync.cc), so the writer commits the next group
  // while the previous one is being made durable. SQLite still syncs around checkpoints.
  TRAIL_RETURN_IF_ERROR(w.db.Exec("PRAGMA synchronous=NORMAL"));
  TRAIL_RETURN_IF_ERROR(w.db.Exec("PRAGMA cache_size=-32768"));
  // What retention deletes is overwritten with zeros where that costs no extra I/O (within
  // the pages being written anyway), so a pruned name or address does not linger in the file.
  TRAIL_RETURN_IF_ERROR(w.db.Exec("PRAGMA secure_delete=FAST"));
  // Statement journals and RETURNING's buffers stay in memory, not in temporary files.
  TRAIL_RETURN_IF_ERROR(w.db.Exec("PRAGMA temp_store=MEMORY"));
  // Checkpoints run on a thread of their own (sqlite_sync.cc), not in the writer's commits:
  // the writer only signals when the WAL has grown by kCheckpointPages.
  TRAIL_RETURN_IF_ERROR(w.db.Exec("PRAGMA wal_autocheckpoint=0"));
  sqlite3_wal_hook(w.db.get(), &SqliteStore::OnWalCommit, this);
  // After a checkpoint resets the WAL, truncate it to this size: a burst (a large GC) must
  // not leave a WAL file of its peak size behind.
  TRAIL_RETURN_IF_ERROR(w.db.Exec("PRAGMA journal_size_limit=67108864"));
  int segment_bits = opt_.segment_bits;
  TRAIL_RETURN_IF_ERROR(InitSchema(w.db, opt_.path, &segment_bits));
  index_.set_segment_bits(segment_bits);
  TRAIL_RETURN_IF_ERROR(w.Prepare());

  keys_db_ = std::make_unique<sqlite::Db>();
  TRAIL_RETURN_IF_ERROR(keys_db_->Open(opt_.path, false));

  // Where the log stands.
  sqlite::Stmt q;
  Status s;
  TRAIL_RETURN_IF_ERROR(
      q.Prepare(w.db, "SELECT seq, recorded_at FROM events ORDER BY seq DESC LIMIT 1"));
  if (q.Step(&s)) {
    next_seq_ = static_cast<uint64_t>(q.Int(0)) + 1;
    last_recorded_ = q.Int(1);
  }
  TRAIL_RETURN_IF_ERROR(s);
  sqlite::Stmt tc;
  TRAIL_RETURN_IF_ERROR(tc.Prepare(w.db, "SELECT tag, n FROM tag_counts"));
  while (tc.Step(&s)) tag_counts_[std::string(tc.Text(0))] = static_cast<uint64_t>(tc.Int(1));
  TRAIL_RETURN_IF_ERROR(s);
  stats_.events = next_seq_;
  TRAIL_RETURN_IF_ERROR(InitHourCounts());
  TRAIL_RETURN_IF_ERROR(RecoverIndex());
  return InitTree();
}

// Rebuilds the open segments of the posting index from the events table, sealing any
// segment that was complete when the process stopped.
Status SqliteStore::RecoverIndex() {
  auto& w = *writer_;
  sqlite::Stmt q;
  Status s;
  TRAIL_RETURN_IF_ERROR(q.Prepare(w.db, "SELECT COALESCE(MAX(seg) + 1, 0) FROM segments"));
  uint64_t first_open = 0;
  if (q.Step(&s)) first_open = static_cast<uint64_t>(q.Int(0));
  TRAIL_RETURN_IF_ERROR(s);
  index_.Reset(first_open);
  sqlite::Stmt scan;
  TRAIL_RETURN_IF_ERROR(scan.Prepare(
      w.db, "SELECT seq, tag, subject, actor, ip FROM events WHERE seq >= ? ORDER BY seq"));
  scan.Bind(1, static_cast<int64_t>(index_.SegmentStart(first_open)));
  std::vector<std::string> keys;
  uint64_t end = index_.SegmentStart(first_open);
  while (scan.Step(&s)) {
    uint64_t seq = static_cast<uint64_t>(scan.Int(0));
    IndexKeysOf(scan.Text(1), scan.Text(2), scan.Text(3), scan.Text(4), &keys);
    index_.Add(seq, keys);
    end = seq + 1;
  }
  TRAIL_RETURN_IF_ERROR(s);
  if (end != next_seq_)
    return Status::Corruption("events table has a gap before seq " + std::to_string(next_seq_));
  index_.Publish(end);
  return SealSegments(/*all=*/true);
}

Status SqliteStore::PutKey(const KeyRow& key) {
  std::lock_guard<std::mutex> l(keys_mu_);
  sqlite::Stmt st;
  TRAIL_RETURN_IF_ERROR(st.Prepare(
      *keys_db_, "INSERT INTO api_keys(id, name, role, hash, created_at) VALUES(?,?,?,?,?)"));
  st.Bind(1, key.id);
  st.Bind(2, key.name);
  st.Bind(3, key.role);
  st.BindBlob(4, key.hash);
  st.Bind(5, key.created_at);
  return st.Run();
}

Result<std::vector<KeyRow>> SqliteStore::ListKeys() {
  std::lock_guard<std::mutex> l(keys_mu_);
  sqlite::Stmt st;
  TRAIL_RETURN_IF_ERROR(st.Prepare(
      *keys_db_,
      "SELECT id, name, role, hash, created_at, revoked_at FROM api_keys ORDER BY created_at, id"));
  std::vector<KeyRow> out;
  Status s;
  while (st.Step(&s)) {
    KeyRow k;
    k.id = std::string(st.Text(0));
    k.name = std::string(st.Text(1));
    k.role = std::string(st.Text(2));
    k.hash = std::string(st.Blob(3));
    k.created_at = st.Int(4);
    if (!st.IsNull(5)) k.revoked_at = st.Int(5);
    out.push_back(std::move(k));
  }
  if (!s.ok()) return s;
  return out;
}

Status SqliteStore::RevokeKey(std::string_view id, Micros when) {
  std::lock_guard<std::mutex> l(keys_mu_);
  sqlite::Stmt st;
  TRAIL_RETURN_IF_ERROR(st.Prepare(
      *keys_db_, "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL"));
  st.Bind(1, when);
  st.Bind(2, id);
  TRAIL_RETURN_IF_ERROR(st.Run());
  if (sqlite3_changes(keys_db_->get()) == 0)
    return Status::NotFound("no active key " + std::string(id));
  return Status::Ok();
}

StoreStats SqliteStore::Stats() {
  StoreStats out;
  {
    std::lock_guard<std::mutex> l(stats_mu_);
    out = stats_;
  }
  out.queue_depth = queue_.pending();
  out.disk_bytes = FileSize(opt_.path) + FileSize(opt_.path + "-wal");
  return out;
}

bool SqliteStore::Healthy() { return healthy_.load() && !drained_.load(); }

void SqliteStore::Drain() {
  if (drained_.exchange(true)) return;
  queue_.Close();
  if (thread_.joinable()) thread_.join();  // acknowledges everything it committed
  {
    std::lock_guard<std::mutex> l(sync_mu_);
    sync_stop_ = true;
  }
  sync_cv_.notify_all();
  if (syncer_.joinable()) syncer_.join();
  if (checkpointer_.joinable()) checkpointer_.join();
  std::lock_guard<std::mutex> l(wal_mu_);
  if (wal_fd_ >= 0) close(wal_fd_);
  wal_fd_ = -1;
}

}  // namespace trail
