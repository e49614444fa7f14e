// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// HttpRequest / HttpResponse: the server's plain view of one exchange, free of Beast types so
// that handlers can be tested without sockets.
//
// A handler receives the request and a Respond callback, which it calls exactly once, from
// any thread, possibly after returning (ingest answers from the store's writer thread once
// the events are durable). A response with `stream` set is sent with chunked encoding; the
// server calls `stream` repeatedly on a worker thread until it returns false; a stream that
// sets *failed ends the connection without the final chunk, so clients see it is incomplete.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace trail {

struct HttpRequest {
  std::string method;
  std::string path;       // decoded? no: raw path without the query
  std::string raw_query;  // after '?', still percent-encoded
  std::string body;
  std::string content_type;
  std::string authorization;
  std::string last_event_id;
  std::string cookie;
  std::string host;  // Host, Origin and Sec-Fetch-Site: the web viewer's CSRF checks
  std::string origin;
  std::string sec_fetch_site;
  std::string remote_ip;
  std::string forwarded_proto;  // X-Forwarded-Proto, believed only from [server] trusted_proxies
  bool tls = false;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  bool close = false;
  std::function<bool(std::string* chunk, bool* failed)> stream;
  // A stream that may stay open indefinitely (Server-Sent Events): it gets a thread of its own
  // instead of a worker, and the server bounds how many run at once.
  bool long_lived = false;
  // Set by the server when the stream's client has gone (closed, reset, or stalled past the
  // write timeout); a producer that waits for data checks it so that it ends at once.
  std::shared_ptr<std::atomic<bool>> cancelled;
};

using Respond = std::function<void(HttpResponse)>;
using HttpHandler = std::function<void(HttpRequest, Respond)>;

}  // namespace trail
