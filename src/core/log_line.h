// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// The lines of trail's own log (stderr): `[logging] format = "text"` writes "trail: <msg>",
// "json" one object per line, {"time":"<RFC 3339>","level":"info"|"error","msg":"<msg>"},
// plus whatever fields a line carries (the access log's, http/access_log.h). Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace trail {

enum class LogFormat { kText, kJson };

// "text" or "json"; nullopt for anything else.
std::optional<LogFormat> ParseLogFormat(std::string_view name);

// One line, without its newline. In JSON, `fields` is appended inside the object as it is: it
// is empty or starts with a comma (",\"status\":200"). Level "error" for the lines that report
// an internal error, "info" for every other.
// A JSON string of `s` for a log line: text that is not valid UTF-8 (a client's bytes) has
// its bytes from 0x80 up written %XX instead.
void AppendLogJsonString(std::string_view s, std::string* out);

std::string FormatLogLine(LogFormat format, Micros now, std::string_view msg,
                          std::string_view fields = {});

}  // namespace trail
