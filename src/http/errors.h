// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// The one mapping from Status to HTTP (STYLE habit 3) and the error body of SPEC §3:
// {"error":{"code":"…","message":"…","index":N}}.
#pragma once

#include "core/status.h"
#include "http/message.h"

namespace trail {

int HttpStatusOf(Code code);
HttpResponse ErrorResponse(const Status& s);
HttpResponse JsonResponse(int status, std::string body);
// 500 after an unexpected failure: {"error":{"code":"internal","message":…,"request_id":…}};
// the request id names the log line that says what went wrong.
HttpResponse InternalErrorResponse(const std::string& request_id);

}  // namespace trail
