// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// A throwaway PostgreSQL cluster for the store's unit tests (postgres_store_test.cc,
// store_contract_test.cc): tests/pg_cluster.py runs initdb in a temporary folder and a server
// on a free loopback port; each test takes a fresh database of it. One cluster per test
// process (ctest runs each test in its own process), stopped when the process ends.
// Needs TRAIL_SOURCE_DIR (the source tree, where tests/pg_cluster.py lives).
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <string>

namespace trail::test {

// Runs `cmd` with the shell; returns its standard output and sets *code to its exit code.
inline std::string RunCommand(const std::string& cmd, int* code) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) {
    *code = -1;
    return out;
  }
  char buf[512];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int status = pclose(p);
  *code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

class PgCluster {
 public:
  static PgCluster& Get() {
    static PgCluster c;
    return c;
  }
  // No PostgreSQL server binaries are installed: the only reason a test may skip.
  bool missing() const { return code_ == 3; }
  bool ok() const { return code_ == 0; }
  const std::string& error() const { return out_; }

  // The URL of a new, empty database, or "" when it could not be made.
  std::string CreateDb() {
    static std::atomic<int> n{0};
    std::string name = "t" + std::to_string(getpid()) + "_" + std::to_string(n++);
    int code = 0;
    std::string url = RunCommand("python3 " + script() + " createdb " + dir_ + " " + name, &code);
    while (!url.empty() && url.back() == '\n') url.pop_back();
    return code == 0 ? url : "";
  }
  // Stops the server, keeping its files (an outage); Resume starts it again on the same port.
  void Pause() {
    int code = 0;
    RunCommand("python3 " + script() + " pause " + dir_, &code);
  }
  void Resume() {
    int code = 0;
    RunCommand("python3 " + script() + " resume " + dir_, &code);
  }
  ~PgCluster() {
    if (ok()) {
      int code = 0;
      RunCommand("python3 " + script() + " stop " + dir_, &code);
    }
  }

 private:
  PgCluster() {
    out_ = RunCommand("python3 " + script() + " start 2>&1", &code_);
    if (code_ != 0) return;
    auto nl = out_.find('\n');
    dir_ = out_.substr(nl + 1);
    while (!dir_.empty() && dir_.back() == '\n') dir_.pop_back();
  }
  static std::string script() { return std::string(TRAIL_SOURCE_DIR) + "/tests/pg_cluster.py"; }

  int code_ = -1;
  std::string out_, dir_;
};

// Runs SQL on a database directly (schema checks, simulated damage): the first column of the
// first row, "" without rows, or "ERROR …".
inline std::string RunSql(const std::string& url, const std::string& sql) {
  PGconn* c = PQconnectdb(url.c_str());
  std::string out;
  PGresult* r = PQexec(c, sql.c_str());
  if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0) out = PQgetvalue(r, 0, 0);
  if (PQresultStatus(r) == PGRES_FATAL_ERROR) out = std::string("ERROR ") + PQresultErrorMessage(r);
  PQclear(r);
  PQfinish(c);
  return out;
}

}  // namespace trail::test

// In a fixture's SetUp (or a test): sets `url` to a fresh database of the cluster; skips the
// test when no PostgreSQL server binaries are installed, fails it when the cluster would not
// start. A macro, because GTEST_SKIP and ASSERT_* return from the function they are in.
#define TRAIL_PG_FRESH_DB_OR_SKIP(url)                                                            \
  do {                                                                                            \
    ::trail::test::PgCluster& pg_cluster_ = ::trail::test::PgCluster::Get();                      \
    if (pg_cluster_.missing())                                                                    \
      GTEST_SKIP()                                                                                \
          << "no PostgreSQL server binaries installed (Debian: apt-get install postgresql)";      \
    ASSERT_TRUE(pg_cluster_.ok()) << "tests/pg_cluster.py start failed: " << pg_cluster_.error(); \
    (url) = pg_cluster_.CreateDb();                                                               \
    ASSERT_FALSE((url).empty()) << "tests/pg_cluster.py createdb failed";                         \
  } while (0)
