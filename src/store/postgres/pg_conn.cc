// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "store/postgres/pg_conn.h"

#include <poll.h>

#include <charconv>

#include "core/codec.h"

namespace trail::pg {

int64_t PgResult::Int(int row, int col) const {
  std::string_view t = Text(row, col);
  int64_t v = 0;
  std::from_chars(t.data(), t.data() + t.size(), v);
  return v;
}

int64_t PgResult::Affected() const {
  if (!r_) return 0;
  std::string_view t = PQcmdTuples(r_.get());
  int64_t v = 0;
  std::from_chars(t.data(), t.data() + t.size(), v);
  return v;
}

std::string PgResult::Bytes(int row, int col) const {
  if (IsNull(row, col)) return {};
  std::string_view t = Text(row, col);
  if (t.size() < 2 || t[0] != '\\' || t[1] != 'x') return {};
  return HexDecode(t.substr(2)).value_or(std::string());
}

namespace {

std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

Status ErrorStatus(PGconn* conn, const PGresult* r, std::string_view what) {
  std::string msg = Trimmed(r ? PQresultErrorMessage(r) : "");
  if (msg.empty() && conn) msg = Trimmed(PQerrorMessage(conn));
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  std::string_view code = state ? state : "";
  const std::string text = std::string(what.substr(0, 80)) + ": " +
                           (msg.empty() ? "the database connection failed" : msg);
  // Lost connections, a server shutting down or out of resources, serialization failures,
  // a read-only (standby) server, lock or statement timeouts: retryable, hence 503.
  if (!conn || PQstatus(conn) != CONNECTION_OK || code.empty() || code.substr(0, 2) == "08" ||
      code.substr(0, 3) == "57P" || code.substr(0, 2) == "53" || code == "40001" ||
      code == "40P01" || code == "25006" || code == "55P03" || code == "57014")
    return Status::Unavailable(text);
  if (code == "23505") return Status::Conflict(text);
  return Status::Internal(text);
}

Result<std::unique_ptr<PgConn>> PgConn::Connect(const ConnectParams& p) {
  const std::string timeout = std::to_string(p.connect_timeout_seconds);
  // Keywords before `dbname` are defaults the URL may override; after it, trail's own.
  // Keepalives both ways: this side notices a dead server, and the server notices a vanished
  // node within ~25 s and ends its session (releasing the sequencer lock it may hold).
  const char* keys[] = {
      "application_name", "connect_timeout", "keepalives", "keepalives_idle", "keepalives_interval",
      "keepalives_count", "options",         "dbname",     "client_encoding", nullptr};
  const char* values[] = {
      p.application_name.c_str(),
      timeout.c_str(),
      "1",
      "10",
      "5",
      "3",
      "-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3",
      p.url.c_str(),
      "UTF8",
      nullptr};
  PGconn* c = PQconnectdbParams(keys, values, 1);
  if (!c) return Status::Unavailable("cannot reach PostgreSQL: out of memory");
  if (PQstatus(c) != CONNECTION_OK) {
    std::string msg = Trimmed(PQerrorMessage(c));
    PQfinish(c);
    return Status::Unavailable("cannot reach PostgreSQL: " + msg);
  }
  PQsetNoticeProcessor(
      c, [](void*, const char*) {}, nullptr);  // notices are not errors
  return std::unique_ptr<PgConn>(new PgConn(c));
}

PgConn::~PgConn() { PQfinish(conn_); }

Status PgConn::Check(const PgResult& r, ExecStatusType want, std::string_view what) {
  if (r.get() && (r.status() == want || r.status() == PGRES_COMMAND_OK)) return Status::Ok();
  Status s = ErrorStatus(conn_, r.get(), what);
  if (!r.get() || PQstatus(conn_) != CONNECTION_OK) broken_ = true;
  return s;
}

Status PgConn::Exec(std::string_view sql) {
  PgResult r(PQexec(conn_, std::string(sql).c_str()));
  return Check(r, PGRES_TUPLES_OK, sql);
}

Status PgConn::Commit() {
  PgResult r(PQexec(conn_, "COMMIT"));
  TRAIL_RETURN_IF_ERROR(Check(r, PGRES_COMMAND_OK, "COMMIT"));
  if (std::string_view(PQcmdStatus(r.get())) != "COMMIT")
    return Status::Unavailable("COMMIT: the transaction was rolled back");
  return Status::Ok();
}

namespace {
std::vector<const char*> Values(const Params& params) {
  std::vector<const char*> values(params.size());
  for (size_t i = 0; i < params.size(); ++i) values[i] = params[i] ? params[i]->c_str() : nullptr;
  return values;
}
}  // namespace

Result<PgResult> PgConn::Query(const std::string& sql, const Params& params) {
  auto values = Values(params);
  PgResult r(PQexecParams(conn_, sql.c_str(), static_cast<int>(params.size()), nullptr,
                          values.data(), nullptr, nullptr, 0));
  TRAIL_RETURN_IF_ERROR(Check(r, PGRES_TUPLES_OK, sql));
  return r;
}

Result<PgResult> PgConn::Prepared(const char* name, const std::string& sql, const Params& params) {
  if (!prepared_.count(name)) {
    PgResult p(PQprepare(conn_, name, sql.c_str(), 0, nullptr));
    TRAIL_RETURN_IF_ERROR(Check(p, PGRES_COMMAND_OK, sql));
    prepared_.insert(name);
  }
  auto values = Values(params);
  PgResult r(PQexecPrepared(conn_, name, static_cast<int>(params.size()), values.data(), nullptr,
                            nullptr, 0));
  TRAIL_RETURN_IF_ERROR(Check(r, PGRES_TUPLES_OK, name));
  return r;
}

Status PgConn::CopyIn(const std::string& copy_sql, std::string_view data) {
  TRAIL_RETURN_IF_ERROR(CopyBegin(copy_sql));
  TRAIL_RETURN_IF_ERROR(CopyPut(data));
  return CopyEnd();
}

Status PgConn::CopyBegin(const std::string& copy_sql) {
  PgResult r(PQexec(conn_, copy_sql.c_str()));
  if (r.status() != PGRES_COPY_IN) return Check(r, PGRES_COPY_IN, copy_sql);
  copy_sql_ = copy_sql;
  return Status::Ok();
}

Status PgConn::CopyPut(std::string_view data) {
  constexpr size_t kChunk = 1 << 20;
  for (size_t off = 0; off < data.size(); off += kChunk) {
    const size_t n = std::min(kChunk, data.size() - off);
    if (PQputCopyData(conn_, data.data() + off, static_cast<int>(n)) != 1) {
      broken_ = true;  // blocking mode: only a lost connection fails here
      return ErrorStatus(conn_, nullptr, copy_sql_);
    }
  }
  return Status::Ok();
}

Status PgConn::CopyEnd(const char* abort_reason) {
  bool sent = PQputCopyEnd(conn_, abort_reason) == 1;
  Status s;
  while (PGresult* raw = PQgetResult(conn_)) {
    PgResult r(raw);
    if (s.ok()) s = Check(r, PGRES_COMMAND_OK, copy_sql_);
  }
  if (s.ok() && !sent) {
    broken_ = true;
    s = ErrorStatus(conn_, nullptr, copy_sql_);
  }
  return s;
}

Status PgConn::DrainNotifications(
    const std::function<void(std::string_view, std::string_view)>& fn) {
  if (PQconsumeInput(conn_) != 1) {
    broken_ = true;
    return ErrorStatus(conn_, nullptr, "LISTEN");
  }
  while (PGnotify* n = PQnotifies(conn_)) {
    fn(n->relname, n->extra ? n->extra : "");
    PQfreemem(n);
  }
  return Status::Ok();
}

void PgConn::WaitReadable(int ms) {
  pollfd p{PQsocket(conn_), POLLIN, 0};
  if (p.fd < 0) return;
  poll(&p, 1, ms);
}

void Backoff::Failed() {
  next_ = std::chrono::steady_clock::now() + delay_;
  delay_ = std::min(delay_ * 2, kMax);
}

PgPool::~PgPool() = default;

Result<PgPool::Lease> PgPool::Acquire() {
  std::unique_lock<std::mutex> l(mu_);
  while (true) {
    while (!idle_.empty()) {
      std::unique_ptr<PgConn> c = std::move(idle_.back());
      idle_.pop_back();
      // A server restart leaves idle connections dead: notice it now, not on the query.
      if (PQconsumeInput(c->raw()) == 1 && c->ok()) return Lease(this, std::move(c));
      --open_;
    }
    if (open_ < max_) break;
    if (!cv_.wait_for(l, std::chrono::seconds(10), [&] { return !idle_.empty() || open_ < max_; }))
      return Status::Unavailable("all " + std::to_string(max_) + " database connections are busy");
  }
  if (!backoff_.Ready()) return Status::Unavailable("PostgreSQL is unreachable (retrying)");
  ++open_;
  l.unlock();
  auto c = PgConn::Connect(params_);
  l.lock();
  if (!c.ok()) {
    --open_;
    backoff_.Failed();
    cv_.notify_one();
    return c.status();
  }
  backoff_.Succeeded();
  return Lease(this, std::move(c.value()));
}

void PgPool::Release(std::unique_ptr<PgConn> c) {
  if (c->ok() && PQtransactionStatus(c->raw()) != PQTRANS_IDLE) {
    if (!c->Exec("ROLLBACK").ok()) c.reset();
  }
  std::lock_guard<std::mutex> l(mu_);
  if (c && c->ok()) {
    idle_.push_back(std::move(c));
  } else {
    --open_;
  }
  cv_.notify_one();
}

void CopyText(std::string_view v, std::string* out) {
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
  if (!v) {
    out->append("\\N");
  } else {
    CopyText(*v, out);
  }
}

std::string TextArray(const std::vector<std::string>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out.push_back(',');
    out.push_back('"');
    for (char ch : items[i]) {
      if (ch == '"' || ch == '\\') out.push_back('\\');
      out.push_back(ch);
    }
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

std::string ByteaHex(std::string_view bytes) { return "\\x" + HexEncode(bytes); }

std::string CopyBytea(std::string_view bytes) { return "\\\\x" + HexEncode(bytes); }

}  // namespace trail::pg
