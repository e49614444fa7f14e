// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// trail_bench_sqlite: the raw-SQLite baselines of ingest, in C++, with the same rows trail
// stores. Each Workload event is prepared exactly as trail's ingest prepares it (PrepareEvent:
// UUIDv7 id, canonical metadata, salt and personal hash) and its leaf hash computed (format 2),
// then written as one row: id uuid text, recorded_at int, tag, subject, actor, ip, user_agent,
// metadata text, salt, personal_hash, body_hash and leaf_hash blobs (what trail stores). Row
// preparation happens outside the timed sections: the figures are SQLite's alone.
//
// Connection settings are SqliteStore's writer's: WAL, synchronous=FULL, cache_size 32 MiB,
// wal_autocheckpoint=4000; one prepared INSERT statement.
//
//   (c) noindex  — 1000 rows per transaction into a table without secondary index (a fresh
//                  table: appends in rowid order; the storage ceiling).
//   (a) indexed  — 1000 rows per transaction into a table with B-tree indexes on subject,
//                  actor and tag, pre-filled to --prefill rows (default 2,000,000) inserted in
//                  the workload's random key order, so the index pages are scattered as in a
//                  log that grew organically.
//   (b) single   — one transaction (autocommit INSERT) per row into the same pre-filled
//                  indexed table, for a bounded time.
//
// Each figure runs --reps times (for --seconds of timed commits each; (b) once for
// --single-seconds) and reports every rep and the median. Output: one JSON line per figure.
//
// The pre-filled table is built once (synchronous=OFF, 50,000-row transactions, 1 GiB cache)
// into --template and reused; each run measures on a fresh copy of it, fsync'd first so that
// the copy's dirty pages do not land in the measured commits.
#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>

#include "bench_common.h"
#include "core/clock.h"

namespace trail::bench {
namespace {

namespace fs = std::filesystem;

struct Row {
  std::string id, tag, subject;
  std::optional<std::string> actor, ip, user_agent;
  std::string metadata, salt, personal_hash, body_hash, leaf_hash;
  Micros recorded_at = 0;
};

class RowSource {
 public:
  RowSource(const std::string& types_file, uint64_t seed)
      : types_(LoadTypes(types_file)), ids_(SystemClock::Get()), w_(seed) {}
  void Fill(size_t n, std::vector<Row>* rows) {
    rows->resize(n);
    const Micros now = SystemClock::Get().NowMicros();
    for (auto& r : *rows) {
      PreparedEvent e = NextPrepared(w_, *types_, ids_);
      r.recorded_at = now;
      r.body_hash = CompleteBodyHash(e, now);
      r.leaf_hash = LeafHash(e, now);
      r.salt = std::move(e.salt);
      r.personal_hash = std::move(e.personal_hash);
      r.id = std::move(e.id);
      r.tag = std::move(e.tag);
      r.subject = std::move(e.subject);
      r.actor = std::move(e.actor);
      r.ip = std::move(e.ip);
      r.user_agent = std::move(e.user_agent);
      r.metadata = std::move(e.metadata_json);
    }
  }

 private:
  std::shared_ptr<const TypeRegistry> types_;
  Uuid7Generator ids_;
  Workload w_;
};

void Check(sqlite3* db, int rc, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
    Die(std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
}

void Exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string m = err ? err : "?";
    sqlite3_free(err);
    Die(sql + ": " + m);
  }
}

int64_t QueryInt(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* st = nullptr;
  Check(db, sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), "prepare");
  int64_t v = 0;
  if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

constexpr const char* kTable =
    "CREATE TABLE IF NOT EXISTS events(id TEXT NOT NULL, recorded_at INTEGER NOT NULL, tag TEXT "
    "NOT NULL, "
    "subject TEXT, actor TEXT, ip TEXT, user_agent TEXT, metadata TEXT, salt BLOB, personal_hash "
    "BLOB, "
    "body_hash BLOB NOT NULL, leaf_hash BLOB NOT NULL)";
constexpr const char* kIndexes =
    "CREATE INDEX IF NOT EXISTS events_subject ON events(subject);"
    "CREATE INDEX IF NOT EXISTS events_actor ON events(actor);"
    "CREATE INDEX IF NOT EXISTS events_tag ON events(tag);";

class Table {
 public:
  Table(const std::string& path, bool indexed, bool bulk) {
    Check(nullptr,
          sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr),
          "open");
    Exec(db_, "PRAGMA journal_mode=WAL");
    if (bulk) {
      Exec(db_, "PRAGMA synchronous=OFF; PRAGMA cache_size=-1048576");
    } else {
      Exec(db_,
           "PRAGMA synchronous=FULL; PRAGMA cache_size=-32768; PRAGMA wal_autocheckpoint=4000");
    }
    Exec(db_, kTable);
    if (indexed) Exec(db_, kIndexes);
    Check(db_,
          sqlite3_prepare_v3(db_, "INSERT INTO events VALUES(?,?,?,?,?,?,?,?,?,?,?,?)", -1,
                             SQLITE_PREPARE_PERSISTENT, &insert_, nullptr),
          "prepare insert");
  }
  ~Table() {
    sqlite3_finalize(insert_);
    sqlite3_close_v2(db_);
  }
  sqlite3* db() { return db_; }

  void Insert(const Row& r) {
    auto text = [&](int i, const std::string& v) {
      sqlite3_bind_text(insert_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    };
    auto opt = [&](int i, const std::optional<std::string>& v) {
      if (v) {
        text(i, *v);
      } else {
        sqlite3_bind_null(insert_, i);
      }
    };
    text(1, r.id);
    sqlite3_bind_int64(insert_, 2, r.recorded_at);
    text(3, r.tag);
    text(4, r.subject);
    opt(5, r.actor);
    opt(6, r.ip);
    opt(7, r.user_agent);
    text(8, r.metadata);
    auto blob = [&](int i, const std::string& v) {
      sqlite3_bind_blob(insert_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    };
    blob(9, r.salt);
    blob(10, r.personal_hash);
    blob(11, r.body_hash);
    blob(12, r.leaf_hash);
    Check(db_, sqlite3_step(insert_), "insert");
    sqlite3_reset(insert_);
  }
  // One transaction for all rows (batch) or one autocommit statement per row (single).
  void Write(const std::vector<Row>& rows, bool one_txn) {
    if (one_txn) Exec(db_, "BEGIN IMMEDIATE");
    for (const auto& r : rows) Insert(r);
    if (one_txn) Exec(db_, "COMMIT");
  }
  uint64_t Count() {
    return static_cast<uint64_t>(QueryInt(db_, "SELECT COALESCE(MAX(rowid), 0) FROM events"));
  }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
};

uint64_t FileBytes(const std::string& path) {
  uint64_t n = 0;
  for (const char* suffix : {"", "-wal"}) {
    std::error_code ec;
    auto s = fs::file_size(path + suffix, ec);
    if (!ec) n += s;
  }
  return n;
}

void FsyncFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) Die("open " + path);
  ::fsync(fd);
  ::close(fd);
}

struct RunResult {
  std::vector<double> rates;  // events/s of each rep
  uint64_t events = 0;
  double timed_seconds = 0;
};

// Writes rows until `seconds` of timed writing have passed (rows are prepared untimed, in
// chunks of `chunk`; batch mode commits one chunk per transaction).
double TimedRep(Table& t, RowSource& src, bool batch, double seconds, size_t chunk,
                uint64_t* events, double* timed) {
  std::vector<Row> rows;
  double spent = 0;
  uint64_t n = 0;
  while (spent < seconds) {
    src.Fill(chunk, &rows);
    double t0 = Now();
    t.Write(rows, batch);
    spent += Now() - t0;
    n += rows.size();
  }
  *events += n;
  *timed += spent;
  return static_cast<double>(n) / spent;
}

void BuildTemplate(const std::string& path, uint64_t rows, const std::string& types_file) {
  fs::remove(path);
  fs::remove(path + "-wal");
  fs::remove(path + "-shm");
  fs::remove(path + ".ok");
  Progress("building the pre-filled indexed table (" + std::to_string(rows) + " rows) at " + path);
  double t0 = Now();
  {
    Table t(path, true, true);
    RowSource src(types_file, 424242);
    std::vector<Row> chunk;
    for (uint64_t done = 0; done < rows;) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(50000, rows - done));
      src.Fill(n, &chunk);
      t.Write(chunk, true);
      done += n;
      if (done % 500000 == 0 || done == rows)
        Progress(std::to_string(done) + " rows, " + std::to_string(static_cast<int>(Now() - t0)) +
                 " s");
    }
    Exec(t.db(), "PRAGMA wal_checkpoint(TRUNCATE)");
  }
  std::ofstream(path + ".ok") << rows << "\n";
}

}  // namespace
}  // namespace trail::bench

int main(int argc, char** argv) {
  using namespace trail::bench;
  Flags f(argc, argv);
  const std::string types = f.Str("events-file", "examples/warehouse/events.toml");
  const std::string dir = f.Str("workdir", "/tmp");
  const uint64_t prefill = static_cast<uint64_t>(f.Num("prefill", 2000000));
  const std::string tmpl = f.Str("template", dir + "/indexed-template.db");
  const double seconds = f.Num("seconds", 3);
  const double single_seconds = f.Num("single-seconds", 5);
  const int reps = static_cast<int>(f.Num("reps", 3));
  const size_t batch = static_cast<size_t>(f.Num("batch", 1000));
  const std::string only = f.Str("only", "a,b,c");
  fs::create_directories(dir);

  {
    JsonObj o;
    o.Str("figure", "sqlite_version").Str("version", sqlite3_libversion());
    Emit(o);
  }

  if (only.find('c') != std::string::npos) {
    const std::string path = dir + "/noindex.db";
    for (const char* s : {"", "-wal", "-shm"}) fs::remove(path + s);
    RunResult r;
    {
      Table t(path, false, false);
      RowSource src(types, 7);
      for (int i = 0; i < reps; ++i) {
        r.rates.push_back(TimedRep(t, src, true, seconds, batch, &r.events, &r.timed_seconds));
        Progress("(c) no index, " + std::to_string(batch) + "/txn: rep " + std::to_string(i + 1) +
                 ": " + std::to_string(static_cast<int>(r.rates.back())) + " rows/s");
      }
      Exec(t.db(), "PRAGMA wal_checkpoint(TRUNCATE)");
    }
    JsonObj o;
    o.Str("figure", "sqlite_noindex_batch")
        .Num("events_per_s", Median(r.rates))
        .Nums("reps", r.rates)
        .Int("batch", batch)
        .Int("rows", r.events)
        .Num("timed_seconds", r.timed_seconds)
        .Num("bytes_per_row", static_cast<double>(FileBytes(path)) / static_cast<double>(r.events));
    Emit(o);
    for (const char* s : {"", "-wal", "-shm"}) fs::remove(path + s);
  }

  const bool want_a = only.find('a') != std::string::npos,
             want_b = only.find('b') != std::string::npos;
  if (want_a || want_b) {
    bool have = false;
    {
      std::ifstream ok(tmpl + ".ok");
      uint64_t n = 0;
      have = (ok >> n) && n == prefill && fs::exists(tmpl);
    }
    if (!have) BuildTemplate(tmpl, prefill, types);
    const std::string path = dir + "/indexed.db";
    for (const char* s : {"", "-wal", "-shm"}) fs::remove(path + s);
    double c0 = Now();
    fs::copy_file(tmpl, path, fs::copy_options::overwrite_existing);
    FsyncFile(path);
    Progress("copied the pre-filled table in " + std::to_string(Now() - c0) + " s");
    Table t(path, true, false);  // closed at the end of this block
    const uint64_t start_rows = t.Count();
    RowSource src(types, 99);
    if (want_a) {
      RunResult r;
      for (int i = 0; i < reps; ++i) {
        r.rates.push_back(TimedRep(t, src, true, seconds, batch, &r.events, &r.timed_seconds));
        Progress("(a) 3 B-tree indexes, " + std::to_string(batch) + "/txn: rep " +
                 std::to_string(i + 1) + ": " + std::to_string(static_cast<int>(r.rates.back())) +
                 " rows/s");
      }
      JsonObj o;
      o.Str("figure", "sqlite_indexed_batch")
          .Num("events_per_s", Median(r.rates))
          .Nums("reps", r.rates)
          .Int("batch", batch)
          .Int("prefill_rows", start_rows)
          .Int("rows", r.events)
          .Num("timed_seconds", r.timed_seconds);
      Emit(o);
    }
    if (want_b) {
      RunResult r;
      r.rates.push_back(TimedRep(t, src, false, single_seconds, 200, &r.events, &r.timed_seconds));
      Progress("(b) 3 B-tree indexes, 1 txn/row: " +
               std::to_string(static_cast<int>(r.rates.back())) + " rows/s");
      JsonObj o;
      o.Str("figure", "sqlite_indexed_single")
          .Num("events_per_s", Median(r.rates))
          .Nums("reps", r.rates)
          .Int("prefill_rows", start_rows)
          .Int("rows", r.events)
          .Num("timed_seconds", r.timed_seconds);
      Emit(o);
    }
    Exec(t.db(), "PRAGMA wal_checkpoint(TRUNCATE)");
    const uint64_t rows = t.Count();
    JsonObj o;
    o.Str("figure", "sqlite_indexed_size")
        .Int("rows", rows)
        .Num("bytes_per_row", static_cast<double>(FileBytes(path)) / static_cast<double>(rows));
    Emit(o);
  }
  for (const char* s : {"", "-wal", "-shm"}) fs::remove(dir + "/indexed.db" + s);
  return 0;
}
