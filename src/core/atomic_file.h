// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// Files written whole or not at all, private from their first byte: the data directory's
// secrets (admin.key, viewer.secret, log.key) and its kept checkpoint.
//
// The contents go to a fresh temporary file beside `path`, created exclusively (O_EXCL,
// O_NOFOLLOW: never an existing file or a planted symlink) with mode 0600 — never wider, then
// narrowed — written, fsync'd, then moved into place and the directory fsync'd. A crash leaves
// the old file or the new one, never a torn one; on failure the temporary file is removed.
// Safe to call from any thread; two writers of one path race only at the final step.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace trail {

enum class AtomicMode {
  kCreate,   // `path` must not exist (kConflict when it does); it is never overwritten
  kReplace,  // `path` is replaced if it exists
};

Status WriteFileAtomically(const std::string& path, std::string_view contents, AtomicMode mode);

// fsyncs the directory holding `path` (after a rename or unlink in it).
Status FsyncDirOf(const std::string& path);

}  // namespace trail
