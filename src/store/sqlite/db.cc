// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "store/sqlite/db.h"

#include <fcntl.h>
#include <unistd.h>

namespace trail::sqlite {

Db::~Db() {
  if (db_) sqlite3_close_v2(db_);
}

Status Db::Error(int rc, std::string_view what) const {
  std::string msg = std::string(what) + ": " + (db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
  int primary = rc & 0xff;
  if (primary == SQLITE_FULL || primary == SQLITE_IOERR || primary == SQLITE_BUSY ||
      primary == SQLITE_LOCKED || primary == SQLITE_CANTOPEN || primary == SQLITE_READONLY)
    return Status::Unavailable(msg);
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) return Status::Corruption(msg);
  if (primary == SQLITE_CONSTRAINT) return Status::Conflict(msg);
  return Status::Internal(msg);
}

Status Db::Open(const std::string& path, bool readonly) {
  int flags = readonly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  flags |= SQLITE_OPEN_NOMUTEX;
  // A new database holds personal data: create it 0600 ourselves (SQLite would make it 0644
  // less the umask, wherever --store points). SQLite gives its -wal and -shm files the mode
  // of the database file. An empty file is an empty database.
  if (!readonly && !path.empty() && path != ":memory:" && path.rfind("file:", 0) != 0) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd >= 0) ::close(fd);
  }
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) return Error(rc, "open " + path);
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, 10000);
  return Status::Ok();
}

Status Db::Exec(std::string_view sql) {
  std::string s(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    Status st = Error(rc, "exec");
    sqlite3_free(err);
    return st;
  }
  return Status::Ok();
}

Stmt::~Stmt() {
  if (st_) sqlite3_finalize(st_);
}

Status Stmt::Prepare(Db& db, std::string_view sql) {
  db_ = &db;
  int rc = sqlite3_prepare_v3(db.get(), sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &st_, nullptr);
  if (rc != SQLITE_OK) return db.Error(rc, "prepare");
  return Status::Ok();
}

bool Stmt::Step(Status* status) {
  int rc = sqlite3_step(st_);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) *status = db_->Error(rc, "step");
  return false;
}

Status Stmt::Run() {
  Status s;
  while (Step(&s)) {
  }
  Reset();
  return s;
}

}  // namespace trail::sqlite
