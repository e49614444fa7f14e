// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// HttpServer: HTTP/1.1 with keep-alive over Boost.Beast, plain or TLS.
//
// I/O runs on `io_threads` threads (each connection on its own strand); handlers run on a
// separate pool of `worker_threads`, so a slow query never stalls sockets. Request bodies
// are bounded by `max_body`: a larger Content-Length is read and discarded (so that plain
// clients see the answer) and answered 413.
//
// Nothing a client sends can end the process or hold its resources without bound
// (docs/OPERATIONS.md, "Limits"): an exception from a handler, a stream producer or the I/O
// loop is answered 500 with a request id (`internal_error`), logged and counted; past
// `max_connections` new connections are closed at once; accept() failing for want of file
// descriptors backs off instead of spinning; a request header must arrive within
// `header_timeout`, a keep-alive connection may idle `idle_timeout`, and a response (or a
// stream's next 64 KiB) that makes no progress for `write_timeout` ends its connection.
//
// Shutdown (SPEC §7a): BeginDrain() closes the listener and makes every later request on an
// open connection answer 503 with `Connection: close`; WaitIdle() waits for requests in
// flight; Stop() ends the threads. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/status.h"
#include "http/message.h"

namespace trail {

// Counters of the server's defences, rendered by /metrics (http/metrics.h). Lock-free.
struct HttpServerStats {
  std::atomic<uint64_t> internal_errors{0};  // requests answered 500 after an exception
  std::atomic<uint64_t> connections_open{0};
  std::atomic<uint64_t> connections_refused{0};  // closed at once: past max_connections
  std::atomic<uint64_t> accept_backoffs{0};      // accept() out of file descriptors
  std::atomic<uint64_t> timeouts{0};             // connections dropped: header, idle or body time
  std::atomic<uint64_t> write_stalls{0};         // responses and streams dropped: no write progress
};

struct ServerOptions {
  std::string listen = "127.0.0.1:8420";
  std::string tls_cert;  // PEM files; both set = TLS
  std::string tls_key;
  size_t max_body = 8 * 1024 * 1024;
  int io_threads = 2;
  int worker_threads = 4;
  // Requests for which this says true are handled on the I/O thread itself, saving a thread
  // hop: only for handlers that never block (ingest: parse, then queue for the writer).
  std::function<bool(const HttpRequest&)> run_inline;

  // Limits. max_connections 0: DefaultMaxConnections(). Times in seconds.
  size_t max_connections = 0;
  double header_timeout =
      10;  // from a request's first byte to the end of its header (and TLS handshake)
  double idle_timeout =
      60;  // a keep-alive connection waiting for its next request; also a body's bound
  double write_timeout = 30;  // a response, or 64 KiB of a stream, without progress
  // The answer to a request whose handler threw, given the request id; empty: a JSON 500.
  std::function<HttpResponse(const HttpRequest&, const std::string& request_id)> internal_error;
  std::function<void(const std::string&)> log;  // one line each; empty: stderr
  // Called once for each request a handler answered (the 500 of a handler that threw too),
  // just before the answer is sent: the request without its body and headers (method, path,
  // query, remote address), the response (headers may be added; a stream's body is still to
  // come) and the seconds since the handler was called. Metrics and the access log.
  std::function<void(const HttpRequest& request, HttpResponse& response, double seconds)>
      on_response;
  HttpServerStats* stats = nullptr;  // optional
};

// The connection bound when none is configured: RLIMIT_NOFILE's soft limit less a reserve for
// the store, its WAL, PostgreSQL connections, the data directory's files and the listener.
size_t DefaultMaxConnections();

// A fresh random request id (16 hex digits) for error answers and logs.
std::string NewRequestId();

// "GET /path?query" for logs, with the values of credential-bearing parameters (token) cut.
std::string RequestLine(const HttpRequest& req);

class HttpServer {
 public:
  HttpServer(ServerOptions options, HttpHandler handler);
  ~HttpServer();

  Status Start();
  uint16_t port() const;
  void BeginDrain();
  // Waits until no request is in flight or the timeout passes; true when idle.
  bool WaitIdle(double timeout_seconds);
  void Stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// "host:port" -> (host, port); accepts "[::1]:8420" and ":8420".
bool SplitHostPort(const std::string& s, std::string* host, uint16_t* port);

}  // namespace trail
