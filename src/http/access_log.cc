// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "http/access_log.h"

#include <fmt/format.h>

#include <cstdio>

namespace trail {
namespace {

// A path as one log token: at most 1024 bytes, control characters, spaces and (in text)
// bytes from 0x80 up written %XX.
std::string SafePath(std::string_view path) {
  std::string out;
  for (char c : path.substr(0, 1024)) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || u >= 0x80) {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", u);
      out += buf;
    } else {
      out.push_back(c);
    }
  }
  if (path.size() > 1024) out += "%E2%80%A6";  // "…", still one token
  return out;
}

}  // namespace

std::string FormatAccessLine(LogFormat format, Micros now, const AccessEntry& e) {
  const std::string path = SafePath(e.path);
  const std::string method = SafePath(e.method);
  if (format == LogFormat::kText) {
    return fmt::format("trail: access {} {} {} {} {:.6f}s route={} id={} ip={}", method, path,
                       e.status, e.bytes < 0 ? std::string("-") : std::to_string(e.bytes) + "B",
                       e.seconds, e.route, e.request_id, e.remote_ip);
  }
  std::string f = ",\"method\":";
  AppendLogJsonString(method, &f);
  f += ",\"route\":";
  AppendLogJsonString(e.route, &f);
  f += ",\"path\":";
  AppendLogJsonString(path, &f);
  f += fmt::format(",\"status\":{},\"bytes\":{},\"duration_seconds\":{:.6f}", e.status,
                   e.bytes < 0 ? std::string("null") : std::to_string(e.bytes), e.seconds);
  f += ",\"request_id\":";
  AppendLogJsonString(e.request_id, &f);
  f += ",\"remote_ip\":";
  AppendLogJsonString(e.remote_ip, &f);
  return FormatLogLine(format, now, "access", f);
}

}  // namespace trail
