// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "testing/jwt.h"

#include "core/codec.h"

namespace trail::test {

std::string SignedJwt(std::string_view header_json, std::string_view payload_json,
                      std::string_view secret) {
  std::string input = Base64UrlEncode(header_json) + "." + Base64UrlEncode(payload_json);
  return input + "." + Base64UrlEncode(HmacSha256(secret, input));
}

}  // namespace trail::test
