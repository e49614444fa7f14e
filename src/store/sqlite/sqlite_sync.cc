// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// The embedded store's durability pipeline.
//
// The writer commits each group with synchronous=NORMAL: SQLite appends the frames to the WAL
// without waiting for the disk, and the writer goes on with the next group at once. The syncer
// thread calls fdatasync on the WAL file, which makes every frame written before the call
// durable; it then hands a completion to the writer, which publishes the commits that sync
// covers (posting index, signed checkpoint, tag counts) and acknowledges them, in commit
// order. So an acknowledgement still means "on disk", a checkpoint is served only over
// durable events (a power cut can never roll the log back below a published checkpoint), and
// one fdatasync covers every group written while the previous one was syncing. SQLite's own
// checkpoints sync the WAL before copying it into the database and the database after, so
// restarting the WAL never drops a durable commit.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "store/sqlite/sqlite_internal.h"

namespace trail {

Status SqliteStore::SyncWal() {
  std::lock_guard<std::mutex> l(wal_mu_);
  const std::string wal = opt_.path + "-wal";
  // SQLite keeps one WAL file while any connection is open (journal_size_limit truncates it in
  // place); should it ever be replaced, follow it by inode.
  struct stat sb;
  if (stat(wal.c_str(), &sb) != 0)
    return Status::IoError("stat " + wal + ": " + std::strerror(errno));
  if (wal_fd_ < 0 || wal_ino_ != static_cast<uint64_t>(sb.st_ino)) {
    if (wal_fd_ >= 0) close(wal_fd_);
    wal_fd_ = open(wal.c_str(), O_RDONLY | O_CLOEXEC);
    if (wal_fd_ < 0) return Status::IoError("open " + wal + ": " + std::strerror(errno));
    wal_ino_ = static_cast<uint64_t>(sb.st_ino);
  }
  if (opt_.before_wal_sync) opt_.before_wal_sync();
  if (fdatasync(wal_fd_) != 0)
    return Status::IoError("fdatasync " + wal + ": " + std::strerror(errno));
  return Status::Ok();
}

void SqliteStore::SyncerLoop() {
  while (true) {
    uint64_t target;
    {
      std::unique_lock<std::mutex> l(sync_mu_);
      sync_cv_.wait(l, [&] { return sync_stop_ || sync_requested_ > synced_; });
      if (sync_requested_ <= synced_) return;  // stopping, nothing left to sync
      target = sync_requested_;
    }
    Status s = SyncWal();
    {
      std::lock_guard<std::mutex> l(sync_mu_);
      if (!s.ok() && sync_error_.ok()) sync_error_ = s;
      synced_ = std::max(synced_, target);
    }
    if (s.ok()) {
      std::lock_guard<std::mutex> l(stats_mu_);
      stats_.last_durable_micros = opt_.clock->NowMicros();
    }
    queue_.PushCompletion([this] { CompleteSynced(); });
  }
}

void SqliteStore::CompleteSynced() {
  uint64_t done;
  Status error;
  {
    std::lock_guard<std::mutex> l(sync_mu_);
    done = synced_;
    error = sync_error_;
  }
  bool published = false;
  while (!unsynced_.empty() && unsynced_.front().id <= done) {
    Unsynced u = std::move(unsynced_.front());
    unsynced_.pop_front();
    if (error.ok()) {
      Publish(u.pub);
      published = true;
      std::lock_guard<std::mutex> l(stats_mu_);
      stats_.committed_events += u.events;
      stats_.events = u.pub.end_seq;
    } else {
      // The disk refused the sync: these commits may not survive a power cut. Refuse them (a
      // client retries with its idempotency key) and report the store unhealthy.
      healthy_.store(false);
    }
    queue_.Release(u.events);
    for (size_t i = 0; i < u.group.size(); ++i) {
      if (!error.ok()) {
        u.group[i].done(
            Status::Unavailable("the write could not be made durable: " + error.message()), {});
      } else {
        u.group[i].done(u.results[i],
                        u.results[i].ok() ? std::move(u.acks[i]) : std::vector<Ack>{});
      }
    }
  }
  if (published) {
    Status seal = SealSegments();
    (void)seal;  // a failed seal is retried after the next commit; reads use memory meanwhile
  }
}

namespace {
constexpr int kCheckpointPages = 4000;         // 16 MB of WAL: the checkpointer copies it
constexpr int kWriterCheckpointPages = 16000;  // 64 MB: the writer finishes the job itself
}  // namespace

// Called on the writer after each commit. A checkpoint that runs while the writer keeps
// appending never reaches the end of the WAL, and SQLite restarts the WAL only after one has;
// so past kWriterCheckpointPages the writer checkpoints itself (what SQLite's auto-checkpoint
// does after every commit), copying what little the checkpointer left, and the WAL restarts.
int SqliteStore::OnWalCommit(void* self, sqlite3* db, const char*, int wal_pages) {
  auto* store = static_cast<SqliteStore*>(self);
  if (wal_pages >= kWriterCheckpointPages) {
    int log = 0, done = 0;
    sqlite3_wal_checkpoint_v2(db, "main", SQLITE_CHECKPOINT_PASSIVE, &log, &done);
    store->checkpoints_++;
  } else if (wal_pages >= kCheckpointPages) {
    {
      std::lock_guard<std::mutex> l(store->sync_mu_);
      store->checkpoint_wanted_ = true;
    }
    store->sync_cv_.notify_all();
  }
  return SQLITE_OK;
}

// Copies the WAL into the database while the writer goes on (a PASSIVE checkpoint takes no
// lock the writer needs; it copies what no reader still uses). The writer restarts the WAL at
// its next commit once a checkpoint has copied all of it.
void SqliteStore::CheckpointerLoop() {
  sqlite::Db db;
  Status s = db.Open(opt_.path, false);
  if (s.ok()) s = db.Exec("PRAGMA synchronous=NORMAL");
  while (true) {
    {
      std::unique_lock<std::mutex> l(sync_mu_);
      sync_cv_.wait(l, [&] { return sync_stop_ || checkpoint_wanted_; });
      if (sync_stop_) return;
      checkpoint_wanted_ = false;
    }
    if (!s.ok()) continue;  // no connection: the WAL grows; Healthy() reports the store as is
    int log = 0, done = 0;
    sqlite3_wal_checkpoint_v2(db.get(), "main", SQLITE_CHECKPOINT_PASSIVE, &log, &done);
    checkpoints_++;
  }
}

void SqliteStore::SyncAndCompleteAll() {
  if (unsynced_.empty()) return;
  Status s = SyncWal();
  {
    std::lock_guard<std::mutex> l(sync_mu_);
    if (!s.ok() && sync_error_.ok()) sync_error_ = s;
    synced_ = std::max(synced_, last_commit_id_);
  }
  CompleteSynced();
}

}  // namespace trail
