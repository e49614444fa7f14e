// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// trail::Client — record audit events into a trail server without blocking the application
// and without losing them (SPEC §7a; the guarantees in one table: docs/DELIVERY.md).
//
//   std::string error;
//   auto audit = trail::Client::Open({.url = "http://127.0.0.1:8420", .key = key,
//                                     .spool_path = "/var/spool/myapp-trail"}, &error);
//   audit->Record({.tag = "account:login:success", .subject = "user:alice", .actor = "alice",
//                  .metadata_json = R"({"auth_method":"password"})"});
//
// The contract:
// - Record() returns at once (a short critical section; no I/O, no allocation beyond the
//   queue's and the future's). It stamps occurred_at when the event has none. The future
//   resolves when the server acknowledged the event (kStored, with its id and seq), refused
//   it (kRefused: a 400/413 naming this event; the rest of its batch is resent), or when the
//   client could not keep it (kRejected, see "full" below); at destruction, events still only
//   in the spool resolve kSpooled: they are on disk and the next client on that spool sends
//   them. Nobody needs to wait on the future.
// - A dispatcher thread cuts the queue into batches (batch_size events, or what is queued
//   once the oldest event waited flush_interval), gives each event an idempotency key (a
//   UUIDv7 in hex — time-ordered, so the server's key index grows at its end — unless the
//   caller set one) and hands the batches to `connections` sender threads,
//   each with one keep-alive HTTP/1.1 connection, POSTing NDJSON.
// - Connection errors, 429 (Retry-After honoured), 503 and other 5xx, 401/403 are retried with
//   exponential backoff and jitter. When a batch keeps failing for spool_after (or at once
//   while Flush() or the destructor waits) the client switches to the spool: every unsent
//   event, in record order, is appended to a file in spool_path (length-prefixed, crc32-checked
//   records, fsync'd before they count as spooled), new events go behind them, and the spool
//   is replayed oldest first on one connection until empty. Replays carry the original
//   idempotency keys: the server stores each event once, also after a crash of this process.
// - Order: with connections = 1 events are stored in record order; with more, batches in
//   flight at the same time may commit in either order. The spool is always replayed in order.
// - Full: the queue holds at most max_queue events, the spool at most max_spool_bytes. Only
//   when both are full does Record() wait, at most full_wait, for room; then its future
//   resolves kRejected and Stats().dropped counts it. Nothing is dropped silently.
// - Flush(timeout) returns true once every event recorded before the call (and every record
//   an earlier process left in the spool) is acknowledged, or — when an attempt made during
//   the call failed — spooled; false on timeout.
// - The destructor flushes (at most close_timeout), then spools what is left and joins its
//   threads (a request in progress may add up to timeout_seconds).
//
// Threads: Record(), Flush() and Stats() may be called from any number of threads at once.
// One process at a time owns a spool: the client takes the first free slot directory
// (slot-0, slot-1, …) of spool_path under an flock; a slot left by a process that died is
// replayed by the next client that takes it. The spool format is shared with the Python
// client (clients/python/trail_client.py).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>

namespace trail {

class Client {
 public:
  struct Options {
    std::string url{};                               // http(s)://host[:port][/base]
    std::string key{};                               // a writer API key
    std::string spool_path{};                        // a directory (created when missing)
    size_t batch_size = 1000;                        // events per request, <= 10000
    std::chrono::milliseconds flush_interval{100};   // oldest event waits at most this
    uint64_t max_spool_bytes = uint64_t{256} << 20;  // spool files on disk
    size_t max_queue = 100000;                       // events in memory
    int connections = 4;                             // sender connections
    std::chrono::milliseconds full_wait{100};        // Record()'s wait when all is full
    std::chrono::milliseconds spool_after{2000};     // failing this long: spool
    std::chrono::milliseconds backoff_initial{50};
    std::chrono::milliseconds backoff_max{5000};
    std::chrono::milliseconds close_timeout{5000};  // the destructor's flush
    double timeout_seconds = 10;                    // one request, connect included
    std::string ca_file{};                          // TLS: trust these; empty = system
    bool insecure = false;                          // TLS: no certificate checks
    // Where the client reports refused events and outages (one line each); default stderr.
    // Called from the client's threads.
    std::function<void(const std::string&)> log{};
  };

  struct Event {
    std::string tag{};                        // required
    std::string subject{};                    // required, kind:id
    std::string actor{}, ip{}, user_agent{};  // optional: empty = absent
    std::string metadata_json{};              // optional: a JSON object, e.g. R"({"role":"Owner"})"
    std::optional<std::chrono::system_clock::time_point> occurred_at{};  // default: Record() time
    std::string idempotency_key{};  // optional: default a fresh UUIDv7
  };

  struct Ack {
    enum class State { kStored, kRefused, kRejected, kSpooled };
    State state = State::kStored;
    std::string id{};               // kStored: the event's id
    std::optional<uint64_t> seq{};  // kStored: its seq (null while a multi-node log sequences)
    std::string error{};            // kRefused / kRejected: why
  };

  struct Counters {
    uint64_t queued = 0;         // in memory now (not yet acknowledged nor spooled)
    uint64_t spooled = 0;        // in the spool now
    uint64_t sent = 0;           // acknowledged by the server (directly or from the spool)
    uint64_t failed = 0;         // refused: by the server, or as unsendable (each logged)
    uint64_t dropped = 0;        // rejected by Record(): queue and spool full
    uint64_t retries = 0;        // failed attempts
    uint64_t spooled_total = 0;  // ever appended to the spool
    uint64_t replayed = 0;       // acknowledged from the spool
    uint64_t spool_bytes = 0;    // spool files on disk
    uint64_t torn = 0;           // torn spool tails cut off at open (a crash mid-append)
    uint64_t corrupt = 0;        // spool records failing their checksum, skipped
  };

  // Opens the spool and starts the threads; nullptr and *error when the options are bad or
  // the spool cannot be opened. The server need not be up.
  static std::unique_ptr<Client> Open(Options options, std::string* error);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  std::future<Ack> Record(Event event);
  bool Flush(std::chrono::milliseconds timeout);
  Counters Stats() const;
  // The spool slot this client owns.
  const std::string& spool_dir() const;

  struct Impl;  // src/client/client_impl.h

 private:
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace trail
