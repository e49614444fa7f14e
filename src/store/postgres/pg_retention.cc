// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// Retention on the PostgreSQL store (SPEC §7): pruning by type, scrubbing personal data, and
// erasure, as on SQLite — same watermarks in `meta`, same counts.
//
// Work is done in batches of kBatch rows, each its own short transaction (select the next
// seqs through an index, then UPDATE … WHERE seq = ANY(…)), so ingest and the sequencer never
// wait on a long transaction and row locks stay few. One run at a time per database: every
// run holds a session advisory lock, so two nodes' background jobs do not race.
//
// Bloat: an UPDATE leaves the old row version behind. Pruned rows shrink (the payload becomes
// NULL) and the subject/actor/ip indexes are partial (`WHERE … IS NOT NULL`), so pruned rows
// leave those indexes altogether. After a run that changed rows, a plain VACUUM of `events`
// makes the dead versions' space reusable at once (it reads only pages changed since the last
// vacuum, thanks to the visibility map, and skips index cleanup when few tuples died), and it
// removes the erased data from the table rather than leaving it to autovacuum. `events` has
// autovacuum at 1 % dead rows besides. Nothing rewrites the table, so there is no exclusive
// lock and no second copy of it on disk.
#include <map>

#include "store/postgres/pg_internal.h"

namespace trail {

using pg::Num;
using pg::PgConn;

namespace {

constexpr int kBatch = 2000;
constexpr int64_t kScrubChunk = 4096;

constexpr const char* kPruneSet =
    "subject = NULL, actor = NULL, ip = NULL, user_agent = NULL, location = NULL, metadata = NULL, "
    "occurred_at = NULL, salt = NULL, personal_hash = NULL, pruned = true";

// Holds the retention lock for the lifetime of the run.
class RetentionLock {
 public:
  explicit RetentionLock(PgConn& c) : c_(c) {}
  Status Take() {
    TRAIL_RETURN_IF_ERROR(c_.Exec("SELECT pg_advisory_lock(" + Num(pg::kRetentionLock) + ")"));
    held_ = true;
    return Status::Ok();
  }
  ~RetentionLock() {
    if (held_ && c_.ok()) c_.Exec("SELECT pg_advisory_unlock(" + Num(pg::kRetentionLock) + ")");
  }

 private:
  PgConn& c_;
  bool held_ = false;
};

// Smallest seq whose recorded_at >= t (recorded_at never decreases with seq), or `end`.
Result<int64_t> SeqAtOrAfter(PgConn& c, Micros t, int64_t end) {
  auto r = c.Prepared(
      "gc_seq_at",
      "SELECT seq FROM events WHERE recorded_at >= $1 ORDER BY recorded_at, seq LIMIT 1", {Num(t)});
  if (!r.ok()) return r.status();
  return r->rows() ? r->Int(0, 0) : end;
}

Status SetMark(PgConn& c, const std::string& key, int64_t value) {
  auto r = c.Prepared("gc_mark",
                      "INSERT INTO meta(key, value) VALUES($1, $2) ON CONFLICT (key) DO UPDATE "
                      "SET value = GREATEST(meta.value::bigint, excluded.value::bigint)::text",
                      {key, Num(value)});
  return r.status();
}

Status Vacuum(PgConn& c) { return c.Exec("VACUUM (SKIP_LOCKED) events"); }

}  // namespace

Status PostgresStore::PruneBatches(PgConn& c, const std::string& where, const pg::Params& params,
                                   bool dry_run, const std::function<void(uint64_t)>& progress,
                                   uint64_t* count) {
  pg::Params p = params;
  p.push_back(std::string());
  const std::string select = "SELECT seq FROM events WHERE " + where +
                             " AND NOT pruned AND seq > $" + std::to_string(p.size()) +
                             " ORDER BY seq LIMIT " + std::to_string(kBatch);
  for (int64_t last = -1;;) {
    if (drained_.load()) return Status::Unavailable("the store is shutting down");
    p.back() = Num(last);
    auto sel = c.Query(select, p);
    if (!sel.ok()) return sel.status();
    const int n = sel->rows();
    if (n == 0) break;
    if (dry_run) {
      *count += static_cast<uint64_t>(n);
    } else {
      std::vector<std::string> seqs;
      for (int i = 0; i < n; ++i) seqs.emplace_back(sel->Text(i, 0));
      auto upd = c.Prepared("gc_prune",
                            std::string("UPDATE events SET ") + kPruneSet +
                                " WHERE seq = ANY($1::bigint[]) AND NOT pruned",
                            {pg::TextArray(seqs)});
      if (!upd.ok()) return upd.status();
      *count += static_cast<uint64_t>(upd->Affected());
    }
    last = sel->Int(n - 1, 0);
    if (progress) progress(*count);
    if (n < kBatch) break;
  }
  return Status::Ok();
}

Result<GcResult> PostgresStore::CollectGarbage(const GcRequest& req) {
  WaitOwnWrites(5000);  // what this node acknowledged before the run is in it
  auto lease = pool_->Acquire();
  if (!lease.ok()) return lease.status();
  PgConn& c = **lease;
  RetentionLock lock(c);
  TRAIL_RETURN_IF_ERROR(lock.Take());
  GcResult result;
  auto report = [&] {
    if (req.progress) req.progress(result.pruned, result.scrubbed);
  };
  auto endr = c.Query("SELECT COALESCE(max(seq) + 1, 0) FROM events");
  if (!endr.ok()) return endr.status();
  const int64_t end = endr->Int(0, 0);
  std::map<std::string, int64_t> cutoff, marks;
  for (const auto& rule : req.rules) {
    auto cut = SeqAtOrAfter(c, req.as_of - rule.max_age, end);
    if (!cut.ok()) return cut.status();
    cutoff[rule.tag] = *cut;
  }
  int64_t scrub_end = 0;
  if (req.personal_data) {
    auto s = SeqAtOrAfter(c, req.as_of - *req.personal_data, end);
    if (!s.ok()) return s.status();
    scrub_end = *s;
  }
  auto m = c.Query("SELECT key, value::bigint FROM meta WHERE key LIKE 'gc:%'");
  if (!m.ok()) return m.status();
  for (int i = 0; i < m->rows(); ++i) marks[std::string(m->Text(i, 0))] = m->Int(i, 1);

  // 1. Prune each type past its retention, from its watermark on, through (tag, seq).
  for (const auto& [tag, cut] : cutoff) {
    const std::string mark_key = "gc:prune:" + tag;
    const int64_t from = marks.count(mark_key) ? marks[mark_key] : 0;
    if (cut <= from) continue;
    TRAIL_RETURN_IF_ERROR(PruneBatches(
        c, "tag = $1 AND seq >= $2 AND seq < $3", {tag, Num(from), Num(cut)}, req.dry_run,
        [&](uint64_t n) {
          (void)n;
          report();
        },
        &result.pruned));
    if (!req.dry_run) TRAIL_RETURN_IF_ERROR(SetMark(c, mark_key, cut));
  }

  // 2. Scrub ip and user agent of live events older than personal_data, a seq chunk at a time.
  if (req.personal_data) {
    const int64_t from = marks.count("gc:scrub") ? marks["gc:scrub"] : 0;
    for (int64_t lo = from; lo < scrub_end; lo += kScrubChunk) {
      if (drained_.load()) return Status::Unavailable("the store is shutting down");
      const int64_t hi = std::min(scrub_end, lo + kScrubChunk);
      if (req.dry_run) {
        auto r = c.Prepared("gc_scrub_scan",
                            "SELECT seq, tag FROM events WHERE seq >= $1 AND seq < $2 AND NOT "
                            "pruned AND salt IS NOT NULL",
                            {Num(lo), Num(hi)});
        if (!r.ok()) return r.status();
        for (int i = 0; i < r->rows(); ++i) {
          auto cut = cutoff.find(std::string(r->Text(i, 1)));
          // A dry run must not count as scrubbed what this run would prune.
          if (cut != cutoff.end() && r->Int(i, 0) < cut->second) continue;
          result.scrubbed++;
        }
      } else {
        TRAIL_RETURN_IF_ERROR(c.Exec("BEGIN"));
        auto r = c.Prepared(
            "gc_scrub",
            // The whole personal layer goes, salt included; personal_hash stays (SPEC §5, §7).
            "UPDATE events SET ip = NULL, user_agent = NULL, location = NULL, salt = NULL, "
            "scrubbed = true "
            "WHERE seq >= $1 AND seq < $2 AND NOT pruned AND salt IS NOT NULL",
            {Num(lo), Num(hi)});
        Status s = r.status();
        if (s.ok()) s = SetMark(c, "gc:scrub", hi);
        if (s.ok()) s = c.Commit();
        if (!s.ok()) {
          if (c.ok()) c.Exec("ROLLBACK");
          return s;
        }
        result.scrubbed += static_cast<uint64_t>(r->Affected());
      }
      report();
    }
  }
  if (!req.dry_run && result.pruned + result.scrubbed > 0) {
    Status s = Vacuum(c);
    if (!s.ok()) Log("retention: VACUUM events: " + s.message());
  }
  return result;
}

Result<RedactResult> PostgresStore::Redact(const RedactRequest& req) {
  if (!!req.subject == !!req.actor)
    return Status::Invalid("invalid_request", "redact takes a subject or an actor");
  WaitOwnWrites(5000);
  auto lease = pool_->Acquire();
  if (!lease.ok()) return lease.status();
  PgConn& c = **lease;
  RetentionLock lock(c);
  TRAIL_RETURN_IF_ERROR(lock.Take());
  const std::string col = req.subject ? "subject" : "actor";
  const std::string value = req.subject ? *req.subject : *req.actor;
  // trail:* events are trail's own record (SPEC §6): never pruned here, counted at the end.
  const std::string where = col + " = $1 AND left(tag, 6) <> 'trail:'";
  RedactResult result;
  TRAIL_RETURN_IF_ERROR(PruneBatches(c, where, {value}, false, {}, &result.pruned));
  // Events of this person committed (on any node) but not sequenced yet: wait for the
  // sequencer, then prune those too.
  auto r = c.Query("SELECT max(arrival) FROM pending WHERE " + col + " = $1", {value});
  if (!r.ok()) return r.status();
  if (!r->IsNull(0, 0)) {
    const std::string upto = std::string(r->Text(0, 0));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (true) {
      auto w = c.Prepared("own_pending", "SELECT EXISTS(SELECT 1 FROM pending WHERE arrival <= $1)",
                          {upto});
      if (!w.ok()) return w.status();
      if (!w->Bool(0, 0)) break;
      if (std::chrono::steady_clock::now() > deadline)
        return Status::Unavailable("events of this " + col +
                                   " are not sequenced yet; retry the erasure");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    TRAIL_RETURN_IF_ERROR(PruneBatches(c, where, {value}, false, {}, &result.pruned));
  }
  auto kept = c.Query(
      "SELECT count(*) FROM events WHERE " + col + " = $1 AND left(tag, 6) = 'trail:'", {value});
  if (!kept.ok()) return kept.status();
  result.skipped = static_cast<uint64_t>(kept->Int(0, 0));
  // The old row versions still hold the erased data until vacuumed: vacuum now.
  Status s = Vacuum(c);
  if (!s.ok()) Log("redact: VACUUM events: " + s.message());
  return result;
}

}  // namespace trail
