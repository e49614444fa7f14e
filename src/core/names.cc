// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "core/names.h"

namespace trail {

bool IsValidTagPart(std::string_view part) {
  if (part.empty()) return false;
  for (char c : part) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool IsValidTag(std::string_view tag) {
  if (tag.size() > 256) return false;
  int parts = 0;
  size_t start = 0;
  while (true) {
    size_t colon = tag.find(':', start);
    std::string_view part =
        tag.substr(start, colon == std::string_view::npos ? tag.npos : colon - start);
    if (!IsValidTagPart(part)) return false;
    ++parts;
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  return parts >= 2;
}

std::string_view SubjectKind(std::string_view subject) {
  size_t colon = subject.find(':');
  return colon == std::string_view::npos ? std::string_view() : subject.substr(0, colon);
}

std::string_view SubjectId(std::string_view subject) {
  size_t colon = subject.find(':');
  return colon == std::string_view::npos ? std::string_view() : subject.substr(colon + 1);
}

bool IsValidSubject(std::string_view subject) {
  if (subject.size() > 1024) return false;
  size_t colon = subject.find(':');
  if (colon == std::string_view::npos) return false;
  if (!IsValidTagPart(subject.substr(0, colon))) return false;
  std::string_view id = subject.substr(colon + 1);
  if (id.empty()) return false;
  for (unsigned char c : id) {
    if (c < 0x20 || c == 0x7f) return false;  // no control characters in ids
  }
  return true;
}

}  // namespace trail
