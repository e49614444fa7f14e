// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// The subcommands of the `trail` binary (SPEC §8). Each Run* returns the process exit code.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "cli/config.h"
#include "core/status.h"
#include "tlog/note.h"

namespace trail {

struct ServeFlags {
  std::string config;
  ServeConfig cfg;
  bool accept_restore = false;  // --accept-restore (docs/OPERATIONS.md "Restoring from a backup")
  bool new_admin_key = false;   // --new-admin-key: replace a revoked DATA/admin.key
  // Flags given on the command line win over trail.toml; CLI11 tells which were given.
  CLI::App* app = nullptr;
};
void AddServeCommand(CLI::App& app);
void AddClientCommands(CLI::App& app);  // record, query, keys, types
void AddBenchCommand(CLI::App& app);
void AddVerifyCommand(CLI::App& app);  // verify, keys verifier

// Connection flags shared by commands that talk to a server.
struct Remote {
  std::string url = "http://127.0.0.1:8420";
  std::string key;
  std::string data = "./data";
  std::string cacert;
  bool insecure = false;
  void AddTo(CLI::App* cmd);
  // The key to send: --key, else DATA/admin.key.
  std::string ResolveKey() const;
};

// The checkpoint signer from DATA/log.key, named after the log.
Result<tlog::NoteSigner> LoadLogSigner(const std::string& data_dir, const std::string& name);

}  // namespace trail
