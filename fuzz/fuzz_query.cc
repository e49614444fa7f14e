// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// libFuzzer target: the read-side parsers — the URL query string, the `q` search syntax,
// cursors — and viewer tokens. Any input must parse or be refused, never crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "auth/viewer_token.h"
#include "query/query.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto params = trail::ParseUrlQuery(in)) {
    auto q = trail::ParseQuery(*params);
    (void)q;
  }
  trail::Query q;
  (void)trail::ParseSearch(in, &q);
  (void)trail::DecodeCursor(in, false);
  (void)trail::VerifyViewerToken(in, "secret", 1'700'000'000'000'000);
  return 0;
}
