// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// trail_bench_pg: the raw-PostgreSQL baselines, in C++ with libpq, with the rows
// PostgresStore stores. Each Workload event is prepared exactly as trail's ingest prepares it
// (PrepareEvent: UUIDv7 id, canonical metadata, salt and personal hash) and its leaf hash
// computed, outside the timed sections; the table is PostgresStore's `events` copied (`LIKE
// events INCLUDING ALL` after trail's migrations ran: primary key seq, unique id, (subject,
// seq), (actor, seq), (ip, seq), (tag, seq), (recorded_at, seq), text COLLATE "C", the same
// storage options). The figures are PostgreSQL's alone.
//
//   copy       COPY … FROM STDIN of --batch rows (default 1000) per transaction, one after the
//              other on one connection, for --seconds of timed commits per rep; rows/s.
//   single     one transaction per event (an autocommit INSERT, prepared) from one connection,
//              for --single-seconds; rows/s.
//   single64   the same from --connections connections at once (default 64), each waiting for
//              its commit; rows/s over the wall time.
//
// A pool of --pool prepared rows (default 50,000) is built once and cycled; each written row
// gets a fresh seq (contiguous, like trail's) and a fresh UUIDv7 id, so both unique indexes
// see new keys; recorded_at is the time of its batch. The table (--table, default
// baseline_events) is created if missing; --reset drops it first. Rows accumulate across reps
// and runs without --reset (trail's log grows the same way over its reps).
//
//   trail_bench_pg --url postgresql://… [--only copy,single,single64] [--reps 3] [--seconds 5]
//                  [--single-seconds 5] [--batch 1000] [--connections 64] [--reset]
//
// Output: one JSON line per figure (pg_version, pg_copy_batch, pg_insert_single,
// pg_insert_single_64), with every rep and the median.
#include <libpq-fe.h>

#include <atomic>
#include <functional>
#include <optional>
#include <thread>

#include "bench_common.h"
#include "core/clock.h"
#include "core/codec.h"
#include "store/postgres/postgres_store.h"

namespace trail::bench {
namespace {

// One prepared event: the COPY text of every column after seq, id and recorded_at, and the
// same values as INSERT parameters.
struct Row {
  std::string copy_tail;  // "\t<occurred_at>\t<tag>\t…\t<leaf_hash>\n"
  std::optional<std::string> occurred_at, actor, ip, user_agent, location, metadata;
  std::string tag, subject;
  std::string salt_hex, personal_hash_hex, body_hash_hex, leaf_hash_hex;  // bytea as "\x…" text
};

void CopyEscape(std::string_view v, std::string* out) {
  for (char ch : v) {
    switch (ch) {
      case '\\':
        out->append("\\\\");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      default:
        out->push_back(ch);
    }
  }
}

void CopyOpt(const std::optional<std::string>& v, std::string* out) {
  if (v) {
    CopyEscape(*v, out);
  } else {
    out->append("\\N");
  }
}

std::vector<Row> BuildPool(const std::string& types_file, size_t n) {
  auto types = LoadTypes(types_file);
  Uuid7Generator ids(SystemClock::Get());
  Workload w(7007);
  const Micros now = SystemClock::Get().NowMicros();
  std::vector<Row> pool(n);
  for (auto& r : pool) {
    PreparedEvent e = NextPrepared(w, *types, ids);
    // As PostgresStore stores it: metadata NULL when "{}", occurred_at NULL when not given.
    if (e.occurred_at) r.occurred_at = std::to_string(*e.occurred_at);
    r.tag = e.tag;
    r.subject = e.subject;
    r.actor = e.actor;
    r.ip = e.ip;
    r.user_agent = e.user_agent;
    if (e.metadata_json != "{}") r.metadata = e.metadata_json;
    r.location = e.location_json;
    r.salt_hex = "\\x" + HexEncode(e.salt);
    r.personal_hash_hex = "\\x" + HexEncode(e.personal_hash);
    r.body_hash_hex = "\\x" + HexEncode(CompleteBodyHash(e, now));
    r.leaf_hash_hex = "\\x" + HexEncode(LeafHash(e, now));
    std::string& t = r.copy_tail;
    t.push_back('\t');
    CopyOpt(r.occurred_at, &t);
    for (const std::optional<std::string>& v :
         {std::optional<std::string>(r.tag), std::optional<std::string>(r.subject), r.actor, r.ip,
          r.user_agent, r.location, r.metadata}) {
      t.push_back('\t');
      CopyOpt(v, &t);
    }
    // "\\x…": COPY text unescapes it to "\x…"
    for (const std::string* h :
         {&r.salt_hex, &r.personal_hash_hex, &r.body_hash_hex, &r.leaf_hash_hex})
      t += "\t\\" + *h;
    t += "\n";
  }
  return pool;
}

PGconn* Connect(const std::string& url) {
  PGconn* c = PQconnectdb(url.c_str());
  if (PQstatus(c) != CONNECTION_OK) Die("connect " + url + ": " + PQerrorMessage(c));
  PQsetNoticeProcessor(
      c, [](void*, const char*) {}, nullptr);  // "… does not exist, skipping"
  return c;
}

void Exec(PGconn* c, const std::string& sql) {
  PGresult* r = PQexec(c, sql.c_str());
  const auto st = PQresultStatus(r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    std::string m = PQerrorMessage(c);
    PQclear(r);
    Die(sql.substr(0, 200) + ": " + m);
  }
  PQclear(r);
}

std::string QueryText(PGconn* c, const std::string& sql) {
  PGresult* r = PQexec(c, sql.c_str());
  if (PQresultStatus(r) != PGRES_TUPLES_OK) Die(sql + ": " + PQerrorMessage(c));
  std::string v = PQntuples(r) > 0 && !PQgetisnull(r, 0, 0) ? PQgetvalue(r, 0, 0) : "";
  PQclear(r);
  return v;
}

// PostgresStore's own `events` under another name: the store's migrations create the schema
// in this database (opening a PostgresStore does that), then the table is copied with its
// columns, collations, defaults, indexes and storage options — so the baseline follows the
// schema when it changes. The store's `events` stays empty.
void CreateTable(const std::string& url, PGconn* c, const std::string& t, bool reset) {
  {
    trail::PostgresOptions o;
    o.url = url;
    o.sequencer = false;
    o.log = [](const std::string&) {};
    auto store = trail::PostgresStore::Open(o);
    if (!store.ok()) Die("creating trail's schema: " + store.status().ToString());
  }
  if (reset) Exec(c, "DROP TABLE IF EXISTS " + t);
  Exec(c, "CREATE TABLE IF NOT EXISTS " + t + " (LIKE events INCLUDING ALL)");
  const std::string options = QueryText(
      c, "SELECT array_to_string(reloptions, ', ') FROM pg_class WHERE oid = 'events'::regclass");
  if (!options.empty()) Exec(c, "ALTER TABLE " + t + " SET (" + options + ")");
}

constexpr const char* kColumns =
    "seq, id, recorded_at, occurred_at, tag, subject, actor, ip, user_agent, location, metadata, "
    "salt, personal_hash, body_hash, leaf_hash";

// Shared by the writers: the next seq and the pool position.
struct Cursor {
  std::atomic<uint64_t> seq{0};
  std::atomic<uint64_t> at{0};
};

// One COPY transaction of `batch` rows; returns the rows written.
void CopyBatch(PGconn* c, const std::string& table, const std::vector<Row>& pool, Cursor& cur,
               Uuid7Generator& ids, size_t batch, std::string* buf) {
  buf->clear();
  const std::string now = std::to_string(SystemClock::Get().NowMicros());
  uint64_t seq = cur.seq.fetch_add(batch);
  uint64_t at = cur.at.fetch_add(batch);
  for (size_t i = 0; i < batch; ++i) {
    *buf += std::to_string(seq++);
    buf->push_back('\t');
    *buf += ids.Next();
    buf->push_back('\t');
    *buf += now;
    *buf += pool[at++ % pool.size()].copy_tail;
  }
  PGresult* r = PQexec(c, ("COPY " + table + "(" + kColumns + ") FROM STDIN").c_str());
  if (PQresultStatus(r) != PGRES_COPY_IN) Die(std::string("COPY: ") + PQerrorMessage(c));
  PQclear(r);
  if (PQputCopyData(c, buf->data(), static_cast<int>(buf->size())) != 1 ||
      PQputCopyEnd(c, nullptr) != 1)
    Die(std::string("COPY data: ") + PQerrorMessage(c));
  r = PQgetResult(c);
  if (PQresultStatus(r) != PGRES_COMMAND_OK) Die(std::string("COPY: ") + PQerrorMessage(c));
  PQclear(r);
  while ((r = PQgetResult(c))) PQclear(r);
}

void Prepare(PGconn* c, const std::string& table) {
  PGresult* r = PQprepare(c, "ins",
                          ("INSERT INTO " + table + "(" + kColumns +
                           ") VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::bytea, "
                           "$13::bytea, $14::bytea, $15::bytea)")
                              .c_str(),
                          15, nullptr);
  if (PQresultStatus(r) != PGRES_COMMAND_OK) Die(std::string("prepare: ") + PQerrorMessage(c));
  PQclear(r);
}

// One autocommit INSERT (its own transaction, committed durably before it returns).
void InsertOne(PGconn* c, const std::vector<Row>& pool, Cursor& cur, Uuid7Generator& ids) {
  const Row& row = pool[cur.at.fetch_add(1) % pool.size()];
  const std::string seq = std::to_string(cur.seq.fetch_add(1));
  const std::string id = ids.Next();
  const std::string now = std::to_string(SystemClock::Get().NowMicros());
  auto p = [](const std::optional<std::string>& v) { return v ? v->c_str() : nullptr; };
  const char* values[15] = {seq.c_str(),
                            id.c_str(),
                            now.c_str(),
                            p(row.occurred_at),
                            row.tag.c_str(),
                            row.subject.c_str(),
                            p(row.actor),
                            p(row.ip),
                            p(row.user_agent),
                            p(row.location),
                            p(row.metadata),
                            row.salt_hex.c_str(),
                            row.personal_hash_hex.c_str(),
                            row.body_hash_hex.c_str(),
                            row.leaf_hash_hex.c_str()};
  PGresult* r = PQexecPrepared(c, "ins", 15, values, nullptr, nullptr, 0);
  if (PQresultStatus(r) != PGRES_COMMAND_OK) Die(std::string("INSERT: ") + PQerrorMessage(c));
  PQclear(r);
}

// Runs `connections` writers for `seconds`; each calls `step` in a loop and returns its rows.
double RunWriters(const std::string& url, const std::string& table, int connections, double seconds,
                  const std::function<uint64_t(PGconn*, Uuid7Generator&)>& step, uint64_t* rows) {
  std::vector<PGconn*> conns;
  for (int i = 0; i < connections; ++i) {
    conns.push_back(Connect(url));
    Prepare(conns.back(), table);
  }
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> n{0};
  std::vector<std::thread> threads;
  const double t0 = Now();
  for (int i = 0; i < connections; ++i) {
    threads.emplace_back([&, i] {
      Uuid7Generator ids(SystemClock::Get());
      while (!stop.load(std::memory_order_relaxed)) n += step(conns[static_cast<size_t>(i)], ids);
    });
  }
  while (Now() - t0 < seconds) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  stop = true;
  for (auto& t : threads) t.join();
  const double wall = Now() - t0;
  for (PGconn* c : conns) PQfinish(c);
  *rows += n.load();
  return static_cast<double>(n.load()) / wall;
}

}  // namespace
}  // namespace trail::bench

int main(int argc, char** argv) {
  using namespace trail::bench;
  Flags f(argc, argv);
  const std::string url = f.Str("url");
  if (url.empty()) Die("--url postgresql://… is required");
  const std::string types = f.Str("events-file", "examples/warehouse/events.toml");
  const std::string table = f.Str("table", "baseline_events");
  const double seconds = f.Num("seconds", 5);
  const double single_seconds = f.Num("single-seconds", 5);
  const int reps = static_cast<int>(f.Num("reps", 3));
  const size_t batch = static_cast<size_t>(f.Num("batch", 1000));
  const int connections = static_cast<int>(f.Num("connections", 64));
  const size_t pool_size = static_cast<size_t>(f.Num("pool", 50000));
  const std::string only = f.Str("only", "copy,single,single64");
  auto want = [&](const std::string& k) {
    return ("," + only + ",").find("," + k + ",") != std::string::npos;
  };

  PGconn* admin = Connect(url);
  {
    JsonObj o;
    o.Str("figure", "pg_version")
        .Str("version", QueryText(admin, "SHOW server_version"))
        .Str("fsync", QueryText(admin, "SHOW fsync"))
        .Str("synchronous_commit", QueryText(admin, "SHOW synchronous_commit"));
    Emit(o);
  }
  CreateTable(url, admin, table, f.Has("reset"));
  Cursor cur;
  cur.seq = static_cast<uint64_t>(
      std::stoull(QueryText(admin, "SELECT COALESCE(max(seq) + 1, 0) FROM " + table)));
  const double b0 = Now();
  const std::vector<Row> pool = BuildPool(types, pool_size);
  Progress("prepared " + std::to_string(pool.size()) + " rows in " + std::to_string(Now() - b0) +
           " s");

  auto start_rows = [&] { return std::stoull(QueryText(admin, "SELECT count(*) FROM " + table)); };
  if (want("copy")) {
    std::vector<double> rates;
    uint64_t rows = 0;
    const uint64_t before = start_rows();
    for (int i = 0; i < reps; ++i) {
      rates.push_back(RunWriters(
          url, table, 1, seconds,
          [&](PGconn* c, trail::Uuid7Generator& ids) -> uint64_t {
            thread_local std::string buf;
            CopyBatch(c, table, pool, cur, ids, batch, &buf);
            return batch;
          },
          &rows));
      Progress("COPY " + std::to_string(batch) + " rows/txn, 1 connection: rep " +
               std::to_string(i + 1) + ": " + std::to_string(static_cast<int>(rates.back())) +
               " rows/s");
    }
    JsonObj o;
    o.Str("figure", "pg_copy_batch")
        .Num("events_per_s", Median(rates))
        .Nums("reps", rates)
        .Int("batch", batch)
        .Int("connections", 1)
        .Int("rows", rows)
        .Int("table_rows_before", before);
    Emit(o);
  }
  auto single = [&](const char* figure, int conns) {
    std::vector<double> rates;
    uint64_t rows = 0;
    const uint64_t before = start_rows();
    for (int i = 0; i < reps; ++i) {
      rates.push_back(RunWriters(
          url, table, conns, single_seconds,
          [&](PGconn* c, trail::Uuid7Generator& ids) -> uint64_t {
            InsertOne(c, pool, cur, ids);
            return 1;
          },
          &rows));
      Progress(std::string("INSERT, 1 txn/event, ") + std::to_string(conns) +
               " connection(s): rep " + std::to_string(i + 1) + ": " +
               std::to_string(static_cast<int>(rates.back())) + " rows/s");
    }
    JsonObj o;
    o.Str("figure", figure)
        .Num("events_per_s", Median(rates))
        .Nums("reps", rates)
        .Int("connections", conns)
        .Int("rows", rows)
        .Int("table_rows_before", before);
    Emit(o);
  };
  if (want("single")) single("pg_insert_single", 1);
  if (want("single64")) single("pg_insert_single_64", connections);
  PQfinish(admin);
  return 0;
}
