// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// What `trail verify`'s parts share (SPEC §5): verify.cc (the flags), verify_data.cc
// (offline, --data) and verify_url.cc (remote, --url). Internal to the CLI; single-threaded
// use.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace trail {

// A progress line on stderr when it is a terminal, at most five times a second.
struct Progress {
  bool tty = isatty(STDERR_FILENO);
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now(), last = t0;
  void Tick(uint64_t done, uint64_t total, const char* what) {
    if (!tty) return;
    auto now = std::chrono::steady_clock::now();
    if (now - last < std::chrono::milliseconds(200) && done != total) return;
    last = now;
    double el = std::chrono::duration<double>(now - t0).count();
    std::fprintf(stderr, "\r%s %llu / %llu (%.0f/s)   ", what,
                 static_cast<unsigned long long>(done), static_cast<unsigned long long>(total),
                 el > 0 ? static_cast<double>(done) / el : 0.0);
  }
  void Done() {
    if (tty) std::fprintf(stderr, "\n");
  }
};

// Every problem found, one `MISMATCH …` line each on stdout (the first 1,000 shown).
struct Report {
  uint64_t problems = 0;
  void Bad(const std::string& line) {
    ++problems;
    if (problems <= 1000) std::printf("MISMATCH %s\n", line.c_str());
    if (problems == 1000) std::printf("(further mismatches not shown)\n");
  }
};

// `trail verify --data`: the embedded store at `db_path` (default DATA/trail.db), with the
// checkpoints signed by `vkey` (default: the key of DATA/log.key). Returns the exit code: 0
// verified, 1 a mismatch, 2 could not verify.
int VerifyData(const std::string& data, std::string db_path, const std::string& vkey);

// `trail verify --url`: the flags, already resolved. An empty `key` checks the checkpoint and
// the tiles only; with one, every event is read and recomputed too.
struct UrlVerifyOptions {
  std::string url, vkey, state, key, cacert;
  bool insecure = false;
};
// Returns the exit code: 0 verified, 1 a mismatch, 2 could not verify (unreachable, refused).
int VerifyUrl(const UrlVerifyOptions& o);

}  // namespace trail
