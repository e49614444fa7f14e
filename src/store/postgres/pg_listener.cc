// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// What every node knows about the shared log, and read-your-writes.
//
// A listener thread per node keeps a session that LISTENs on the sequencer's channel. Each
// notification carries "<end> <checkpoint size> <last arrival>": the readable end advances at once
// (waking live tails) and a newer checkpoint is fetched from `meta`. Every 500 ms it also asks the
// database directly, so a lost notification (a reconnect) costs at most that, and the answer
// doubles as the health probe behind Healthy() and /readyz. It also LISTENs on the keys
// channel: a key created or revoked on any node bumps KeysGeneration(), and every KeyRing
// reloads before its next answer (a reconnect bumps it too, since a notice may be lost).
//
// Read-your-writes: the writer records the highest `arrival` it acknowledged; a query first
// waits (bounded) until no pending row at or below it remains, i.e. until the sequencer has
// given every event this node acknowledged its seq.
#include <charconv>

#include "store/postgres/pg_internal.h"

namespace trail {

using pg::PgConn;

void PostgresStore::NoteEnd(uint64_t end) {
  pg::AtomicMax(readable_end_, end);
  std::lock_guard<std::mutex> l(end_mu_);
  end_cv_.notify_all();
}

void PostgresStore::NoteCheckpoint(const std::string& note) {
  auto sep = note.find("\n\n");
  auto body = tlog::ParseCheckpoint(sep == std::string::npos ? note : note.substr(0, sep + 1));
  if (!body.ok()) return;
  std::lock_guard<std::mutex> l(cp_mu_);
  if (!latest_ || latest_->size < body->size)
    latest_ = SignedCheckpoint{body->size, body->root, note};
}

void PostgresStore::SeeCheckpoint(PgConn& c, const std::string& note) {
  if (!opt_.keeper) return;
  auto sep = note.find("\n\n");
  auto body = tlog::ParseCheckpoint(sep == std::string::npos ? note : note.substr(0, sep + 1));
  if (!body.ok()) return;
  auto kept = opt_.keeper->Kept();
  if (kept && kept->size >= body->size) return;
  SignedCheckpoint seen{body->size, body->root, note};
  if (kept) {
    // Another node signed it: keep it only if its tree extends ours (the database may have
    // been rolled back and grown again since this node kept its checkpoint).
    pg::PgTiles tiles(c);
    if (Status s = CheckExtends(*kept, body->size, tiles); !s.ok()) {
      opt_.keeper->Refused(
          Status::Conflict("the database's checkpoint of size " + std::to_string(body->size) +
                           " does not extend this node's kept one: " + s.message()));
      return;
    }
  }
  opt_.keeper->Keep(seen);
}

Status PostgresStore::Refresh(PgConn& c, bool with_size) {
  // The end, the checkpoint, and how far the sequencer got in arrival order: everything below
  // the oldest pending row; when none is pending, the highest arrival it sequenced (not the
  // arrival sequence's last value, which counts arrivals still being committed: a node read
  // its own uncommitted batch as sequenced, and its backlog as 0).
  // Then the last arrival numbered by any node (0 before the first: a fresh sequence's
  // last_value is its start value).
  const std::string last_arrival =
      "(SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM "
      "pending_arrival_seq)";
  std::string sql =
      "SELECT (SELECT COALESCE(max(seq) + 1, 0) FROM events), (SELECT value FROM meta WHERE key = "
      "'checkpoint'), COALESCE((SELECT min(arrival) - 1 FROM pending), "
      "(SELECT value::bigint FROM meta WHERE key = 'sequenced_arrival'), " +
      last_arrival + "), " + last_arrival;
  if (with_size) sql += ", pg_database_size(current_database())";
  auto r = c.Query(sql);
  if (!r.ok()) return r.status();
  NoteEnd(static_cast<uint64_t>(r->Int(0, 0)));
  if (!r->IsNull(0, 1)) {
    NoteCheckpoint(std::string(r->Text(0, 1)));
    SeeCheckpoint(c, std::string(r->Text(0, 1)));
  }
  pg::AtomicMax(sequenced_arrival_, r->Int(0, 2));
  pg::AtomicMax(last_arrival_, r->Int(0, 3));
  if (with_size) {
    std::lock_guard<std::mutex> l(stats_mu_);
    stats_.disk_bytes = static_cast<uint64_t>(r->Int(0, 4));
  }
  db_ok_ = true;
  return Status::Ok();
}

void PostgresStore::ListenerLoop() {
  pg::Backoff backoff;
  pg::ConnectParams p = *params_;
  p.application_name = "trail listener";
  std::unique_ptr<PgConn> c;
  using Clock = std::chrono::steady_clock;
  Clock::time_point last_refresh{}, last_size{};
  bool reported = false;
  while (!listener_stop_.load()) {
    if (c && !c->ok()) {
      c.reset();
      db_ok_ = false;
    }
    if (!c) {
      if (!backoff.Ready()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        continue;
      }
      auto r = PgConn::Connect(p);
      Status s = r.ok() ? (*r)->Exec(std::string("LISTEN ") + pg::kSequencedChannel) : r.status();
      if (s.ok()) s = (*r)->Exec(std::string("LISTEN ") + pg::kKeysChannel);
      if (!s.ok()) {
        backoff.Failed();
        db_ok_ = false;
        if (!reported) Log("the database is unreachable: " + s.message());
        reported = true;
        continue;
      }
      if (reported) Log("the database is reachable again");
      reported = false;
      backoff.Succeeded();
      c = std::move(r.value());
      last_refresh = {};
      keys_generation_++;  // a key notification may have been missed while disconnected
    }
    bool refresh = Clock::now() - last_refresh >= std::chrono::milliseconds(500);
    Status s = c->DrainNotifications([&](std::string_view channel, std::string_view payload) {
      if (channel == pg::kKeysChannel) {
        keys_generation_++;
        return;
      }
      uint64_t end = 0, cp = 0;
      const char* p = payload.data();
      const char* e = p + payload.size();
      auto a = std::from_chars(p, e, end);
      if (a.ec != std::errc() || a.ptr == e) return;
      auto b = std::from_chars(a.ptr + 1, e, cp);
      if (b.ec != std::errc()) return;
      int64_t arrival = 0;
      if (b.ptr != e && std::from_chars(b.ptr + 1, e, arrival).ec == std::errc())
        pg::AtomicMax(sequenced_arrival_, arrival);
      NoteEnd(end);
      std::lock_guard<std::mutex> l(cp_mu_);
      if (cp > 0 && (!latest_ || latest_->size < cp)) refresh = true;
    });
    if (!s.ok()) continue;
    if (refresh) {
      const bool with_size = Clock::now() - last_size >= std::chrono::seconds(10);
      if (!Refresh(*c, with_size).ok()) continue;
      last_refresh = Clock::now();
      if (with_size) last_size = last_refresh;
    }
    c->WaitReadable(200);
  }
}

void PostgresStore::WaitOwnWrites(int timeout_ms) {
  const int64_t target = acked_arrival_.load();
  if (target <= caught_up_arrival_.load()) return;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    {
      // A connection only for the check: waiting must not hold one of the pool's.
      auto lease = pool_->Acquire();
      if (!lease.ok()) return;  // the caller's own query reports the failure
      auto r = (*lease)->Prepared("own_pending",
                                  "SELECT EXISTS(SELECT 1 FROM pending WHERE arrival <= $1)",
                                  {pg::Num(target)});
      if (!r.ok()) return;
      if (!r->Bool(0, 0)) {
        pg::AtomicMax(caught_up_arrival_, target);
        return;
      }
    }
    if (std::chrono::steady_clock::now() >= deadline) return;
    std::unique_lock<std::mutex> l(end_mu_);
    end_cv_.wait_for(l, std::chrono::milliseconds(10));
  }
}

}  // namespace trail
