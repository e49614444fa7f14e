// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "store/folded_search.h"

namespace trail {
namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

}  // namespace

FoldedNeedle::FoldedNeedle(std::string_view needle) : needle_(needle), fail_(needle.size(), 0) {
  for (char& c : needle_) c = Lower(c);
  for (size_t i = 1, k = 0; i < needle_.size(); ++i) {
    while (k > 0 && needle_[i] != needle_[k]) k = fail_[k - 1];
    if (needle_[i] == needle_[k]) ++k;
    fail_[i] = static_cast<uint32_t>(k);
  }
}

bool FoldedNeedle::FoundIn(std::string_view hay, uint64_t* comparisons) const {
  const size_t m = needle_.size();
  if (m == 0) return true;
  if (m > hay.size()) return false;
  // Each step either advances in `hay` or shrinks k, which grew by at most one per advance:
  // at most 2·|hay| comparisons in all.
  uint64_t made = 0;
  bool found = false;
  for (size_t i = 0, k = 0; i < hay.size(); ++i) {
    const char c = Lower(hay[i]);
    while (k > 0 && needle_[k] != c) {
      ++made;
      k = fail_[k - 1];
    }
    ++made;
    if (needle_[k] == c && ++k == m) {
      found = true;
      break;
    }
  }
  if (comparisons) *comparisons += made;
  return found;
}

}  // namespace trail
