// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// Thin RAII over libpq: a result (PgResult), a connection with its prepared statements
// (PgConn), a pool of connections (PgPool) and the reconnect backoff they share.
//
// Every libpq failure becomes a Status: a lost or refused connection (SQLSTATE class 08,
// 57P01-57P03, 53300, or the socket itself) is kUnavailable (HTTP 503) and marks the
// connection broken, so its owner reconnects — after a backoff, never in a tight loop; a
// unique violation is kConflict; anything else kInternal. Results are read in text format.
//
// Threads: a PgConn is used by one thread at a time. PgPool is thread-safe; a leased
// connection belongs to the leasing thread until the lease ends.
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace trail::pg {

// Query parameters in text format; nullopt is SQL NULL.
using Params = std::vector<std::optional<std::string>>;

class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(PGresult* r) : r_(r) {}
  PGresult* get() const { return r_.get(); }
  ExecStatusType status() const { return r_ ? PQresultStatus(r_.get()) : PGRES_FATAL_ERROR; }
  int rows() const { return r_ ? PQntuples(r_.get()) : 0; }
  bool IsNull(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
  std::string_view Text(int row, int col) const {
    return std::string_view(PQgetvalue(r_.get(), row, col),
                            static_cast<size_t>(PQgetlength(r_.get(), row, col)));
  }
  std::optional<std::string> OptText(int row, int col) const {
    if (IsNull(row, col)) return std::nullopt;
    return std::string(Text(row, col));
  }
  int64_t Int(int row, int col) const;
  // Rows changed by an INSERT/UPDATE/DELETE.
  int64_t Affected() const;
  bool Bool(int row, int col) const { return Text(row, col) == "t"; }
  // A bytea column (hex output format) as raw bytes; empty for NULL or malformed.
  std::string Bytes(int row, int col) const;

 private:
  struct Free {
    void operator()(PGresult* r) const { PQclear(r); }
  };
  std::unique_ptr<PGresult, Free> r_;
};

// How to reach the database: the postgresql:// URL plus defaults trail adds (application
// name, connect timeout, TCP keepalives) unless the URL sets them.
struct ConnectParams {
  std::string url;
  std::string application_name = "trail";
  int connect_timeout_seconds = 5;
};

class PgConn {
 public:
  static Result<std::unique_ptr<PgConn>> Connect(const ConnectParams& p);
  ~PgConn();
  PgConn(const PgConn&) = delete;
  PgConn& operator=(const PgConn&) = delete;

  // False once the connection was lost; the owner drops it and reconnects.
  bool ok() const { return !broken_ && PQstatus(conn_) == CONNECTION_OK; }
  PGconn* raw() const { return conn_; }

  // One or more statements without parameters (simple query protocol).
  Status Exec(std::string_view sql);
  // COMMIT, checking that the server really committed (a COMMIT of a failed transaction
  // answers "ROLLBACK" without an error).
  Status Commit();
  Result<PgResult> Query(const std::string& sql, const Params& params = {});
  // Prepares `sql` as `name` once per connection, then executes it.
  Result<PgResult> Prepared(const char* name, const std::string& sql, const Params& params);
  // COPY … FROM STDIN with `data` in COPY text format (see CopyText).
  Status CopyIn(const std::string& copy_sql, std::string_view data);
  // The same in pieces, so that PostgreSQL inserts rows while the caller makes the next ones:
  // CopyBegin, any number of CopyPut, then CopyEnd() — or CopyEnd(reason), which makes the
  // COPY fail (the caller rolls back). A failed CopyBegin needs no CopyEnd; a failed CopyPut
  // means the connection is lost.
  Status CopyBegin(const std::string& copy_sql);
  Status CopyPut(std::string_view data);
  Status CopyEnd(const char* abort_reason = nullptr);
  // Reads notifications that arrived (non-blocking); calls fn(channel, payload) for each.
  Status DrainNotifications(const std::function<void(std::string_view, std::string_view)>& fn);
  // Waits until the socket has input (a notification) or `ms` passes.
  void WaitReadable(int ms);

 private:
  explicit PgConn(PGconn* c) : conn_(c) {}
  // OK if `r` has status `want` (or COMMAND_OK); else the error, marking a lost connection.
  Status Check(const PgResult& r, ExecStatusType want, std::string_view what);
  PGconn* conn_;
  bool broken_ = false;
  std::set<std::string> prepared_;
  std::string copy_sql_;  // of the COPY in progress
};

// The Status for a failed result (or a null one: the connection failed).
Status ErrorStatus(PGconn* conn, const PGresult* r, std::string_view what);

// Exponential backoff between reconnect attempts: 100 ms doubling to 2 s, reset on success.
class Backoff {
 public:
  bool Ready() const { return std::chrono::steady_clock::now() >= next_; }
  void Failed();
  void Succeeded() {
    delay_ = kFirst;
    next_ = {};
  }
  std::chrono::milliseconds delay() const { return delay_; }

 private:
  static constexpr std::chrono::milliseconds kFirst{100}, kMax{2000};
  std::chrono::milliseconds delay_ = kFirst;
  std::chrono::steady_clock::time_point next_{};
};

// Connections for reads, keys and retention. Acquire() reuses an idle connection, opens a new
// one up to `max`, or waits for one to be returned. While the database cannot be reached,
// Acquire() fails at once with kUnavailable until the backoff allows the next attempt.
class PgPool {
 public:
  PgPool(ConnectParams p, size_t max) : params_(std::move(p)), max_(max) {}
  ~PgPool();

  class Lease {
   public:
    Lease(PgPool* pool, std::unique_ptr<PgConn> c) : pool_(pool), c_(std::move(c)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&& o) noexcept {
      if (this != &o) {
        if (c_) pool_->Release(std::move(c_));
        pool_ = o.pool_;
        c_ = std::move(o.c_);
      }
      return *this;
    }
    ~Lease() {
      if (c_) pool_->Release(std::move(c_));
    }
    PgConn* operator->() const { return c_.get(); }
    PgConn& operator*() const { return *c_; }

   private:
    PgPool* pool_;
    std::unique_ptr<PgConn> c_;
  };

  Result<Lease> Acquire();

 private:
  void Release(std::unique_ptr<PgConn> c);
  ConnectParams params_;
  size_t max_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<PgConn>> idle_;
  size_t open_ = 0;
  Backoff backoff_;
};

// COPY text format: appends `v` escaped (backslash, tab, newline, CR), or \N for NULL.
void CopyOpt(const std::optional<std::string>& v, std::string* out);
void CopyText(std::string_view v, std::string* out);
// A PostgreSQL array literal of texts ({"a","b\"c"}), for `$1::text[]` parameters.
std::string TextArray(const std::vector<std::string>& items);
// bytea input in hex format: \x0a1b…
std::string ByteaHex(std::string_view bytes);
// A bytea value in COPY text format: the hex input form with its backslash escaped.
std::string CopyBytea(std::string_view bytes);

}  // namespace trail::pg
