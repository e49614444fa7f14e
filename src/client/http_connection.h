// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// HttpConnection: one keep-alive HTTP/1.1 client connection (plain or TLS) with blocking
// calls, used by the CLI, the benchmarks and the client library's sender thread.
// Reconnects on the next call after an error. Not thread-safe: one caller at a time.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "core/status.h"

namespace trail {

struct HttpResult {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
};

struct ParsedUrl {
  bool tls = false;
  std::string host;
  std::string port;
  std::string base_path;  // without a trailing '/'
};
Result<ParsedUrl> ParseUrl(const std::string& url);

class HttpConnection {
 public:
  // `ca_file` (TLS): trust these certificates; empty = system store. insecure: no checks.
  HttpConnection(ParsedUrl url, std::string ca_file = "", bool insecure = false);
  ~HttpConnection();

  // Sends a request and reads the whole reply. Transport failures are kUnavailable.
  Result<HttpResult> Request(const std::string& method, const std::string& target,
                             const std::string& body = "", const std::string& content_type = "",
                             const std::map<std::string, std::string>& headers = {},
                             double timeout_seconds = 60);
  // Streams a 2xx reply's body to `sink` as it arrives (exports); returns the status. The
  // sink returns false to stop reading (the connection is then closed). Any other reply is
  // read whole into *error_body (when given) instead: its body is an error, not the stream.
  Result<int> Stream(const std::string& target, const std::map<std::string, std::string>& headers,
                     const std::function<bool(std::string_view)>& sink,
                     std::string* error_body = nullptr);
  void Close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace trail
