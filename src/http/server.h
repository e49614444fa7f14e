// HttpServer: HTTP/1.1 with keep-alive over Boost.Beast, plain or TLS.
//
// I/O runs on `io_threads` threads (each connection on its own strand); handlers run on a
// separate pool of `worker_threads`, so a slow query never stalls sockets. Request bodies
// are bounded by `max_body`: a larger Content-Length is read and discarded (so that plain
// clients see the answer) and answered 413.
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
};

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
