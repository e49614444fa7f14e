// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// PostgresStore's group commit: one writer thread per node takes every request waiting in the
// AppendQueue and commits them in one transaction on its own connection.
//
// Per request (only when it carries idempotency keys or client-chosen ids, under a
// savepoint so that a refused request leaves nothing behind): keys are claimed with
// INSERT … ON CONFLICT DO NOTHING — a key claimed before, on any node, makes its event a
// replay answered with the original id (and seq, once sequenced); client ids must be new in
// `events`, in `pending` and in `client_ids`, whose unique key settles races between nodes.
// Then every new event of the group goes into `pending` with one COPY, a NOTIFY wakes the
// sequencer, and the requests are answered after COMMIT returns.
#include <unordered_map>
#include <unordered_set>

#include "core/codec.h"
#include "store/postgres/pg_internal.h"

namespace trail {

using pg::PgConn;

namespace {

// PostgreSQL text holds neither NUL characters nor invalid UTF-8; refuse such an event with a
// 400 here rather than fail the whole group's transaction.
Status Storable(const PreparedEvent& e) {
  auto check = [](std::string_view field, std::string_view v) -> Status {
    if (v.find('\0') != std::string_view::npos)
      return Status::Invalid("invalid_event",
                             std::string(field) + ": contains a NUL character (U+0000)");
    if (!IsValidUtf8(v))
      return Status::Invalid("invalid_event", std::string(field) + ": not valid UTF-8");
    return Status::Ok();
  };
  TRAIL_RETURN_IF_ERROR(check("tag", e.tag));
  TRAIL_RETURN_IF_ERROR(check("subject", e.subject));
  if (e.actor) TRAIL_RETURN_IF_ERROR(check("actor", *e.actor));
  if (e.ip) TRAIL_RETURN_IF_ERROR(check("ip", *e.ip));
  if (e.user_agent) TRAIL_RETURN_IF_ERROR(check("user_agent", *e.user_agent));
  if (e.location_json) TRAIL_RETURN_IF_ERROR(check("location", *e.location_json));
  if (e.idempotency_key) TRAIL_RETURN_IF_ERROR(check("idempotency_key", *e.idempotency_key));
  return check("metadata", e.metadata_json);
}

void AppendPendingRow(const PreparedEvent& e, std::string* out) {
  out->append(e.id);
  out->push_back('\t');
  out->append(e.occurred_at ? std::to_string(*e.occurred_at) : "\\N");
  out->push_back('\t');
  pg::CopyText(e.tag, out);
  out->push_back('\t');
  pg::CopyText(e.subject, out);
  out->push_back('\t');
  pg::CopyOpt(e.actor, out);
  out->push_back('\t');
  pg::CopyOpt(e.ip, out);
  out->push_back('\t');
  pg::CopyOpt(e.user_agent, out);
  out->push_back('\t');
  if (e.metadata_json == "{}") {
    out->append("\\N");
  } else {
    pg::CopyText(e.metadata_json, out);
  }
  out->push_back('\t');
  pg::CopyOpt(e.location_json, out);
  out->push_back('\t');
  out->append(pg::CopyBytea(e.salt));
  out->push_back('\t');
  out->append(pg::CopyBytea(e.personal_hash));
  out->push_back('\t');
  out->append(e.body_hash.empty() ? "\\N" : pg::CopyBytea(e.body_hash));
  out->push_back('\n');
}

}  // namespace

void PostgresStore::Append(std::vector<PreparedEvent> events, AppendCallback done) {
  if (events.empty()) {
    done(Status::Ok(), {});
    return;
  }
  for (size_t i = 0; i < events.size(); ++i) {
    if (Status s = Storable(events[i]); !s.ok()) {
      done(s.WithIndex(static_cast<int>(i)), {});
      return;
    }
  }
  queue_.Enqueue(std::move(events), std::move(done));
}

void PostgresStore::WriterLoop() {
  std::vector<AppendRequest> group;
  std::vector<Status> results;
  std::vector<std::vector<Ack>> acks;
  while (true) {
    group.clear();
    AppendQueue::Task task;
    if (!queue_.PopBatch(opt_.max_commit_events, &group, &task)) break;
    if (task) task();
    if (group.empty()) continue;
    WaitForBacklog();
    auto t0 = std::chrono::steady_clock::now();
    int64_t max_arrival = 0;
    Status s = CommitGroupOrDrop(group, &results, &acks, &max_arrival);
    if (!s.ok() && s.code() == Code::kUnavailable && writer_conn_ && writer_conn_->ok()) {
      // A deadlock or serialization failure rolled everything back: one more try.
      s = CommitGroupOrDrop(group, &results, &acks, &max_arrival);
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    size_t n = 0;
    for (const auto& r : group) n += r.events.size();
    if (s.ok()) {
      pg::AtomicMax(acked_arrival_, max_arrival);
    } else if (s.code() == Code::kUnavailable && !(writer_conn_ && writer_conn_->ok())) {
      db_ok_ = false;  // the listener sets it again once the database answers
    }
    {
      std::lock_guard<std::mutex> l(stats_mu_);
      stats_.commits++;
      stats_.last_commit_seconds = secs;
      if (s.ok()) stats_.committed_events += n;
      if (s.ok()) stats_.last_durable_micros = opt_.clock->NowMicros();
    }
    queue_.Release(n);
    for (size_t i = 0; i < group.size(); ++i) {
      if (!s.ok()) {
        group[i].done(s, {});
      } else {
        group[i].done(results[i], results[i].ok() ? std::move(acks[i]) : std::vector<Ack>{});
      }
    }
  }
}

// CommitGroup, and when it throws (an allocation, a bug), the connection dropped (the server
// rolls back its open transaction) so that the group's requests are answered with the error
// instead of waiting forever; the next group connects again.
Status PostgresStore::CommitGroupOrDrop(std::vector<AppendRequest>& group,
                                        std::vector<Status>* results,
                                        std::vector<std::vector<Ack>>* acks, int64_t* max_arrival) {
  try {
    return CommitGroup(group, results, acks, max_arrival);
  } catch (const std::exception& e) {
    writer_conn_.reset();
    *max_arrival = 0;
    return Status::Internal(std::string("commit failed: ") + e.what());
  }
}

// Backpressure: the sequencer is one session on one core; if nodes commit faster than it
// sequences, the backlog (and the integration delay) would grow without bound. Hold the group
// back while the backlog is over max_backlog; the AppendQueue fills meanwhile and answers 429.
// After 2 s (no sequencer alive, say during a takeover) commit anyway: nothing is lost, the
// delay is merely longer.
void PostgresStore::WaitForBacklog() {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  const auto over = [&] {
    return acked_arrival_.load() - sequenced_arrival_.load() >
           static_cast<int64_t>(opt_.max_backlog);
  };
  if (!over()) return;
  std::unique_lock<std::mutex> l(end_mu_);
  while (over() && std::chrono::steady_clock::now() < give_up)
    end_cv_.wait_for(l, std::chrono::milliseconds(10));
}

Status PostgresStore::CommitGroup(std::vector<AppendRequest>& group, std::vector<Status>* results,
                                  std::vector<std::vector<Ack>>* acks, int64_t* max_arrival) {
  results->assign(group.size(), Status::Ok());
  acks->assign(group.size(), {});
  *max_arrival = 0;
  if (!(writer_conn_ && writer_conn_->ok())) {
    writer_conn_.reset();
    if (!writer_backoff_->Ready())
      return Status::Unavailable("PostgreSQL is unreachable (retrying)");
    auto c = PgConn::Connect(*params_);
    if (!c.ok()) {
      writer_backoff_->Failed();
      return c.status();
    }
    writer_backoff_->Succeeded();
    writer_conn_ = std::move(c.value());
  }
  PgConn& c = *writer_conn_;
  TRAIL_RETURN_IF_ERROR(c.Exec("BEGIN"));
  auto abort = [&](Status s) {
    if (c.ok()) c.Exec("ROLLBACK");
    return s;
  };
  std::vector<std::vector<char>> store(group.size());
  for (size_t r = 0; r < group.size(); ++r) {
    Status s = ResolveRequest(c, group[r], &store[r], &(*acks)[r], &(*results)[r]);
    if (!s.ok()) return abort(s);
  }
  std::string rows;
  size_t n = 0;
  for (size_t r = 0; r < group.size(); ++r) {
    if (!(*results)[r].ok()) continue;
    for (size_t i = 0; i < group[r].events.size(); ++i) {
      if (!store[r][i]) continue;
      AppendPendingRow(group[r].events[i], &rows);
      ++n;
    }
  }
  if (n > 0) {
    Status s = c.CopyIn(
        "COPY pending(id, occurred_at, tag, subject, actor, ip, user_agent, metadata, "
        "location, salt, personal_hash, body_hash) FROM STDIN",
        rows);
    if (!s.ok()) return abort(s);
    auto a =
        c.Prepared("w_arrival",
                   "SELECT currval(pg_get_serial_sequence('pending', 'arrival')), pg_notify('" +
                       std::string(pg::kPendingChannel) + "', '')",
                   {});
    if (!a.ok()) return abort(a.status());
    *max_arrival = a->Int(0, 0);
  }
  return c.Commit();
}

Status PostgresStore::ResolveRequest(PgConn& c, const AppendRequest& req, std::vector<char>* store,
                                     std::vector<Ack>* acks, Status* refused) {
  const auto& ev = req.events;
  store->assign(ev.size(), 1);
  bool keys = false, ids = false;
  for (const auto& e : ev) {
    keys = keys || e.idempotency_key.has_value();
    ids = ids || e.id_from_client;
  }
  if (!keys && !ids) {
    for (const auto& e : ev) acks->push_back(Ack{e.id, std::nullopt, false});
    return Status::Ok();
  }
  TRAIL_RETURN_IF_ERROR(c.Exec("SAVEPOINT request"));
  std::vector<std::optional<Ack>> replay(ev.size());
  if (keys) {
    std::unordered_map<std::string, size_t> first;  // key -> its first event in this request
    std::vector<std::pair<std::string, std::string>> claims;  // (key, id)
    for (size_t i = 0; i < ev.size(); ++i) {
      if (!ev[i].idempotency_key) continue;
      if (first.emplace(*ev[i].idempotency_key, i).second)
        claims.emplace_back(*ev[i].idempotency_key, ev[i].id);
    }
    std::sort(claims.begin(), claims.end());  // one lock order for every node
    std::vector<std::string> ks, is;
    for (auto& [k, id] : claims) {
      ks.push_back(k);
      is.push_back(id);
    }
    auto r =
        c.Prepared("w_claim",
                   "INSERT INTO idempotency(key, id) SELECT * FROM unnest($1::text[], $2::uuid[]) "
                   "ON CONFLICT DO NOTHING RETURNING key",
                   {pg::TextArray(ks), pg::TextArray(is)});
    if (!r.ok()) return r.status();
    std::unordered_set<std::string> claimed;
    for (int row = 0; row < r->rows(); ++row) claimed.insert(std::string(r->Text(row, 0)));
    std::vector<std::string> lookup;
    for (const auto& k : ks)
      if (!claimed.count(k)) lookup.push_back(k);
    std::unordered_map<std::string, Ack> original;
    if (!lookup.empty()) {
      auto f = c.Prepared(
          "w_find_idem",
          "SELECT i.key, i.id::text, e.seq FROM idempotency i LEFT JOIN events e ON e.id = i.id "
          "WHERE i.key = ANY($1::text[])",
          {pg::TextArray(lookup)});
      if (!f.ok()) return f.status();
      for (int row = 0; row < f->rows(); ++row) {
        Ack a{std::string(f->Text(row, 1)), std::nullopt, true};
        if (!f->IsNull(row, 2)) a.seq = static_cast<uint64_t>(f->Int(row, 2));
        original[std::string(f->Text(row, 0))] = a;
      }
    }
    for (size_t i = 0; i < ev.size(); ++i) {
      if (!ev[i].idempotency_key) continue;
      const size_t f = first[*ev[i].idempotency_key];
      if (f == i) {
        auto it = original.find(*ev[i].idempotency_key);
        if (it != original.end()) replay[i] = it->second;
      } else {
        replay[i] = replay[f] ? *replay[f] : Ack{ev[f].id, std::nullopt, true};
      }
      if (replay[i]) (*store)[i] = 0;
    }
  }
  std::optional<size_t> conflict;
  if (ids) {
    std::vector<std::string> cids;
    std::unordered_map<std::string, size_t> at;
    for (size_t i = 0; i < ev.size() && !conflict; ++i) {
      if (!(*store)[i] || !ev[i].id_from_client) continue;
      if (!at.emplace(ev[i].id, i).second) conflict = i;
      cids.push_back(ev[i].id);
    }
    if (!conflict && !cids.empty()) {
      auto ex = c.Prepared("w_ids_exist",
                           "SELECT id::text FROM events WHERE id = ANY($1::uuid[]) "
                           "UNION ALL SELECT id::text FROM pending WHERE id = ANY($1::uuid[])",
                           {pg::TextArray(cids)});
      if (!ex.ok()) return ex.status();
      if (ex->rows() > 0) conflict = at[std::string(ex->Text(0, 0))];
    }
    if (!conflict && !cids.empty()) {
      auto ins =
          c.Prepared("w_client_ids",
                     "INSERT INTO client_ids(id) SELECT unnest($1::uuid[]) ON CONFLICT DO NOTHING "
                     "RETURNING id::text",
                     {pg::TextArray(cids)});
      if (!ins.ok()) return ins.status();
      std::unordered_set<std::string> fresh;
      for (int row = 0; row < ins->rows(); ++row) fresh.insert(std::string(ins->Text(row, 0)));
      for (const auto& id : cids) {
        if (!fresh.count(id)) {
          conflict = at[id];
          break;
        }
      }
    }
  }
  if (conflict) {
    TRAIL_RETURN_IF_ERROR(c.Exec("ROLLBACK TO SAVEPOINT request"));
    TRAIL_RETURN_IF_ERROR(c.Exec("RELEASE SAVEPOINT request"));
    *refused = Status::Conflict("id " + ev[*conflict].id + " is already stored")
                   .WithIndex(static_cast<int>(*conflict));
    return Status::Ok();
  }
  TRAIL_RETURN_IF_ERROR(c.Exec("RELEASE SAVEPOINT request"));
  for (size_t i = 0; i < ev.size(); ++i)
    acks->push_back(replay[i] ? *replay[i] : Ack{ev[i].id, std::nullopt, false});
  return Status::Ok();
}

}  // namespace trail
