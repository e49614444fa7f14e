// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// HS256 JSON Web Tokens built by hand for tests: base64url(header) "." base64url(payload) "."
// base64url(HMAC-SHA256(secret, the two)), from the exact header and payload texts given, as a
// host application's JWT library makes them (SPEC §6). Independent of MintViewerToken, so tests
// can check the verifier against it and forge headers, claims and signatures. Pure function.
#pragma once

#include <string>
#include <string_view>

namespace trail::test {

std::string SignedJwt(std::string_view header_json, std::string_view payload_json,
                      std::string_view secret);

}  // namespace trail::test
