// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// OpenStore: the one place that turns a store URL (`--store`, SPEC §4) into an engine —
// `sqlite:PATH` opens a SqliteStore, `postgresql://…` (or `postgres://…`) a PostgresStore.
// It is the only code that links both engines (library trail_store_open); everything else
// sees a Store. Open a store once per process and use it from any thread.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "core/status.h"
#include "store/checkpoint_keeper.h"
#include "store/store.h"
#include "tlog/note.h"

namespace trail {

// What any engine is opened with; the engines' own options (SqliteOptions, PostgresOptions)
// keep their defaults for everything else.
struct StoreOpenOptions {
  std::string url;                           // sqlite:PATH or postgresql://…
  const tlog::NoteSigner* signer = nullptr;  // signs checkpoints; null: none are signed
  CheckpointKeeper* keeper = nullptr;        // the node's kept checkpoint; may be null
  std::string origin;                        // the log's name, in its checkpoints
  size_t queue_limit = 100000;               // events accepted but not yet durable
  // SQLite only: events per posting segment (2^bits), and the writer's share a GC may take.
  int segment_bits = 16;
  double gc_writer_share = 0.2;
  // PostgreSQL only: operational messages (sequencer changes, reconnects); default stderr.
  std::function<void(const std::string&)> log;
};

// kInvalidArgument ("invalid_config") for a URL of neither kind or `sqlite:` without a path;
// otherwise what the engine's Open answers.
Result<std::unique_ptr<Store>> OpenStore(const StoreOpenOptions& options);

}  // namespace trail
