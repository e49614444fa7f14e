// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// libFuzzer target: viewer tokens (SPEC §6). Two ways in, picked by the first byte:
//  - the bytes as a token, verified as the server does (almost all fail the signature);
//  - "HEADER\nPAYLOAD": both base64url-encoded and *signed with the right secret*, so the
//    header and claims parsers see any JSON at all.
// Every token must verify or be refused, never crash; a token that verifies must survive
// MintViewerToken -> VerifyViewerToken with the same claims.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/viewer_token.h"
#include "testing/jwt.h"

namespace {
constexpr std::string_view kSecret = "fuzz-secret";
constexpr trail::Micros kNow = 1'700'000'000'000'000;

void RoundTrip(const trail::ViewerClaims& c) {
  auto again = trail::VerifyViewerToken(trail::MintViewerToken(c, kSecret), kSecret, kNow);
  if (!again.ok() || again->sub != c.sub || again->admin != c.admin || again->roles != c.roles)
    __builtin_trap();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  (void)trail::LooksLikeJwt(in);
  if ((data[0] & 1) == 0) {
    auto c = trail::VerifyViewerToken(in, kSecret, kNow);
    if (c.ok()) RoundTrip(*c);
    return 0;
  }
  auto nl = in.find('\n');
  std::string_view header = nl == std::string_view::npos
                                ? std::string_view(R"({"alg":"HS256","typ":"JWT"})")
                                : in.substr(0, nl);
  std::string_view payload = nl == std::string_view::npos ? in : in.substr(nl + 1);
  auto c =
      trail::VerifyViewerToken(trail::test::SignedJwt(header, payload, kSecret), kSecret, kNow);
  if (c.ok()) RoundTrip(*c);
  return 0;
}
