// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// The server's small pure helpers: the default connection bound, request ids, the request
// line of a log, and listen addresses (http/server.h).
#include <openssl/rand.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "http/server.h"

namespace trail {

size_t DefaultMaxConnections() {
  rlimit rl{};
  rlim_t soft = 1024;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) soft = rl.rlim_cur == RLIM_INFINITY ? 65536 : rl.rlim_cur;
  const rlim_t reserve = std::clamp<rlim_t>(soft / 4, 16, 256);
  return soft > reserve ? static_cast<size_t>(soft - reserve) : 1;
}

std::string NewRequestId() {
  unsigned char raw[8];
  if (RAND_bytes(raw, sizeof raw) != 1) {
    static std::atomic<uint64_t> n{0};
    uint64_t v =
        static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
        (n++ << 48);
    std::memcpy(raw, &v, sizeof raw);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (unsigned char c : raw) {
    id.push_back(kHex[c >> 4]);
    id.push_back(kHex[c & 15]);
  }
  return id;
}

std::string RequestLine(const HttpRequest& req) {
  std::string q;
  // Viewer tokens travel in /embed/history?token=…: never in a log.
  std::string_view rest = req.raw_query;
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view piece = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (!q.empty()) q.push_back('&');
    if (piece.rfind("token=", 0) == 0) {
      q += "token=…";
    } else {
      q += piece;
    }
  }
  std::string raw = req.method + " " + req.path + (q.empty() ? "" : "?" + q);
  if (raw.size() > 1024) raw = raw.substr(0, 1024) + "…";
  std::string out;  // control characters escaped: one request, one log line
  for (char c : raw) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
      out += buf;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

bool SplitHostPort(const std::string& s, std::string* host, uint16_t* port) {
  std::string h, p;
  if (!s.empty() && s[0] == '[') {
    auto close = s.find(']');
    if (close == std::string::npos || close + 1 >= s.size() || s[close + 1] != ':') return false;
    h = s.substr(1, close - 1);
    p = s.substr(close + 2);
  } else {
    auto colon = s.rfind(':');
    if (colon == std::string::npos) return false;
    h = s.substr(0, colon);
    p = s.substr(colon + 1);
  }
  if (h.empty()) h = "0.0.0.0";
  if (p.empty() || p.size() > 5) return false;
  unsigned v = 0;
  for (char c : p) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  if (v > 65535) return false;
  *host = h;
  *port = static_cast<uint16_t>(v);
  return true;
}

}  // namespace trail
