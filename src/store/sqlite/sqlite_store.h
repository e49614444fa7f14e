// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// SqliteStore: the embedded engine (SPEC §4, `--store sqlite:PATH`).
//
// One SQLite database in WAL mode. A single writer thread drains the AppendQueue: every
// request waiting at that moment joins one transaction (group commit); a syncer thread
// fdatasyncs the WAL and each request is acknowledged only after the sync that covers its
// commit (sqlite_sync.cc); checkpoints run on a thread of their own. Reads use a pool of
// separate read-only connections and never wait for the writer (WAL snapshots).
// Secondary indexes are PostingIndex segments (see posting_index.h); the events table is the
// truth and the open segments are rebuilt from it at Open().
// Thread-safe; see Store for the contract. Keeps API keys (KeyTable) in its `api_keys` table;
// viewer sessions are not shared (one node), so SharedSessions() is null.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/clock.h"
#include "store/append_queue.h"
#include "store/checkpoint_keeper.h"
#include "store/key_table.h"
#include "store/posting_index.h"
#include "store/sqlite/db.h"
#include "store/store.h"
#include "tlog/note.h"
#include "tlog/tile_cache.h"
#include "tlog/tree.h"

namespace trail {

struct SqliteOptions {
  std::string path;
  int segment_bits = 16;        // 65,536 events per posting segment
  size_t queue_limit = 100000;  // events accepted but not yet durable
  size_t max_commit_events = 20000;
  const Clock* clock = &SystemClock::Get();
  // Checkpoints (SPEC §5): signed with this key, origin = the log's name. Without a signer
  // the tree is still maintained, but nothing is signed.
  const tlog::NoteSigner* signer = nullptr;
  std::string origin;
  double checkpoint_interval_seconds = 1.0;  // under continuous load, at most this often
  // The node's kept checkpoint (SPEC §5; may be null): nothing is signed unless the tree
  // extends it, and every checkpoint signed is kept in it once durable. Must outlive the store.
  CheckpointKeeper* keeper = nullptr;
  // The part of the writer a GC or redaction takes while requests wait behind it: after a
  // batch that requests queued behind, it sleeps (1 - share) / share times the batch's length.
  double gc_writer_share = 0.2;
  // Benchmarks only (the baseline of the tree's ingest cost): false skips the tree, its tiles
  // and checkpoints at commit. Leaf hashes are still computed and stored. A store written so
  // has no usable tree; trail itself always keeps it.
  bool maintain_tree = true;
  // Tests only: called on the syncer thread before each fdatasync of the WAL (to hold a
  // commit between "written" and "durable" and check nothing is acknowledged or visible).
  std::function<void()> before_wal_sync;
};

class SqliteStore final : public Store, public KeyTable {
 public:
  static constexpr size_t kTileCacheTiles = 2048;  // full tiles kept in memory: at most 16 MiB

  static Result<std::unique_ptr<SqliteStore>> Open(const SqliteOptions& options);
  ~SqliteStore() override;

  void Append(std::vector<PreparedEvent> events, AppendCallback done) override;
  Result<QueryPage> Query(const trail::Query& q, const AccessFilter* access) override;
  Result<std::optional<Event>> Get(std::string_view id) override;
  Result<std::vector<std::pair<std::string, uint64_t>>> TagCounts() override;
  // Fast path from hour_counts, pre-aggregated at commit (sqlite_histogram.cc).
  Result<std::vector<HistogramBucket>> CountByTime(const trail::Query& q,
                                                   const AccessFilter* access, Micros bucket_micros,
                                                   size_t max_buckets) override;
  KeyTable& Keys() override { return *this; }
  Status PutKey(const KeyRow& key) override;
  Result<std::vector<KeyRow>> ListKeys() override;
  Status RevokeKey(std::string_view id, Micros when) override;
  Result<GcResult> CollectGarbage(const GcRequest& r) override;
  Result<RedactResult> Redact(const RedactRequest& r) override;
  std::optional<SignedCheckpoint> LatestCheckpoint() override;
  Result<std::optional<std::string>> CheckpointNote(uint64_t size) override;
  std::unique_ptr<tlog::TileSource> Tiles() override;
  uint64_t WaitForEvents(uint64_t end, int timeout_ms) override;
  uint64_t ReadableEnd() override;
  StoreStats Stats() override;
  bool Healthy() override;
  void Drain() override;

  const PostingIndex& index() const { return index_; }

 private:
  friend struct SqliteStoreGcAccess;
  struct Writer;
  struct ReadConn;
  class Source;

  explicit SqliteStore(const SqliteOptions& options);
  Status Init();
  Status RecoverIndex();
  Status InitHourCounts();
  void WriterLoop();
  void CommitAndHandOff(std::vector<AppendRequest>& group, std::vector<Status>& results,
                        std::vector<std::vector<Ack>>& acks);
  // What a commit makes visible once it is durable (Publish, on the writer thread).
  struct Publication {
    std::vector<std::pair<uint64_t, const PreparedEvent*>> added;  // into the group's requests
    uint64_t end_seq = 0;
    std::map<std::string, uint64_t> tag_delta;
    std::optional<SignedCheckpoint> checkpoint;
  };
  Status CommitGroup(std::vector<AppendRequest>& group, std::vector<Status>* results,
                     std::vector<std::vector<Ack>>* acks, Publication* pub);
  class GroupCommit;  // CommitGroup's steps (sqlite_writer.cc)
  // The durability pipeline (sqlite_sync.cc). The writer commits with synchronous=NORMAL and
  // goes on with the next group; the syncer thread fdatasyncs the WAL, and only then are the
  // commits it covers published (index, checkpoint) and acknowledged, in commit order.
  struct Unsynced {
    uint64_t id = 0;
    std::vector<AppendRequest> group;
    std::vector<Status> results;
    std::vector<std::vector<Ack>> acks;
    Publication pub;
    size_t events = 0;
  };
  void SyncerLoop();
  Status SyncWal();
  void Publish(Publication& pub);
  void CompleteSynced();  // writer thread: acknowledges every commit the syncer has made durable
  void SyncAndCompleteAll();  // writer thread: fdatasync now and acknowledge everything
  // WAL checkpoints on their own thread and connection (PASSIVE: they never block the writer).
  static int OnWalCommit(void* self, sqlite3* db, const char* name, int wal_pages);
  void CheckpointerLoop();
  // Writes the posting lists of complete segments. Sealing a segment is split into chunks of
  // rows, one chunk per call (one transaction each), so that ingest commits interleave with it;
  // `all` finishes every complete segment at once (start-up).
  Status SealSegments(bool all = false);
  // Tree and checkpoints (sqlite_tree.cc). Writer thread only, inside its transaction.
  Status InitTree();
  Status ExtendTree(const std::string& leaf_hash);
  Status SaveTree(bool sign);
  Result<SignedCheckpoint> SignCheckpoint();
  Status CheckKept();  // Ok when the tree extends the keeper's checkpoint (or there is none)
  void PublishCheckpoint();
  Status SignFinalCheckpoint();
  class TileReader;
  // Runs fn on the writer thread between commits and waits for it.
  Status OnWriter(const std::function<Status()>& fn);
  // Calls fn with `seqs` in consecutive retention batches, each on the writer through fn:
  // fewer rows per batch while requests queue behind the batches.
  Status ForEachGcBatch(const std::vector<uint64_t>& seqs,
                        const std::function<Status(const std::vector<uint64_t>&)>& fn);
  void ForgetInMemory(const std::map<std::string, std::vector<uint64_t>>& gone);
  Status PruneSeqs(const std::vector<uint64_t>& seqs, bool dry_run, const std::string* subject,
                   const std::string* actor, const std::string* tag, uint64_t* count);
  Result<std::vector<uint64_t>> SeqsOfKey(const std::string& key, uint64_t lo, uint64_t hi);
  std::unique_ptr<ReadConn> AcquireReader(Status* s);
  void ReleaseReader(std::unique_ptr<ReadConn> r);

  SqliteOptions opt_;
  std::unique_ptr<Writer> writer_;
  AppendQueue queue_;
  PostingIndex index_;
  std::thread thread_;
  std::atomic<bool> drained_{false};
  std::atomic<bool> gc_contended_{false};  // requests queued behind the last retention batch

  std::mutex readers_mu_;
  std::vector<std::unique_ptr<ReadConn>> readers_;

  std::mutex keys_mu_;  // key writes use their own connection
  std::unique_ptr<sqlite::Db> keys_db_;

  std::mutex stats_mu_;
  std::map<std::string, uint64_t> tag_counts_;
  StoreStats stats_;
  uint64_t next_seq_ = 0;     // writer thread only
  Micros last_recorded_ = 0;  // writer thread only
  std::atomic<bool> healthy_{true};

  tlog::CompactRange tree_;  // writer thread only
  struct SealInProgress {
    uint64_t seg = 0;
    std::vector<const std::pair<const std::string, std::vector<uint64_t>>*> rows;  // sorted by key
    size_t next = 0;
  };
  std::optional<SealInProgress> seal_;              // writer thread only
  std::optional<SignedCheckpoint> signed_pending_;  // signed in the open transaction
  std::optional<SignedCheckpoint> kept_checked_;    // a kept checkpoint the tree extends (writer)
  std::chrono::steady_clock::time_point last_signed_{};
  Micros last_archived_ = 0;
  std::mutex cp_mu_;
  std::mutex commit_mu_;
  std::condition_variable commit_cv_;
  std::optional<SignedCheckpoint> latest_;
  std::deque<Unsynced> unsynced_;  // writer thread only
  uint64_t last_commit_id_ = 0;    // writer thread only
  std::mutex sync_mu_;
  std::condition_variable sync_cv_;
  uint64_t sync_requested_ = 0, synced_ = 0;  // commit ids
  Status sync_error_;
  bool sync_stop_ = false;
  std::thread syncer_;
  std::thread checkpointer_;
  bool checkpoint_wanted_ = false;  // under sync_mu_; sync_stop_ ends the checkpointer too
  std::atomic<uint64_t> checkpoints_{0};
  std::mutex wal_mu_;  // the WAL file descriptor
  int wal_fd_ = -1;
  uint64_t wal_ino_ = 0;
  tlog::TileCache tile_cache_{kTileCacheTiles};
};

}  // namespace trail
