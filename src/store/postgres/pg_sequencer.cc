// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// The sequencer: exactly one node at a time assigns seq, extends the Merkle tree and signs
// checkpoints (SPEC §4, §5).
//
// Election: every node's sequencer thread holds its own session and asks for a session
// advisory lock (pg_try_advisory_lock) every half second. The holder stays sequencer until
// its session ends — a node that exits, is killed or loses its network closes it, and
// PostgreSQL releases the lock — so another node takes over within about a second. Every
// sequencing transaction also runs on that session and locks the `tree` row of `meta` and
// checks it still holds the range this node extended: even a second sequencer could only
// wait, see a different tree and reload, never fork the log.
//
// Taking over: the new sequencer reloads the tree from the database (compact range in `meta`,
// max(seq) and its recorded_at) and refuses the role if the tree does not extend the last
// signed checkpoint (the same rule as sqlite_tree.cc), so two inconsistent checkpoints are
// never signed.
//
// Each batch, in one transaction: DELETE … RETURNING up to max_sequence_events pending rows
// (oldest arrival first), give them seq next_seq…, recorded_at = max(clock, previous), compute
// leaf hashes (core/leaf.h: the body when the node could not, then the leaf), COPY them into
// `events`, store the tree nodes completed at levels 8, 16, …, bump tag_counts, save the range,
// sign a checkpoint when the backlog is drained or a second has passed, NOTIFY "<end> <checkpoint
// size> <last arrival>" to every node, and COMMIT. A failed batch is rolled back in memory too.
#include <map>
#include <numeric>

#include "core/codec.h"
#include "core/leaf.h"
#include "store/postgres/pg_internal.h"

namespace trail {

using pg::Num;
using pg::PgConn;

namespace {

constexpr Micros kArchiveEvery = 60LL * 1000000;

// The sequencer vacuums `pending` itself, at most every second once this many rows left it.
// Every batch finds the oldest rows by walking the arrival index from its start, over the
// entries of every row deleted since the last vacuum: autovacuum visits a database once a
// minute (autovacuum_naptime), by when a busy log has left a million of them, and small
// batches (single-event load) spent most of their DELETE stepping over them.
constexpr uint64_t kVacuumRows = 10000;
constexpr auto kVacuumEvery = std::chrono::seconds(1);

void SleepUnless(const std::atomic<bool>& stop, std::chrono::milliseconds d) {
  const auto until = std::chrono::steady_clock::now() + d;
  while (!stop.load() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

}  // namespace

void PostgresStore::SequencerLoop() {
  pg::Backoff backoff;
  pg::ConnectParams p = *params_;
  p.application_name = "trail sequencer";
  std::optional<std::chrono::steady_clock::time_point> final_deadline;
  std::string last_error;
  uint64_t unvacuumed = 0;  // rows taken from `pending` since its last vacuum here
  auto last_vacuum = std::chrono::steady_clock::now();
  auto report = [&](const Status& s) {
    if (s.ToString() != last_error) Log("sequencer: " + s.ToString());
    last_error = s.ToString();
  };
  while (true) {
    const bool stopping = sequencer_stop_.load();
    // Draining: finish what is pending (bounded, to stay within SIGTERM's 10 s).
    if (stopping && !final_deadline)
      final_deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
    if (seq_conn_ && !seq_conn_->ok()) {
      if (leader_) Log("sequencer: lost the database session; another node may take over");
      leader_ = false;
      seq_conn_.reset();
    }
    if (stopping && (!leader_ || std::chrono::steady_clock::now() > *final_deadline)) break;
    if (!seq_conn_) {
      if (!backoff.Ready()) {
        SleepUnless(sequencer_stop_, std::chrono::milliseconds(50));
        continue;
      }
      auto c = PgConn::Connect(p);
      if (!c.ok()) {
        backoff.Failed();
        continue;
      }
      backoff.Succeeded();
      seq_conn_ = std::move(c.value());
    }
    if (!leader_) {
      Status s = TryLead();
      if (!s.ok()) report(s);
      if (!leader_) {
        SleepUnless(sequencer_stop_, std::chrono::milliseconds(500));
        continue;
      }
    }
    auto n = SequenceBatch(stopping);
    if (!n.ok()) {
      report(n.status());
      // Memory was rolled back with the transaction; if the database moved under us, reload.
      if (seq_conn_->ok() && n.status().code() == Code::kCorruption) {
        if (Status s = LoadTree(); !s.ok()) {
          report(s);
          seq_conn_.reset();  // give the role up: ending the session releases the lock
          leader_ = false;
        }
      }
      SleepUnless(sequencer_stop_, std::chrono::milliseconds(200));
      continue;
    }
    last_error.clear();
    unvacuumed += *n;
    if (unvacuumed >= kVacuumRows && !stopping &&
        std::chrono::steady_clock::now() - last_vacuum >= kVacuumEvery) {
      // Between transactions, on this session; SKIP_LOCKED: never wait for an autovacuum.
      if (Status s = seq_conn_->Exec("VACUUM (SKIP_LOCKED) pending"); !s.ok()) report(s);
      unvacuumed = 0;
      last_vacuum = std::chrono::steady_clock::now();
    }
    {
      std::lock_guard<std::mutex> l(delay_mu_);
      std::string line = delay_->TakeWindowLine(std::chrono::seconds(60));
      if (!line.empty()) Log("sequencer: " + line);
    }
    if (*n >= opt_.max_sequence_events) continue;  // more is waiting
    if (stopping) {
      if (*n == 0) break;
      continue;
    }
    bool woken = false;
    Status s =
        seq_conn_->DrainNotifications([&](std::string_view, std::string_view) { woken = true; });
    if (s.ok() && !woken) {
      seq_conn_->WaitReadable(200);  // a NOTIFY from any node's commit, or poll again
      seq_conn_->DrainNotifications([](std::string_view, std::string_view) {});
    }
  }
  if (leader_) {
    const IntegrationDelay d = Delay();
    char line[240];
    std::snprintf(
        line, sizeof line,
        "sequencer: handing over at log size %llu; sequenced %llu events here, integration delay "
        "p50 %.1f ms, p99 %.1f ms, max %.1f ms",
        static_cast<unsigned long long>(next_seq_), static_cast<unsigned long long>(d.events),
        d.p50_ms, d.p99_ms, d.max_ms);
    Log(line);
  }
  seq_conn_.reset();  // ends the session and with it the lock
  leader_ = false;
}

Status PostgresStore::TryLead() {
  auto r = seq_conn_->Query("SELECT pg_try_advisory_lock(" + Num(pg::kSequencerLock) + ")");
  if (!r.ok()) return r.status();
  if (!r->Bool(0, 0)) return Status::Ok();
  Status s = seq_conn_->Exec(std::string("LISTEN ") + pg::kPendingChannel);
  if (s.ok()) s = LoadTree();
  if (!s.ok()) {
    if (seq_conn_->ok())
      seq_conn_->Exec("SELECT pg_advisory_unlock(" + Num(pg::kSequencerLock) + ")");
    return s;
  }
  leader_ = true;
  Log("sequencer: this node now assigns seq (log size " + std::to_string(next_seq_) + ")");
  return Status::Ok();
}

Status PostgresStore::LoadTree() {
  PgConn& c = *seq_conn_;
  auto tree = pg::ReadMeta(c, "tree");
  if (!tree.ok()) return tree.status();
  auto cp = pg::ReadMeta(c, "checkpoint");
  if (!cp.ok()) return cp.status();
  auto last = c.Query("SELECT seq, recorded_at FROM events ORDER BY seq DESC LIMIT 1");
  if (!last.ok()) return last.status();
  tree_ = tlog::CompactRange();
  next_seq_ = 0;
  last_recorded_ = 0;
  if (last->rows() > 0) {
    next_seq_ = static_cast<uint64_t>(last->Int(0, 0)) + 1;
    last_recorded_ = last->Int(0, 1);
  }
  if (*tree) {
    auto bytes = Base64Decode(**tree);
    if (!bytes) return Status::Corruption("meta.tree is not base64");
    auto range = tlog::CompactRange::Parse(*bytes);
    if (!range.ok()) return range.status();
    tree_ = std::move(range.value());
  }
  if (tree_.size() != next_seq_)
    return Status::Corruption("the Merkle tree covers " + std::to_string(tree_.size()) +
                              " events, the log holds " + std::to_string(next_seq_));
  have_signed_ = false;
  signed_size_ = 0;
  if (*cp) {
    auto sep = (*cp)->find("\n\n");
    auto body = tlog::ParseCheckpoint(sep == std::string::npos ? **cp : (*cp)->substr(0, sep + 1));
    if (!body.ok())
      return Status::Corruption("the last checkpoint cannot be parsed: " + body.status().message());
    if (body->size > tree_.size())
      return Status::Corruption(
          "the stored tree (" + std::to_string(tree_.size()) +
          " leaves) is older than the last signed checkpoint (" + std::to_string(body->size) +
          "): refusing to sequence rather than sign an inconsistent checkpoint");
    pg::PgTiles tiles(c);
    auto root = tlog::RootAt(body->size, tiles);
    if (!root.ok()) return root.status();
    if (*root != body->root)
      return Status::Corruption("the tree's root at size " + std::to_string(body->size) +
                                " differs from the last signed checkpoint");
    have_signed_ = true;
    signed_size_ = body->size;
    NoteCheckpoint(**cp);
    SeeCheckpoint(c, **cp);
  }
  kept_checked_.reset();  // a reloaded tree is checked against the kept checkpoint afresh
  if (Status s = CheckKept(); !s.ok())
    Log("sequencer: events are sequenced but not signed until an operator accepts the restore "
        "(trail serve --accept-restore)");
  last_signed_ = {};
  NoteEnd(next_seq_);
  return Status::Ok();
}

Result<size_t> PostgresStore::SequenceBatch(bool final_pass) {
  PgConn& c = *seq_conn_;
  const tlog::CompactRange start_tree = tree_;
  const uint64_t start_seq = next_seq_;
  const Micros start_recorded = last_recorded_;
  auto fail = [&](Status s) -> Status {
    took_rows_ = false;
    if (c.ok()) c.Exec("ROLLBACK");
    tree_ = start_tree;
    next_seq_ = start_seq;
    last_recorded_ = start_recorded;
    return s;
  };
  const bool can_sign = opt_.signer && !opt_.origin.empty();
  const bool unsigned_tail =
      can_sign && tree_.size() > 0 && (!have_signed_ || signed_size_ < tree_.size());
  if (!unsigned_tail && !took_rows_) {
    // Idle polls stay read-only: no transaction, no row lock, no WAL. (Right after a batch
    // that took rows, more are likely waiting: straight to the transaction.)
    // An index probe whatever the statistics say (a seq scan would read every dead row
    // version left since the last vacuum).
    auto any = c.Prepared("s_any", "SELECT arrival FROM pending ORDER BY arrival LIMIT 1", {});
    if (!any.ok()) return any.status();
    if (any->rows() == 0) return static_cast<size_t>(0);
  }
  TRAIL_RETURN_IF_ERROR(c.Exec("BEGIN"));
  auto stored = c.Prepared("s_tree", "SELECT value FROM meta WHERE key = 'tree' FOR UPDATE", {});
  if (!stored.ok()) return fail(stored.status());
  if (stored->rows() != 1 || stored->Text(0, 0) != Base64Encode(tree_.Serialize()))
    return fail(
        Status::Corruption("the stored tree is not the one this sequencer extended; reloading"));
  // `= ANY(ARRAY(…))`: the oldest arrivals are found once (an InitPlan) and each row is then
  // one probe of the primary key. `IN (SELECT … LIMIT)` let the plan follow the statistics:
  // `pending` is empty whenever (auto)analyze looks at it, so the planner expected one row and
  // chose a nested loop that rescans the subquery per row — quadratic, over a second per
  // batch of 5,000.
  auto rows = c.Prepared(
      "s_take",
      "DELETE FROM pending WHERE arrival = ANY(ARRAY(SELECT arrival FROM pending ORDER BY "
      "arrival LIMIT $1)) "
      // Columns 3..11 go into `events` as they came (bytea in its hex text form).
      "RETURNING arrival, id::text, occurred_at, tag, subject, actor, ip, user_agent, location, "
      "metadata, "
      "salt, personal_hash, body_hash, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint - "
      "received_at",
      {Num(static_cast<uint64_t>(opt_.max_sequence_events))});
  if (!rows.ok()) return fail(rows.status());
  const int n = rows->rows();
  if (n == 0 && !unsigned_tail) {
    took_rows_ = false;
    c.Exec("ROLLBACK");
    return static_cast<size_t>(0);
  }
  std::vector<int> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](int a, int b) { return rows->Int(a, 0) < rows->Int(b, 0); });

  const Micros now = std::max(opt_.clock->NowMicros(), last_recorded_);
  std::string copy;
  std::vector<tlog::StoredNode> nodes;
  std::map<std::string, int64_t> tags;
  std::vector<int64_t> delays;
  const int64_t max_arrival = n > 0 ? rows->Int(order.back(), 0) : 0;
  // The rows stream into `events` while the next ones are hashed: PostgreSQL inserts (and
  // maintains six indexes) on its own core meanwhile.
  constexpr size_t kCopyChunk = 32 * 1024;
  if (n > 0) {
    Status s = c.CopyBegin(
        "COPY events(seq, id, recorded_at, occurred_at, tag, subject, actor, ip, user_agent, "
        "location, metadata, salt, personal_hash, body_hash, leaf_hash) FROM STDIN");
    if (!s.ok()) return fail(s);
  }
  for (int k : order) {
    // Leaf format 2 (core/leaf.h): the node hashed the personal layer, and the body too when
    // the client gave occurred_at; otherwise the body holds recorded_at, known only now.
    enum {
      kId = 1,
      kOccurred = 2,
      kTag = 3,
      kSubject = 4,
      kActor = 5,
      kMetadata = 9,
      kPersonalHash = 11,
      kBodyHash = 12,
      kDelay = 13
    };
    const std::string id(rows->Text(k, kId));
    const std::string tag(rows->Text(k, kTag));
    std::string body_hash = rows->Bytes(k, kBodyHash);
    if (rows->IsNull(k, kBodyHash)) {
      auto actor = rows->OptText(k, kActor);
      std::string metadata =
          rows->IsNull(k, kMetadata) ? "{}" : std::string(rows->Text(k, kMetadata));
      body_hash = BodyHash(rows->Text(k, kSubject), actor ? OptView(*actor) : std::nullopt,
                           rows->IsNull(k, kOccurred) ? now : rows->Int(k, kOccurred), metadata,
                           rows->Bytes(k, kPersonalHash));
    }
    const std::string leaf_hash = LeafHash(id, now, tag, body_hash);
    if (Status s = tree_.Append(leaf_hash, &nodes); !s.ok()) {
      if (c.ok()) c.CopyEnd("trail: sequencing failed");
      return fail(s);
    }
    const uint64_t seq = next_seq_++;
    copy += std::to_string(seq);
    copy += '\t' + id + '\t' + std::to_string(now) + '\t';
    copy += rows->IsNull(k, kOccurred) ? "\\N" : std::string(rows->Text(k, kOccurred));
    for (int col = kTag; col <= kPersonalHash; ++col) {
      copy.push_back('\t');
      pg::CopyOpt(rows->OptText(k, col), &copy);
    }
    copy += '\t' + pg::CopyBytea(body_hash) + '\t' + pg::CopyBytea(leaf_hash) + '\n';
    tags[tag]++;
    delays.push_back(rows->Int(k, kDelay));
    if (copy.size() >= kCopyChunk) {
      if (Status s = c.CopyPut(copy); !s.ok()) return fail(s);
      copy.clear();
    }
  }
  last_recorded_ = now;
  if (n > 0) {
    Status s = c.CopyPut(copy);
    if (s.ok()) s = c.CopyEnd();
    if (!s.ok()) return fail(s);
  }
  if (!nodes.empty()) {  // one statement for all (some 20 per 5,000 events)
    std::vector<std::string> levels, indexes, hashes;
    for (const auto& node : nodes) {
      levels.push_back(Num(static_cast<int64_t>(node.level)));
      indexes.push_back(Num(node.index));
      hashes.push_back(HexEncode(node.hash));
    }
    auto r = c.Prepared("s_nodes",
                        "INSERT INTO tree_nodes(level, idx, hash) SELECT l, i, decode(h, 'hex') "
                        "FROM unnest($1::integer[], $2::bigint[], $3::text[]) AS t(l, i, h)",
                        {pg::TextArray(levels), pg::TextArray(indexes), pg::TextArray(hashes)});
    if (!r.ok()) return fail(r.status());
  }
  if (!tags.empty()) {
    std::vector<std::string> names, counts;
    for (const auto& [tag, k] : tags) {
      names.push_back(tag);
      counts.push_back(std::to_string(k));
    }
    auto r =
        c.Prepared("s_tags",
                   "INSERT INTO tag_counts(tag, n) SELECT * FROM unnest($1::text[], $2::bigint[]) "
                   "ON CONFLICT (tag) DO UPDATE SET n = tag_counts.n + excluded.n",
                   {pg::TextArray(names), pg::TextArray(counts)});
    if (!r.ok()) return fail(r.status());
  }
  auto saved = c.Prepared("s_save_tree", "UPDATE meta SET value = $1 WHERE key = 'tree'",
                          {Base64Encode(tree_.Serialize())});
  if (!saved.ok()) return fail(saved.status());

  // Sign when the backlog is drained, a second has passed, or on the way out.
  std::optional<SignedCheckpoint> cp;
  const bool due = std::chrono::steady_clock::now() - last_signed_ >=
                   std::chrono::duration<double>(opt_.checkpoint_interval_seconds);
  const Micros wall = opt_.clock->NowMicros();
  // SPEC §5: nothing is signed unless the tree extends the node's kept checkpoint.
  if (can_sign && tree_.size() > 0 && (!have_signed_ || signed_size_ < tree_.size()) &&
      (static_cast<size_t>(n) < opt_.max_sequence_events || due || final_pass || n == 0) &&
      CheckKept().ok()) {
    SignedCheckpoint next;
    next.size = tree_.size();
    next.root = tree_.Root();
    auto note = opt_.signer->Sign(tlog::FormatCheckpoint(opt_.origin, next.size, next.root));
    if (!note.ok()) return fail(note.status());
    next.note = std::move(note.value());
    auto r = c.Prepared("s_checkpoint",
                        "INSERT INTO meta(key, value) VALUES('checkpoint', $1) "
                        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                        {next.note});
    if (!r.ok()) return fail(r.status());
    if (wall - last_archived_ >= kArchiveEvery) {
      auto a = c.Prepared("s_archive",
                          "INSERT INTO checkpoints(size, note, signed_at) VALUES($1, $2, $3) ON "
                          "CONFLICT DO NOTHING",
                          {Num(next.size), next.note, Num(wall)});
      if (!a.ok()) return fail(a.status());
    }
    cp = std::move(next);
  }
  if (n > 0) {
    // How far sequencing has reached, for every node's backlog figure (pg_listener.cc): the
    // arrival sequence's last value also counts arrivals still being committed, which are
    // invisible in `pending` and not yet sequenced.
    auto m = c.Prepared(
        "s_seq_arrival",
        "INSERT INTO meta(key, value) VALUES('sequenced_arrival', $1) ON CONFLICT (key) DO UPDATE "
        "SET value = GREATEST(meta.value::bigint, excluded.value::bigint)::text",
        {Num(max_arrival)});
    if (!m.ok()) return fail(m.status());
  }
  const uint64_t cp_size = cp ? cp->size : (have_signed_ ? signed_size_ : 0);
  auto notify =
      c.Prepared("s_notify", "SELECT pg_notify('" + std::string(pg::kSequencedChannel) + "', $1)",
                 {Num(next_seq_) + " " + Num(cp_size) + " " + Num(max_arrival)});
  if (!notify.ok()) return fail(notify.status());
  if (Status s = c.Commit(); !s.ok()) return fail(s);
  took_rows_ = n > 0;

  if (cp) {
    kept_checked_ = cp;  // our own tree extends what it signs
    if (opt_.keeper) opt_.keeper->Keep(*cp);
    have_signed_ = true;
    signed_size_ = cp->size;
    last_signed_ = std::chrono::steady_clock::now();
    if (wall - last_archived_ >= kArchiveEvery) last_archived_ = wall;
    std::lock_guard<std::mutex> l(stats_mu_);
    stats_.last_checkpoint_micros = opt_.clock->NowMicros();
  }
  TRAIL_RETURN_IF_ERROR(PublishSequenced(next_seq_, cp, max_arrival));
  {
    std::lock_guard<std::mutex> l(delay_mu_);
    for (int64_t d : delays) delay_->Observe(d);
  }
  return static_cast<size_t>(n);
}

Status PostgresStore::CheckKept() {
  // Inside the sequencing transaction when signing: the tiles include this batch's nodes.
  return CheckKeptExtended(opt_.keeper, tree_.size(), &kept_checked_,
                           [this] { return pg::PgTiles(*seq_conn_); });
}

Status PostgresStore::PublishSequenced(uint64_t end, const std::optional<SignedCheckpoint>& cp,
                                       int64_t arrival) {
  pg::AtomicMax(sequenced_arrival_, arrival);
  if (cp) {
    std::lock_guard<std::mutex> l(cp_mu_);
    if (!latest_ || latest_->size < cp->size) latest_ = cp;
  }
  NoteEnd(end);
  return Status::Ok();
}

}  // namespace trail
