// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// Store: where events live. The one storage interface of trail (STYLE habit 2); SqliteStore
// is the embedded engine, PostgresStore the shared one. Both satisfy this contract:
//
// * Append() takes a batch of prepared events and calls `done` exactly once, from a store
//   thread, after the whole batch is durable (fsync'd/committed) or has been refused. A batch
//   is all-or-nothing. Events get contiguous `seq` in commit order, from 0. Concurrent
//   Append() calls share one transaction and one fsync (group commit); the number of events
//   accepted but not yet durable is bounded, past which Append() fails at once with
//   kResourceExhausted (HTTP 429). A multi-node store (PostgresStore) gives the seq shortly
//   after the commit instead (the integration delay): its acks then hold no seq (SPEC §3), Get
//   finds the event at once, and Query returns it once it has its seq.
// * Events carrying an idempotency key already stored are not stored again: their ack holds
//   the original id and seq and `replayed = true`.
// * Reads (Query, Get) see only durable events, never block the writer, and may run from any
//   number of threads at once. Query paging is stable under concurrent appends. A query
//   reads at most what its budget (Query::budget) allows, then answers a partial page.
// * Drain() stops accepting appends, commits everything accepted, and returns.
// All methods are thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/status.h"
#include "query/query.h"
#include "store/histogram.h"
#include "tlog/tiles.h"

namespace trail {

struct AccessFilter;  // query_executor.h
class KeyTable;       // key_table.h
class SessionTable;   // session_table.h

struct Ack {
  std::string id;
  std::optional<uint64_t> seq;
  bool replayed = false;
};

using AppendCallback = std::function<void(Status, std::vector<Ack>)>;

struct QueryPage {
  std::vector<Event> events;
  // Set when more matching events may exist: the next page continues strictly after this seq
  // (in the query's order). Without `partial` it is the last event returned.
  std::optional<uint64_t> next_after;
  uint64_t rows_examined = 0;  // candidate rows read, for plans and benchmarks
  // The query's budget (Query::budget) ran out before the page was full: `events` holds what
  // was found so far (maybe nothing) and next_after the last position examined, so the next
  // page resumes exactly where this scan stopped. Always makes progress: a partial page has
  // examined at least one row or one posting-list segment.
  bool partial = false;
};

struct StoreStats {
  uint64_t events = 0;       // next seq
  uint64_t queue_depth = 0;  // events accepted, not yet durable
  uint64_t commits = 0;
  uint64_t committed_events = 0;
  double last_commit_seconds = 0;
  // Wall clock of the last commit made durable (SQLite: the WAL's fdatasync succeeded;
  // PostgreSQL: this node's COMMIT succeeded) and of the last checkpoint this node signed and
  // published; 0: none since the process started.
  Micros last_durable_micros = 0;
  Micros last_checkpoint_micros = 0;
  uint64_t disk_bytes = 0;
  // A log shared by several nodes (PostgreSQL) only; `shared` is false for SQLite.
  bool shared = false;
  bool sequencer = false;       // this node assigns seq
  uint64_t pending_events = 0;  // committed, not yet sequenced (all nodes; approximate)
  // Commit → seq delay of the events this node sequenced since it started.
  uint64_t integration_events = 0;
  double integration_p50_seconds = 0, integration_p99_seconds = 0, integration_max_seconds = 0;
  double integration_sum_seconds = 0;
};

// Retention (SPEC §7). Pruning deletes an event's payload (subject, actor, ip, user agent,
// location, metadata, occurred_at, salt, personal_hash) and keeps seq, id, tag, recorded_at,
// body_hash and leaf_hash, so the Merkle tree still verifies (SPEC §5). Scrubbing drops ip,
// user agent, location and salt; personal_hash stays.
struct RetentionRule {
  std::string tag;
  Micros max_age = 0;  // events recorded before as_of - max_age are pruned
};

struct GcRequest {
  Micros as_of = 0;
  bool dry_run = false;
  std::vector<RetentionRule> rules;
  std::optional<Micros> personal_data;  // scrub ip/user agent of events older than this
  std::function<void(uint64_t pruned, uint64_t scrubbed)> progress;  // after each batch
};

struct GcResult {
  uint64_t pruned = 0;
  uint64_t scrubbed = 0;
};

struct RedactRequest {
  std::optional<std::string> subject;
  std::optional<std::string> actor;
};

// trail's record of its own administrative acts (SPEC §6): events whose tag begins "trail:".
// Redaction never touches them; retention only under an explicit `[retention]` entry.
inline bool IsTrailTag(std::string_view tag) { return tag.substr(0, 6) == "trail:"; }

struct RedactResult {
  uint64_t pruned = 0;
  uint64_t skipped = 0;  // matching trail:* events, kept (IsTrailTag)
};

// The latest signed checkpoint (SPEC §5): a C2SP signed note over (origin, size, root).
struct SignedCheckpoint {
  uint64_t size = 0;
  std::string root;  // 32 raw bytes
  std::string note;  // the signed note text, as GET /checkpoint serves it
};

class Store {
 public:
  virtual ~Store() = default;

  // The running event types, from which every read renders the events' descriptions
  // (DescribeEvent): a description is never stored, so no stored byte escapes the leaf hash.
  // Set once before serving; without it descriptions read as "".
  void SetTypes(const TypeSet* types) { types_ = types; }
  std::shared_ptr<const TypeRegistry> Types() const { return types_ ? types_->Get() : nullptr; }

  virtual void Append(std::vector<PreparedEvent> events, AppendCallback done) = 0;
  // Blocking convenience over Append().
  Result<std::vector<Ack>> AppendSync(std::vector<PreparedEvent> events);

  // `access` (may be null) restricts results further: viewer visibility (SPEC §6).
  virtual Result<QueryPage> Query(const trail::Query& q, const AccessFilter* access) = 0;
  virtual Result<std::optional<Event>> Get(std::string_view id) = 0;
  // Per-tag totals of stored events (exact across restarts).
  virtual Result<std::vector<std::pair<std::string, uint64_t>>> TagCounts() = 0;
  // Events matching `q` (and `access`) counted per recorded_at bucket of `bucket_micros`
  // (aligned to the Unix epoch) and tag prefix, ordered by (start, prefix); q's order, limit
  // and cursor are ignored. Only the newest `max_buckets` bucket starts are returned, each
  // exact. The default pages through Query() newest first within a budget of rows and time
  // (histogram.h): correct but slow, so when the budget runs out it leaves out the older
  // buckets and says so with a first, marker bucket {start, "", 0}: counted from `start` on.
  // Engines override it with something fast where they can.
  virtual Result<std::vector<HistogramBucket>> CountByTime(const trail::Query& q,
                                                           const AccessFilter* access,
                                                           Micros bucket_micros,
                                                           size_t max_buckets);

  // The API keys (key_table.h), which auth's KeyRing keeps here.
  virtual KeyTable& Keys() = 0;

  // Both work in bounded batches that interleave with ingest; both are idempotent.
  virtual Result<GcResult> CollectGarbage(const GcRequest& r) = 0;
  // Prunes the events of the subject or actor, except trail:* events, which it counts.
  virtual Result<RedactResult> Redact(const RedactRequest& r) = 0;

  // Integrity (SPEC §5). Null when the store signs no checkpoints (no signer configured).
  virtual std::optional<SignedCheckpoint> LatestCheckpoint() = 0;
  // A stored checkpoint of exactly this size, when one was kept.
  virtual Result<std::optional<std::string>> CheckpointNote(uint64_t size) = 0;
  // A read snapshot of the hash tiles (level 0: leaf hashes; level L: stored nodes).
  virtual std::unique_ptr<tlog::TileSource> Tiles() = 0;

  // Blocks until events past `end` are readable or `timeout_ms` passes; returns the
  // current end (one past the newest readable seq). For live tails (GET /v1/stream).
  virtual uint64_t WaitForEvents(uint64_t end, int timeout_ms) = 0;
  // One past the newest readable seq.
  virtual uint64_t ReadableEnd() = 0;

  // Web-viewer sessions shared by every node on the store (session_table.h): the PostgreSQL
  // store keeps them in a table, so a session opened on one node works on all of them and
  // signing out on one ends it everywhere. A store that does not share them (the embedded one:
  // one node) answers null, and the viewer keeps its sessions in memory.
  virtual SessionTable* SharedSessions() { return nullptr; }

  virtual StoreStats Stats() = 0;
  virtual bool Healthy() = 0;
  virtual void Drain() = 0;

 private:
  const TypeSet* types_ = nullptr;
};

}  // namespace trail
