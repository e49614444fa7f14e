// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// SqliteStore::CountByTime: the web viewer's chart (SPEC §9) over millions of events.
//
// hour_counts(hour, prefix, n) holds how many live events were recorded in each hour per tag
// prefix. The writer adds to it in the same transaction as the events (CommitGroup) and
// retention subtracts what it prunes (PruneSeqs), so every read snapshot sees exact counts.
// A query that filters only by time on hour boundaries and by one-part tag prefixes
// (`tag=project:*`, `-tag:account:*`) is answered from it alone: a year is ~9,000 hours times
// a few prefixes, whatever the number of events. Any other term (subject, actor, ip, words,
// a viewer's access filter) counts matching rows through the query executor, bounded as
// Store's default is.
#include "store/histogram.h"
#include "store/sqlite/sqlite_internal.h"

namespace trail {
namespace {

bool OnHour(const std::optional<Micros>& t) { return !t || *t % kMicrosPerHour == 0; }

bool OnePartPrefix(const TagMatch& t) {
  return t.prefix && t.value.find(':') == t.value.size() - 1;
}

// True when hour_counts answers `q` exactly.
bool PreAggregated(const trail::Query& q, const AccessFilter* access, Micros bucket) {
  if (access || q.include_pruned || bucket % kMicrosPerHour != 0) return false;
  if (!q.subjects.empty() || !q.actors.empty() || !q.ips.empty() || !q.not_subjects.empty() ||
      !q.not_actors.empty() || !q.not_ips.empty() || !q.words.empty() || !q.not_words.empty())
    return false;
  for (const auto& t : q.tags)
    if (!OnePartPrefix(t)) return false;
  for (const auto& t : q.not_tags)
    if (!OnePartPrefix(t)) return false;
  return OnHour(q.since) && OnHour(q.until);
}

bool PrefixWanted(const trail::Query& q, std::string_view prefix) {
  for (const auto& t : q.tags)
    if (t.value != prefix) return false;
  for (const auto& t : q.not_tags)
    if (t.value == prefix) return false;
  return true;
}

}  // namespace

// Counts the live events of a store made before hour_counts existed, once.
Status SqliteStore::InitHourCounts() {
  auto& w = *writer_;
  sqlite::Stmt done;
  TRAIL_RETURN_IF_ERROR(done.Prepare(w.db, "SELECT 1 FROM meta WHERE key = 'hour_counts'"));
  Status s;
  if (done.Step(&s)) return Status::Ok();
  TRAIL_RETURN_IF_ERROR(s);
  s = w.db.Exec(
      "BEGIN IMMEDIATE;"
      "DELETE FROM hour_counts;"
      "INSERT INTO hour_counts(hour, prefix, n) SELECT recorded_at / 3600000000, "
      "  substr(tag, 1, instr(tag, ':')), count(*) FROM events WHERE pruned = 0 GROUP BY 1, 2;"
      "INSERT INTO meta(key, value) VALUES('hour_counts', '1');"
      "COMMIT;");
  if (!s.ok()) w.db.Exec("ROLLBACK");
  return s;
}

Result<std::vector<HistogramBucket>> SqliteStore::CountByTime(const trail::Query& q,
                                                              const AccessFilter* access,
                                                              Micros bucket_micros,
                                                              size_t max_buckets) {
  if (bucket_micros <= 0 || max_buckets == 0 || !PreAggregated(q, access, bucket_micros))
    return Store::CountByTime(q, access, bucket_micros, max_buckets);
  Status s;
  auto r = AcquireReader(&s);
  if (!r) return s;
  HistogramCounter counter(bucket_micros, max_buckets);
  {
    sqlite::Stmt st;
    s = st.Prepare(r->db,
                   "SELECT hour, prefix, n FROM hour_counts WHERE hour >= ? AND hour < ? AND n > 0 "
                   "ORDER BY hour DESC");
    if (s.ok()) {
      st.Bind(1, q.since ? *q.since / kMicrosPerHour : INT64_MIN);
      st.Bind(2, q.until ? *q.until / kMicrosPerHour : INT64_MAX);
      while (st.Step(&s)) {
        std::string_view prefix = st.Text(1);
        if (!PrefixWanted(q, prefix)) continue;
        if (!counter.Add(st.Int(0) * kMicrosPerHour, prefix, static_cast<uint64_t>(st.Int(2))))
          break;
      }
    }
  }
  ReleaseReader(std::move(r));
  if (!s.ok()) return s;
  return counter.Finish(true);
}

}  // namespace trail
