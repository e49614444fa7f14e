// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// Thin RAII over the SQLite C API: a connection (Db) and a prepared statement (Stmt).
// Neither is thread-safe; each thread uses its own Db (see SqliteStore's reader pool).
// Every error becomes a Status carrying sqlite3_errmsg; SQLITE_FULL and I/O errors map to
// kUnavailable so that writers answer 503 and nothing is acknowledged.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace trail::sqlite {

class Db {
 public:
  Db() = default;
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  Status Open(const std::string& path, bool readonly);
  Status Exec(std::string_view sql);
  sqlite3* get() const { return db_; }
  Status Error(int rc, std::string_view what) const;

 private:
  sqlite3* db_ = nullptr;
};

class Stmt {
 public:
  Stmt() = default;
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Status Prepare(Db& db, std::string_view sql);
  bool prepared() const { return st_ != nullptr; }
  // Binding: 1-based indexes, as SQLite's.
  void Bind(int i, int64_t v) { sqlite3_bind_int64(st_, i, v); }
  void Bind(int i, std::string_view v) {
    sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void BindStatic(int i, std::string_view v) {  // v must outlive the step
    sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  }
  void BindBlob(int i, std::string_view v) {
    sqlite3_bind_blob(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void BindNull(int i) { sqlite3_bind_null(st_, i); }
  // Step: returns true for a row, false when done; errors go to *status.
  bool Step(Status* status);
  Status Run();  // step to completion, expecting no rows
  void Reset() {
    sqlite3_reset(st_);
    sqlite3_clear_bindings(st_);
  }

  int64_t Int(int col) const { return sqlite3_column_int64(st_, col); }
  bool IsNull(int col) const { return sqlite3_column_type(st_, col) == SQLITE_NULL; }
  std::string_view Text(int col) const {
    const char* p = reinterpret_cast<const char*>(sqlite3_column_text(st_, col));
    return p ? std::string_view(p, sqlite3_column_bytes(st_, col)) : std::string_view();
  }
  // Text, or nullopt for SQL NULL, in one call (sqlite3_column_text returns NULL only then).
  std::optional<std::string_view> TextOrNull(int col) const {
    const char* p = reinterpret_cast<const char*>(sqlite3_column_text(st_, col));
    if (!p) return std::nullopt;
    return std::string_view(p, sqlite3_column_bytes(st_, col));
  }
  std::string_view Blob(int col) const {
    const char* p = static_cast<const char*>(sqlite3_column_blob(st_, col));
    return p ? std::string_view(p, sqlite3_column_bytes(st_, col)) : std::string_view();
  }

 private:
  Db* db_ = nullptr;
  sqlite3_stmt* st_ = nullptr;
};

}  // namespace trail::sqlite
