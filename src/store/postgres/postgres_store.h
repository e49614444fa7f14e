// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// PostgresStore: the shared engine (SPEC §4, `--store postgresql://…`): any number of
// `trail serve` nodes on one PostgreSQL 15+ database, with the guarantees of SqliteStore.
//
// Writes. Every node accepts appends. Its writer thread drains the AppendQueue and commits
// every waiting request in one transaction (group commit): idempotency keys and client ids
// are resolved under unique constraints, the new events are COPYed into `pending`
// (unsequenced, ordered by a bigserial `arrival`), and each request is acknowledged after
// COMMIT, with "seq": null (SPEC §3). Nothing is acknowledged before it is committed.
//
// Sequencing. Exactly one node at a time — the holder of a session advisory lock, taken over
// within a second when its session ends (a killed node's connection closes) — moves committed
// pending rows, in arrival order, into `events`: contiguous seq from max(seq)+1, a
// non-decreasing recorded_at, the leaf hash, the Merkle tree (nodes at levels 8, 16, … in
// `tree_nodes`, the compact range in `meta`), per-tag counts and, when the backlog is drained
// or a second has passed, a signed checkpoint — all in one transaction that also locks the
// tree row, so two sequencers could not interleave even without the advisory lock. It is
// woken by NOTIFY after every insert; the delay from insert to seq is measured
// (IntegrationDelay) and logged.
//
// Reads. Queries see sequenced events only, through ordinary B-tree indexes (subject, actor,
// ip, tag with seq; recorded_at), paged by seq like SqliteStore. A query first waits (briefly)
// until the events this node acknowledged before it are sequenced: a client reads its own
// writes; so does Get(), which also finds pending events (seq null) — another node's, or
// one still unsequenced after the wait. Each node learns the readable end and
// the latest checkpoint from NOTIFY (with polling as a fallback).
//
// Failures. A lost connection is kUnavailable (503) and is re-opened with backoff; Healthy()
// is false while the database cannot be reached. Thread-safe; see Store for the contract.
// API keys (KeyTable) and viewer sessions (SessionTable, shared by every node) live in tables
// of the same database (pg_query.cc).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "store/append_queue.h"
#include "store/checkpoint_keeper.h"
#include "store/key_table.h"
#include "store/session_table.h"
#include "store/store.h"
#include "tlog/note.h"
#include "tlog/tree.h"

namespace trail {

namespace pg {
class Backoff;
class PgConn;
class PgPool;
struct ConnectParams;
}  // namespace pg

struct PostgresOptions {
  std::string url;              // postgresql://…
  size_t queue_limit = 100000;  // events accepted but not yet durable
  size_t max_commit_events = 20000;
  size_t max_sequence_events = 5000;  // events per sequencing transaction
  // Backpressure: while more committed events than this wait for their seq, a node's writer
  // holds its next group back (up to 2 s), so the queue fills and clients get 429 rather than
  // an unbounded integration delay.
  size_t max_backlog = 5000;
  size_t pool_size = 8;  // connections for reads, keys and retention
  const Clock* clock = &SystemClock::Get();
  const tlog::NoteSigner* signer = nullptr;
  std::string origin;
  double checkpoint_interval_seconds = 1.0;
  // The node's kept checkpoint (SPEC §5; may be null): keeps what this node signs and the
  // newer checkpoints it sees that extend it; as sequencer it signs nothing unless the tree
  // extends it. Must outlive the store.
  CheckpointKeeper* keeper = nullptr;
  bool sequencer = true;  // take part in the sequencer election (tests may turn it off)
  std::function<void(const std::string&)> log;  // operational messages; default stderr
};

// Commit → seq delay of the events this node sequenced, in milliseconds.
struct IntegrationDelay {
  uint64_t events = 0;
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  double sum_ms = 0;
};

class PostgresStore final : public Store, public KeyTable, public SessionTable {
 public:
  static Result<std::unique_ptr<PostgresStore>> Open(const PostgresOptions& options);
  ~PostgresStore() override;

  void Append(std::vector<PreparedEvent> events, AppendCallback done) override;
  Result<QueryPage> Query(const trail::Query& q, const AccessFilter* access) override;
  Result<std::optional<Event>> Get(std::string_view id) override;
  Result<std::vector<std::pair<std::string, uint64_t>>> TagCounts() override;
  KeyTable& Keys() override { return *this; }
  Status PutKey(const KeyRow& key) override;
  Result<std::vector<KeyRow>> ListKeys() override;
  Status RevokeKey(std::string_view id, Micros when) override;
  uint64_t KeysGeneration() override { return keys_generation_.load(); }
  Result<GcResult> CollectGarbage(const GcRequest& r) override;
  Result<RedactResult> Redact(const RedactRequest& r) override;
  std::optional<SignedCheckpoint> LatestCheckpoint() override;
  Result<std::optional<std::string>> CheckpointNote(uint64_t size) override;
  std::unique_ptr<tlog::TileSource> Tiles() override;
  uint64_t WaitForEvents(uint64_t end, int timeout_ms) override;
  uint64_t ReadableEnd() override;
  SessionTable* SharedSessions() override { return this; }
  Status PutSession(std::string_view id_hash, const SessionRow& s,
                    size_t max_per_owner = 0) override;
  Result<std::optional<SessionRow>> GetSession(std::string_view id_hash) override;
  Status TouchSession(std::string_view id_hash, Micros last_used) override;
  Status DeleteSession(std::string_view id_hash) override;
  Result<uint64_t> DeleteIdleSessions(Micros before) override;
  StoreStats Stats() override;
  bool Healthy() override;
  void Drain() override;

  // True while this node is the sequencer.
  bool IsSequencer() const { return leader_.load(); }
  // Since start, over the events this node sequenced.
  IntegrationDelay Delay() const;
  // Waits until every event this node acknowledged is sequenced (or `timeout_ms` passes).
  bool WaitSequenced(int timeout_ms);

 private:
  struct DelayStats;
  class LeasedTiles;

  explicit PostgresStore(const PostgresOptions& options);
  Status Init();
  void Log(const std::string& msg) const;

  // pg_writer.cc — writer thread.
  void WriterLoop();
  void WaitForBacklog();
  Status CommitGroup(std::vector<AppendRequest>& group, std::vector<Status>* results,
                     std::vector<std::vector<Ack>>* acks, int64_t* max_arrival);
  Status CommitGroupOrDrop(std::vector<AppendRequest>& group, std::vector<Status>* results,
                           std::vector<std::vector<Ack>>* acks, int64_t* max_arrival);
  Status ResolveRequest(pg::PgConn& c, const AppendRequest& r, std::vector<char>* store,
                        std::vector<Ack>* acks, Status* refused);

  // pg_sequencer.cc — sequencer thread.
  void SequencerLoop();
  Status TryLead();
  Status LoadTree();
  Result<size_t> SequenceBatch(bool final_pass);
  Status PublishSequenced(uint64_t end, const std::optional<SignedCheckpoint>& cp, int64_t arrival);
  Status CheckKept();  // Ok when the tree extends the keeper's checkpoint (or there is none)

  // pg_listener.cc — listener thread and read-your-writes.
  void ListenerLoop();
  Status Refresh(pg::PgConn& c, bool with_size);
  void NoteEnd(uint64_t end);
  void NoteCheckpoint(const std::string& note);
  // A checkpoint read from the database: kept when it extends the kept one (tiles through c).
  void SeeCheckpoint(pg::PgConn& c, const std::string& note);
  void WaitOwnWrites(int timeout_ms);

  // pg_retention.cc
  Status PruneBatches(pg::PgConn& c, const std::string& where,
                      const std::vector<std::optional<std::string>>& params, bool dry_run,
                      const std::function<void(uint64_t)>& progress, uint64_t* count);

  PostgresOptions opt_;
  std::unique_ptr<pg::ConnectParams> params_;
  std::unique_ptr<pg::PgPool> pool_;
  AppendQueue queue_;
  std::atomic<bool> drained_{false};

  // Writer thread.
  std::thread writer_thread_;
  std::unique_ptr<pg::PgConn> writer_conn_;
  std::unique_ptr<pg::Backoff> writer_backoff_;

  // Sequencer thread.
  std::thread sequencer_thread_;
  std::atomic<bool> sequencer_stop_{false};
  std::atomic<bool> leader_{false};
  std::unique_ptr<pg::PgConn> seq_conn_;
  tlog::CompactRange tree_;
  uint64_t next_seq_ = 0;
  Micros last_recorded_ = 0;
  bool took_rows_ = false;  // the last sequencing transaction took pending rows
  uint64_t signed_size_ = 0;
  bool have_signed_ = false;
  std::optional<SignedCheckpoint> kept_checked_;  // a kept checkpoint the tree extends
  std::chrono::steady_clock::time_point last_signed_{};
  Micros last_archived_ = 0;
  std::unique_ptr<DelayStats> delay_;
  mutable std::mutex delay_mu_;

  // Listener thread and what every node knows about the log.
  std::thread listener_thread_;
  std::atomic<bool> listener_stop_{false};
  std::atomic<bool> db_ok_{true};
  std::atomic<uint64_t> readable_end_{0};
  std::atomic<uint64_t> keys_generation_{0};   // bumped by kKeysChannel and by every reconnect
  std::atomic<int64_t> acked_arrival_{0};      // highest arrival this node acknowledged
  std::atomic<int64_t> caught_up_arrival_{0};  // every arrival up to here is sequenced
  std::atomic<int64_t> sequenced_arrival_{0};  // the sequencer's progress (approximate)
  std::atomic<int64_t> last_arrival_{0};       // the highest arrival numbered, by any node (as of
                                               // the last refresh, or this node's own commit)
  std::mutex end_mu_;
  std::condition_variable end_cv_;
  std::mutex cp_mu_;
  std::optional<SignedCheckpoint> latest_;

  std::mutex stats_mu_;
  StoreStats stats_;
};

}  // namespace trail
