// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// Reads on the PostgreSQL store: queries, single events, tag counts, and API keys.
//
// A query becomes one SQL statement over `events` that PostgreSQL plans with its B-tree
// indexes — (subject, seq), (actor, seq), (ip, seq), (tag, seq) with tag prefixes as bytewise
// ranges, recorded_at — ordered by seq from the cursor on, `LIMIT` one more than the page.
// Terms SQL does not express (description words, the viewer's per-type rule) are checked on
// each row with QueryMatcher and AccessFilter, fetching further batches until the page is full.
// Paging is by seq, as on SQLite: later events get higher seqs, so no page repeats or skips.
//
// Bounded cost: each statement reads one window of seqs (kFirstWindow of them, doubling while
// windows come back short, up to kMaxWindow), so that what PostgreSQL filters itself
// (negations, pruned rows, visibility keys) is bounded per statement too; between statements
// and rows the query's budget is checked, and once it runs out the page so far is answered as
// partial with next_after at the last position covered (QueryPage).
#include "core/uuid7.h"
#include "store/postgres/pg_internal.h"
#include "store/query_executor.h"

namespace trail {

using pg::Num;
using pg::PgConn;

namespace {

// Smallest string above every string that starts with `prefix` (tags are ASCII).
std::string PrefixEnd(std::string prefix) {
  if (!prefix.empty()) prefix.back() = static_cast<char>(prefix.back() + 1);
  return prefix;
}

class SqlWhere {
 public:
  std::string Param(std::string v) {
    params_.push_back(std::move(v));
    return "$" + std::to_string(params_.size());
  }
  void Add(std::string cond) { conds_.push_back(std::move(cond)); }
  std::string TagCond(const TagMatch& t) {
    if (!t.prefix) return "tag = " + Param(t.value);
    return "(tag >= " + Param(t.value) + " AND tag < " + Param(PrefixEnd(t.value)) + ")";
  }
  std::string Sql() const {
    std::string out;
    for (size_t i = 0; i < conds_.size(); ++i) out += (i ? " AND " : "") + conds_[i];
    return out;
  }
  pg::Params& params() { return params_; }

 private:
  pg::Params params_;
  std::vector<std::string> conds_;
};

// The viewer's OR-group of posting keys ('s' subject, 'a' actor, 'i' ip, 't' tag, 'p' tag
// prefix; see posting_index.h) as one SQL condition.
std::string AccessCond(const std::vector<std::string>& keys, SqlWhere* w) {
  std::vector<std::string> subjects, actors, ips, tags, alts;
  for (const auto& k : keys) {
    if (k.empty()) continue;
    std::string v = k.substr(1);
    switch (k[0]) {
      case 's':
        subjects.push_back(v);
        break;
      case 'a':
        actors.push_back(v);
        break;
      case 'i':
        ips.push_back(v);
        break;
      case 't':
        tags.push_back(v);
        break;
      case 'p':
        alts.push_back(w->TagCond(TagMatch{v, true}));
        break;
      default:
        break;
    }
  }
  if (!subjects.empty())
    alts.push_back("subject = ANY(" + w->Param(pg::TextArray(subjects)) + "::text[])");
  if (!actors.empty())
    alts.push_back("actor = ANY(" + w->Param(pg::TextArray(actors)) + "::text[])");
  if (!ips.empty()) alts.push_back("ip = ANY(" + w->Param(pg::TextArray(ips)) + "::text[])");
  if (!tags.empty()) alts.push_back("tag = ANY(" + w->Param(pg::TextArray(tags)) + "::text[])");
  if (alts.empty()) return "false";
  std::string out = "(";
  for (size_t i = 0; i < alts.size(); ++i) out += (i ? " OR " : "") + alts[i];
  return out + ")";
}

}  // namespace

Result<QueryPage> PostgresStore::Query(const trail::Query& q, const AccessFilter* access) {
  WaitOwnWrites(2000);
  auto lease = pool_->Acquire();
  if (!lease.ok()) return lease.status();
  PgConn& c = **lease;

  SqlWhere w;
  for (const auto& s : q.subjects) w.Add("subject = " + w.Param(s));
  for (const auto& a : q.actors) w.Add("actor = " + w.Param(a));
  for (const auto& ip : q.ips) w.Add("ip = " + w.Param(ip));
  for (const auto& t : q.tags) w.Add(w.TagCond(t));
  for (const auto& s : q.not_subjects) w.Add("subject IS DISTINCT FROM " + w.Param(s));
  for (const auto& a : q.not_actors) w.Add("actor IS DISTINCT FROM " + w.Param(a));
  for (const auto& ip : q.not_ips) w.Add("ip IS DISTINCT FROM " + w.Param(ip));
  for (const auto& t : q.not_tags) w.Add("NOT " + w.TagCond(t));
  if (q.since) w.Add("recorded_at >= " + w.Param(Num(*q.since)));
  if (q.until) w.Add("recorded_at < " + w.Param(Num(*q.until)));
  if (!q.include_pruned) w.Add("NOT pruned");
  if (access && !access->any_of_keys.empty()) w.Add(AccessCond(access->any_of_keys, &w));
  // The window [lo, hi) of seqs is the last two parameters; they move on with every batch.
  w.Add("seq >= " + w.Param(""));
  w.Add("seq < " + w.Param(""));
  const size_t lo_param = w.params().size() - 2, hi_param = w.params().size() - 1;

  const bool residual = !q.words.empty() || !q.not_words.empty() || (access && access->allows);
  const size_t need = static_cast<size_t>(q.limit) + 1;
  const std::shared_ptr<const TypeRegistry> types = Types();
  const size_t batch = residual ? std::min<size_t>(2000, std::max<size_t>(need * 4, 200)) : need;
  const std::string sql = std::string("SELECT ") + pg::kEventColumns + " FROM events WHERE " +
                          w.Sql() + " ORDER BY seq " + (q.ascending ? "ASC" : "DESC") + " LIMIT " +
                          std::to_string(batch);

  // Where the log ends, for the first window of a newest-first query and the last of an
  // oldest-first one (later appends land above it: the open-ended window still reads them).
  int64_t end = 0;
  if (q.ascending || !q.after_seq) {
    auto r = c.Prepared("events_end", "SELECT coalesce(max(seq) + 1, 0) FROM events", {});
    if (!r.ok()) return r.status();
    end = r->Int(0, 0);
  }
  constexpr int64_t kFirstWindow = 4096, kMaxWindow = int64_t{1} << 18, kOpen = INT64_MAX;
  int64_t window = kFirstWindow;
  // `covered`: everything up to it, in the query's order, has been examined (a cursor value).
  std::optional<int64_t> covered;
  if (q.after_seq) covered = static_cast<int64_t>(*q.after_seq);
  const QueryMatcher matcher(q);
  const BudgetMeter meter(q.budget);
  bool progressed = false, stopped = false, done = false;
  QueryPage page;
  while (page.events.size() < need && !done) {
    if ((stopped = meter.Spent(page.rows_examined, progressed))) break;
    int64_t lo, hi;
    if (q.ascending) {
      lo = covered ? *covered + 1 : 0;
      hi = lo >= end - window ? kOpen : lo + window;
    } else {
      hi = covered ? *covered : kOpen;
      lo = std::max<int64_t>(0, (covered ? *covered : end) - window);
    }
    w.params()[lo_param] = Num(lo);
    w.params()[hi_param] = Num(hi);
    auto r = c.Query(sql, w.params());
    if (!r.ok()) return r.status();
    int row = 0;
    for (; row < r->rows() && page.events.size() < need; ++row) {
      if ((stopped = meter.Spent(page.rows_examined, progressed))) break;
      Event e;
      pg::ReadEvent(*r, row, &e);
      if (types) e.description = DescribeEvent(*types, e);
      covered = static_cast<int64_t>(e.seq);
      progressed = true;
      ++page.rows_examined;
      if (!matcher.Matches(e)) continue;
      if (access && access->allows && !access->allows(e)) continue;
      page.events.push_back(std::move(e));
    }
    if (stopped) break;
    if (static_cast<size_t>(r->rows()) == batch) continue;  // more in this window
    // The window is exhausted (or the page full at its last row): move past it.
    progressed = true;
    if (q.ascending ? hi == kOpen : lo == 0) {
      done = true;
    } else {
      covered = q.ascending ? hi - 1 : lo;
      window = std::min(window * 2, kMaxWindow);
    }
  }
  if (page.events.size() > static_cast<size_t>(q.limit)) {
    page.events.resize(q.limit);
    page.next_after = page.events.back().seq;
  } else if (stopped) {
    page.partial = true;
    page.next_after = static_cast<uint64_t>(*covered);
  }
  return page;
}

Result<std::optional<Event>> PostgresStore::Get(std::string_view id) {
  if (!IsUuid(id)) return std::optional<Event>();
  // Read-your-writes as for queries: an event this node acknowledged is read back sequenced,
  // with the seq, recorded_at and leaf hash it keeps, not as its pending row (whose
  // recorded_at is provisional). Only another node's event, or one the sequencer has not
  // reached within the wait, is read from `pending`.
  WaitOwnWrites(2000);
  auto lease = pool_->Acquire();
  if (!lease.ok()) return lease.status();
  // One statement, one snapshot: the sequencer moves a row from pending to events atomically.
  auto r = (*lease)->Prepared(
      "get_event",
      std::string("SELECT ") + pg::kEventColumns +
          " FROM events WHERE id = $1::uuid UNION ALL "
          "SELECT NULL::bigint, id::text, received_at, occurred_at, tag, "
          "subject, actor, ip, user_agent, metadata, NULL::bytea, false, "
          "location, salt, personal_hash, body_hash FROM pending WHERE id = $1::uuid",
      {std::string(id)});
  if (!r.ok()) return r.status();
  if (r->rows() == 0) return std::optional<Event>();
  Event e;
  pg::ReadEvent(*r, 0, &e);
  if (auto types = Types()) e.description = DescribeEvent(*types, e);
  return std::optional<Event>(std::move(e));
}

Result<std::vector<std::pair<std::string, uint64_t>>> PostgresStore::TagCounts() {
  WaitOwnWrites(2000);
  auto lease = pool_->Acquire();
  if (!lease.ok()) return lease.status();
  auto r = (*lease)->Prepared("tag_counts", "SELECT tag, n FROM tag_counts ORDER BY tag", {});
  if (!r.ok()) return r.status();
  std::vector<std::pair<std::string, uint64_t>> out;
  for (int row = 0; row < r->rows(); ++row)
    out.emplace_back(std::string(r->Text(row, 0)), static_cast<uint64_t>(r->Int(row, 1)));
  return out;
}

Status PostgresStore::PutKey(const KeyRow& key) {
  auto lease = pool_->Acquire();
  if (!lease.ok()) return lease.status();
  // Nodes of one deployment share admin.key and each registers it at start: a key whose
  // hash is already stored is already registered, which is what the caller wants.
  auto r =
      (*lease)->Prepared("put_key",
                         "WITH k AS (INSERT INTO api_keys(id, name, role, hash, created_at) "
                         "VALUES($1, $2, $3, $4::bytea, $5) "
                         "ON CONFLICT DO NOTHING RETURNING id) SELECT pg_notify('" +
                             std::string(pg::kKeysChannel) + "', id) FROM k",
                         {key.id, key.name, key.role, pg::ByteaHex(key.hash), Num(key.created_at)});
  return r.status();
}

Result<std::vector<KeyRow>> PostgresStore::ListKeys() {
  auto lease = pool_->Acquire();
  if (!lease.ok()) return lease.status();
  auto r = (*lease)->Prepared(
      "list_keys",
      "SELECT id, name, role, hash, created_at, revoked_at FROM api_keys ORDER BY created_at, id",
      {});
  if (!r.ok()) return r.status();
  std::vector<KeyRow> out;
  for (int row = 0; row < r->rows(); ++row) {
    KeyRow k;
    k.id = std::string(r->Text(row, 0));
    k.name = std::string(r->Text(row, 1));
    k.role = std::string(r->Text(row, 2));
    k.hash = r->Bytes(row, 3);
    k.created_at = r->Int(row, 4);
    if (!r->IsNull(row, 5)) k.revoked_at = r->Int(row, 5);
    out.push_back(std::move(k));
  }
  return out;
}

Status PostgresStore::RevokeKey(std::string_view id, Micros when) {
  auto lease = pool_->Acquire();
  if (!lease.ok()) return lease.status();
  auto r = (*lease)->Prepared("revoke_key",
                              "WITH k AS (UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND "
                              "revoked_at IS NULL RETURNING id) "
                              "SELECT id, pg_notify('" +
                                  std::string(pg::kKeysChannel) + "', id) FROM k",
                              {Num(when), std::string(id)});
  if (!r.ok()) return r.status();
  if (r->rows() == 0) return Status::NotFound("no active key " + std::string(id));
  return Status::Ok();
}

// Web-viewer sessions (session_table.h). One indexed statement each; the viewer reads a session on
// every page it serves and touches it at most once a minute.
Status PostgresStore::PutSession(std::string_view id_hash, const SessionRow& s,
                                 size_t max_per_owner) {
  auto lease = pool_->Acquire();
  if (!lease.ok()) return lease.status();
  // One statement: the DELETE sees the table as it was before the INSERT, so it keeps the
  // owner's newest max_per_owner - 1 and the new one makes max_per_owner. Two nodes creating
  // at once may leave one extra until the owner's next sign-in.
  const int64_t keep = max_per_owner == 0 ? INT64_MAX : static_cast<int64_t>(max_per_owner) - 1;
  return (*lease)
      ->Prepared("put_session",
                 "WITH ins AS (INSERT INTO viewer_sessions(id_hash, credential, kind, csrf, "
                 "created_at, last_used, owner) "
                 "VALUES($1::bytea, $2, $3, $4, $5, $6, $7) RETURNING 1) "
                 "DELETE FROM viewer_sessions WHERE $7 <> '' AND id_hash IN (SELECT id_hash FROM "
                 "viewer_sessions "
                 "WHERE owner = $7 ORDER BY created_at DESC, id_hash OFFSET $8)",
                 {pg::ByteaHex(id_hash), s.credential, Num(static_cast<int64_t>(s.kind)), s.csrf,
                  Num(s.created), Num(s.last_used), s.owner, Num(keep)})
      .status();
}

Result<std::optional<SessionRow>> PostgresStore::GetSession(std::string_view id_hash) {
  auto lease = pool_->Acquire();
  if (!lease.ok()) return lease.status();
  auto r = (*lease)->Prepared("get_session",
                              "SELECT credential, kind, csrf, created_at, last_used FROM "
                              "viewer_sessions WHERE id_hash = $1::bytea",
                              {pg::ByteaHex(id_hash)});
  if (!r.ok()) return r.status();
  if (r->rows() == 0) return std::optional<SessionRow>();
  SessionRow s;
  s.credential = std::string(r->Text(0, 0));
  s.kind = static_cast<int>(r->Int(0, 1));
  s.csrf = std::string(r->Text(0, 2));
  s.created = r->Int(0, 3);
  s.last_used = r->Int(0, 4);
  return std::optional<SessionRow>(std::move(s));
}

Status PostgresStore::TouchSession(std::string_view id_hash, Micros last_used) {
  auto lease = pool_->Acquire();
  if (!lease.ok()) return lease.status();
  return (*lease)
      ->Prepared("touch_session",
                 "UPDATE viewer_sessions SET last_used = greatest(last_used, $2) WHERE id_hash = "
                 "$1::bytea",
                 {pg::ByteaHex(id_hash), Num(last_used)})
      .status();
}

Status PostgresStore::DeleteSession(std::string_view id_hash) {
  auto lease = pool_->Acquire();
  if (!lease.ok()) return lease.status();
  return (*lease)
      ->Prepared("delete_session", "DELETE FROM viewer_sessions WHERE id_hash = $1::bytea",
                 {pg::ByteaHex(id_hash)})
      .status();
}

Result<uint64_t> PostgresStore::DeleteIdleSessions(Micros before) {
  auto lease = pool_->Acquire();
  if (!lease.ok()) return lease.status();
  auto r = (*lease)->Prepared("delete_idle_sessions",
                              "DELETE FROM viewer_sessions WHERE last_used < $1", {Num(before)});
  if (!r.ok()) return r.status();
  return static_cast<uint64_t>(r->Affected());
}

}  // namespace trail
