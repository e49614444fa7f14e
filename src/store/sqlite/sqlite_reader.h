// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// SqliteReader: a read-only view of an embedded store's file, for tools that check it from
// outside the server (`trail verify --data`). It reads the tables of sqlite_schema.h as they
// are stored — every column of an event, its flags and its kept hashes, nothing repaired — so
// that a checker sees exactly what is on disk, and it knows the store's encoding only where
// that differs from the leaf's (core/leaf.h). It never writes and never creates the file.
// A server may be writing meanwhile: each call reads one snapshot, and two calls may read
// different ones (rows below an earlier size only ever change by retention, which keeps
// their leaf hash).
// Not thread-safe: to read in parallel, open one reader per thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/leaf.h"
#include "core/status.h"
#include "store/sqlite/db.h"

namespace trail {

// One row of `events`. The views point into the reader's current row: valid only during the
// ScanEvents callback that receives it.
struct StoredEventRow {
  uint64_t seq = 0;
  std::string_view leaf_hash;  // as stored: 32 bytes in an intact store
  // What the leaf hash is recomputed from, with metadata_json "{}" where the store keeps an
  // empty object as NULL (on an event that is not pruned).
  StoredLeaf fields;
};

struct StoredTreeNode {
  int level = 0;
  uint64_t index = 0;
  std::string hash;
};

class SqliteReader {
 public:
  // Opens the database at `path` read-only, memory-mapped (a checker reads all of it).
  static Result<std::unique_ptr<SqliteReader>> Open(const std::string& path);

  // The value of a `meta` key (sqlite_schema.h: schema_version, origin, checkpoint, tree…);
  // nullopt when the key is not there.
  Result<std::optional<std::string>> Meta(std::string_view key);
  // The archived checkpoints (table `checkpoints`): size and note, by size.
  Result<std::vector<std::pair<uint64_t, std::string>>> ArchivedCheckpoints();
  // Every stored tree node (table `tree_nodes`).
  Result<std::vector<StoredTreeNode>> TreeNodes();
  // One past the highest stored seq; 0 when there are no events.
  Result<uint64_t> SeqEnd();
  // Rows with a negative seq: a store never writes one, so each was inserted by hand.
  Result<uint64_t> NegativeSeqRows();
  // Calls `row` for each event with lo <= seq < hi, in seq order.
  Status ScanEvents(uint64_t lo, uint64_t hi,
                    const std::function<void(const StoredEventRow&)>& row);

 private:
  SqliteReader() = default;
  Result<int64_t> SingleInt(const char* sql);
  sqlite::Db db_;
  sqlite::Stmt scan_;  // prepared on the first ScanEvents
};

}  // namespace trail
