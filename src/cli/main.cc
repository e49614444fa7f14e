// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// trail: the audit log. One binary; see `trail --help` and SPEC §8.
#include <CLI/CLI.hpp>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{
      "trail — an audit log that keeps every event, shows each viewer their share, and proves it"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "trail 0.1.0");
  trail::AddServeCommand(app);
  trail::AddClientCommands(app);
  trail::AddBenchCommand(app);
  trail::AddVerifyCommand(app);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
