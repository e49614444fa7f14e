// ViewerToken: the JWTs (RFC 7519) a host application mints for its signed-in user (SPEC §6).
//
// HS256 only, keyed by the shared secret of `[auth] viewer_secret_file`. `sub` and `exp` are
// required; `nbf`, when present, is honoured; `admin` (bool) and `roles` (subject -> role
// names) are optional. 60 s of clock skew is allowed on exp and nbf. Anything else — another
// alg (including "none"), a bad signature, malformed base64 or JSON, a claim of the wrong type
// — is refused with one undifferentiated kUnauthenticated. Pure functions; thread-safe.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace trail {

struct ViewerClaims {
  std::string sub;
  Micros exp = 0;
  bool admin = false;
  std::map<std::string, std::vector<std::string>, std::less<>> roles;  // subject -> role names
};

constexpr Micros kTokenSkew = 60LL * 1000000;
constexpr size_t kMaxTokenBytes = 8192;

// True when `credential` has the shape of a JWT (three dot-separated parts) rather than an API key.
bool LooksLikeJwt(std::string_view credential);

Result<ViewerClaims> VerifyViewerToken(std::string_view token, std::string_view secret, Micros now);

// Mints a token (tests, benchmarks and the CLI's `keys viewer-token` helper).
std::string MintViewerToken(const ViewerClaims& claims, std::string_view secret);

}  // namespace trail
