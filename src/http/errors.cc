// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "http/errors.h"

#include "core/json_text.h"

namespace trail {

int HttpStatusOf(Code code) {
  switch (code) {
    case Code::kOk:
      return 200;
    case Code::kInvalidArgument:
      return 400;
    case Code::kUnauthenticated:
      return 401;
    case Code::kForbidden:
      return 403;
    case Code::kNotFound:
      return 404;
    case Code::kConflict:
      return 409;
    case Code::kTooLarge:
      return 413;
    case Code::kResourceExhausted:
      return 429;
    case Code::kUnavailable:
      return 503;
    case Code::kCorruption:
    case Code::kIoError:
    case Code::kInternal:
      return 500;
  }
  return 500;
}

HttpResponse JsonResponse(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers.emplace_back("Cache-Control", "no-store");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return r;
}

HttpResponse ErrorResponse(const Status& s) {
  std::string b = "{\"error\":{\"code\":";
  AppendJsonString(s.error_code(), &b);
  b += ",\"message\":";
  AppendJsonString(s.message(), &b);
  if (s.index() >= 0) b += ",\"index\":" + std::to_string(s.index());
  b += "}}";
  HttpResponse r = JsonResponse(HttpStatusOf(s.code()), std::move(b));
  if (s.code() == Code::kResourceExhausted) r.headers.emplace_back("Retry-After", "1");
  if (s.code() == Code::kUnavailable) r.headers.emplace_back("Retry-After", "2");
  if (s.code() == Code::kUnauthenticated) r.headers.emplace_back("WWW-Authenticate", "Bearer");
  return r;
}

HttpResponse InternalErrorResponse(const std::string& request_id) {
  std::string b =
      R"({"error":{"code":"internal","message":"the server failed to answer this request","request_id":)";
  AppendJsonString(request_id, &b);
  b += "}}";
  HttpResponse r = JsonResponse(500, std::move(b));
  r.headers.emplace_back("X-Request-Id", request_id);
  return r;
}

}  // namespace trail
