// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// libFuzzer target: the format-2 event reader of verifiers (`trail verify --url --key`):
// ParseEventJson over any bytes, then the leaf hash recomputed and the event written back
// out. A parsed event must write out as JSON that parses again to the same leaf hash.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/event.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto e = trail::ParseEventJson(in);
  if (!e.ok()) return 0;
  std::string problem;
  const std::string leaf = trail::RecomputeLeafHash(*e, &problem);
  std::string out;
  trail::AppendEventJson(*e, &out);
  auto again = trail::ParseEventJson(out);
  if (!again.ok()) __builtin_trap();
  std::string problem2;
  if (trail::RecomputeLeafHash(*again, &problem2) != leaf) __builtin_trap();
  return 0;
}
