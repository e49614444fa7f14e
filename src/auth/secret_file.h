// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// Secret files of the data directory (SPEC §8): admin.key, viewer.secret, log.key.
// Written atomically (core/atomic_file.h): a temporary file created exclusively with mode 0600,
// fsync'd, linked into place (never over an existing file), the directory fsync'd.
#pragma once

#include <optional>
#include <string>

#include "core/status.h"

namespace trail {

// The file's contents without trailing whitespace; kNotFound when it does not exist.
Result<std::string> ReadSecretFile(const std::string& path);
// Creates the file (must not exist: kConflict) with mode 0600, whole or not at all.
Status WriteSecretFile(const std::string& path, const std::string& contents);
// A warning naming the mode and the fix when group or others may read or write `dir`.
std::optional<std::string> DataDirModeWarning(const std::string& dir);
// Creates `dir` (0700) if missing, then viewer.secret and log.key when absent.
Status PrepareDataDir(const std::string& dir);

}  // namespace trail
