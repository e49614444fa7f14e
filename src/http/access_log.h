// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// The access log (`[logging] access = true`, off by default): one line per request a handler
// answered, in the log's format (core/log_line.h). It names the route template and the path
// but never the query string, where viewer tokens (`?token=`) and search terms travel, nor
// any header. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/log_line.h"

namespace trail {

struct AccessEntry {
  std::string_view method;
  std::string_view route;  // the template of http/routes.h, "other" when none matched
  std::string_view path;   // without the query
  int status = 0;
  long long bytes = -1;  // the body's size; -1 for a stream, whose size is not known yet
  double seconds = 0;    // until the answer was ready (a stream's head)
  std::string_view request_id;
  std::string_view remote_ip;
};

// text: `access GET /v1/events 201 57B 0.0021s route=/v1/events id=… ip=127.0.0.1`
// json: {"time":…,"level":"info","msg":"access","method":"GET","route":…,"path":…,
//        "status":201,"bytes":57,"duration_seconds":0.0021,"request_id":…,"remote_ip":…}
std::string FormatAccessLine(LogFormat format, Micros now, const AccessEntry& e);

}  // namespace trail
