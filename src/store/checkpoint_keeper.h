// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// CheckpointKeeper: the newest checkpoint this node signed or saw, kept in its data directory
// (DATA/checkpoint), apart from the store (SPEC §5: no forks after a restore).
//
// A store restored from an old backup holds an older tree, and with it an older "last
// checkpoint": comparing the tree only with the store's own checkpoint would let the node sign,
// for sizes it already published, checkpoints with other roots. The kept checkpoint survives
// the restore, so before signing (CheckExtends) and at `trail serve` start the store's tree is
// compared with it: smaller, or with another root at the kept size, and nothing is signed.
// `trail serve --accept-restore` replaces it deliberately (Replace) and records trail:restore.
//
// Keep() is cheap and never touches the disk on the caller's thread (the SQLite writer calls
// it at every checkpoint): a thread of the keeper's own writes the newest checkpoint — temp
// file, fsync, rename, fsync of the directory, mode 0600 — coalescing bursts. Until it has,
// Kept() already answers with it. Every method is thread-safe.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/status.h"
#include "store/store.h"
#include "tlog/tiles.h"

namespace trail {

// Ok when the tree of `size` leaves that `tiles` serves extends `kept`: it is at least as large
// and its root at kept's size is kept's root. Otherwise Conflict naming the kept size and the
// store's size; errors reading the tiles as they come.
Status CheckExtends(const SignedCheckpoint& kept, uint64_t size, tlog::TileSource& tiles);

class CheckpointKeeper;

// The check both stores run before signing: Ok when no keeper or no kept checkpoint, or when
// the store's tree of `size` leaves extends the kept one; a refusal is also reported through
// keeper->Refused. `*checked` remembers the kept checkpoint last found extended (the caller's
// tree only grows, so each is compared once); `make_tiles()` builds the tile source only when
// a comparison is due.
template <typename MakeTiles>
Status CheckKeptExtended(CheckpointKeeper* keeper, uint64_t size,
                         std::optional<SignedCheckpoint>* checked, MakeTiles make_tiles);

class CheckpointKeeper {
 public:
  using LogFn = std::function<void(const std::string&)>;

  // Reads `path` when it exists (a note signed by `verifier_key`, the log's key; anything
  // else is Corruption: a damaged file must not silently disable the check).
  static Result<std::unique_ptr<CheckpointKeeper>> Open(const std::string& path,
                                                        const std::string& verifier_key,
                                                        LogFn log = nullptr);
  ~CheckpointKeeper();  // writes what is pending

  const std::string& path() const { return path_; }
  std::optional<SignedCheckpoint> Kept() const;

  // Keeps `cp` when it is larger than the kept one and signed by the log's key; returns
  // whether it did. Written to the file soon after, by the keeper's thread.
  bool Keep(const SignedCheckpoint& cp);
  // Replaces the kept checkpoint (none: the file goes) and writes it before returning.
  Status Replace(const std::optional<SignedCheckpoint>& cp);
  // Writes the kept checkpoint now if the file lags behind it.
  Status Flush();
  // Says why signing was refused, once per distinct reason.
  void Refused(const Status& why);

 private:
  CheckpointKeeper(std::string path, std::string verifier_key, LogFn log);
  void WriterLoop();
  void LogOnce(const std::string& msg);
  Status WriteLocked(std::unique_lock<std::mutex>& l);  // with mu_ held; drops it while writing

  const std::string path_;
  const std::string verifier_key_;
  const LogFn log_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::optional<SignedCheckpoint> kept_;
  uint64_t version_ = 0, written_ = 0;  // changes of kept_, and the last one in the file
  bool writing_ = false;
  bool stop_ = false;
  std::string last_refusal_;
  std::thread thread_;
};

template <typename MakeTiles>
Status CheckKeptExtended(CheckpointKeeper* keeper, uint64_t size,
                         std::optional<SignedCheckpoint>* checked, MakeTiles make_tiles) {
  if (!keeper) return Status::Ok();
  auto kept = keeper->Kept();
  if (!kept || (*checked && (*checked)->size == kept->size && (*checked)->root == kept->root))
    return Status::Ok();
  auto tiles = make_tiles();
  Status s = CheckExtends(*kept, size, tiles);
  if (!s.ok()) {
    keeper->Refused(s);
    return s;
  }
  *checked = std::move(kept);
  return Status::Ok();
}

}  // namespace trail
