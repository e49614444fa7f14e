// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// Syntax of the names in SPEC §1: tags (`noun:verb[:qualifier…]`) and subjects (`kind:id`).
// Pure functions; thread-safe.
#pragma once

#include <string_view>

namespace trail {

// Two or more parts of [a-z0-9_-]+ joined by ':'.
bool IsValidTag(std::string_view tag);
// One part of a tag: [a-z0-9_-]+.
bool IsValidTagPart(std::string_view part);
// `kind:id`: kind is a tag part, id is non-empty. Split at the first ':'.
bool IsValidSubject(std::string_view subject);
std::string_view SubjectKind(std::string_view subject);  // "" when there is no ':'
std::string_view SubjectId(std::string_view subject);

}  // namespace trail
