// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "core/log_line.h"

#include <cstdio>

#include "core/codec.h"
#include "core/json_text.h"
#include "core/time_format.h"

namespace trail {

std::optional<LogFormat> ParseLogFormat(std::string_view name) {
  if (name == "text") return LogFormat::kText;
  if (name == "json") return LogFormat::kJson;
  return std::nullopt;
}

void AppendLogJsonString(std::string_view s, std::string* out) {
  if (IsValidUtf8(s)) return AppendJsonString(s, out);
  std::string ascii;
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x80) {
      ascii.push_back(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
      ascii += buf;
    }
  }
  AppendJsonString(ascii, out);
}

std::string FormatLogLine(LogFormat format, Micros now, std::string_view msg,
                          std::string_view fields) {
  if (format == LogFormat::kText) return "trail: " + std::string(msg);
  std::string out = "{\"time\":\"";
  AppendRfc3339Micros(now, &out);
  out += "\",\"level\":";
  out += msg.rfind("internal error", 0) == 0 ? "\"error\"" : "\"info\"";
  out += ",\"msg\":";
  AppendLogJsonString(msg, &out);
  out += fields;
  out.push_back('}');
  return out;
}

}  // namespace trail
