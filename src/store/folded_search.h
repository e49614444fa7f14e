// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// FoldedNeedle: a description word or phrase of `q` (SPEC §3), matched as an ASCII
// case-insensitive substring in time linear in the text (Knuth–Morris–Pratt), so that a long
// near-miss needle against a 64 KiB description costs O(n + m), not O(n·m). Built once per
// query, then shared read-only: FoundIn may run from many threads at once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace trail {

class FoldedNeedle {
 public:
  explicit FoldedNeedle(std::string_view needle);

  // Whether the needle occurs in `hay`, ignoring ASCII case. Makes at most 2·|hay| character
  // comparisons; adds how many it made to *comparisons when given (for tests).
  bool FoundIn(std::string_view hay, uint64_t* comparisons = nullptr) const;

  const std::string& folded() const { return needle_; }

 private:
  std::string needle_;          // ASCII lower case
  std::vector<uint32_t> fail_;  // fail_[i]: longest proper border of needle_[0..i]
};

}  // namespace trail
