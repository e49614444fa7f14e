// The one mapping from Status to HTTP (STYLE habit 3) and the error body of SPEC §3:
// {"error":{"code":"…","message":"…","index":N}}.
#pragma once

#include "core/status.h"
#include "http/message.h"

namespace trail {

int HttpStatusOf(Code code);
HttpResponse ErrorResponse(const Status& s);
HttpResponse JsonResponse(int status, std::string body);

}  // namespace trail
