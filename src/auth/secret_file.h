// Secret files of the data directory (SPEC §8): admin.key, viewer.secret, log.key.
// Created with mode 0600 by an exclusive create, written and fsync'd before use.
#pragma once

#include <string>

#include "core/status.h"

namespace trail {

// The file's contents without trailing whitespace; kNotFound when it does not exist.
Result<std::string> ReadSecretFile(const std::string& path);
// Creates the file (must not exist) with mode 0600, writes, fsyncs file and directory.
Status WriteSecretFile(const std::string& path, const std::string& contents);
// Creates `dir` (0700) if missing, then viewer.secret and log.key when absent.
Status PrepareDataDir(const std::string& dir);

}  // namespace trail
