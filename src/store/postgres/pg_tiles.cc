// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// Hash tiles and checkpoints of the PostgreSQL store (SPEC §5). Level-0 tiles are read from
// events.leaf_hash, higher levels from tree_nodes; both are written only by the sequencer and
// never change, so a tile read needs no snapshot. The latest checkpoint is what this node last
// learned (see pg_listener.cc); older ones are archived once a minute in `checkpoints`.
#include "store/postgres/pg_internal.h"

namespace trail {

namespace pg {

Status PgTiles::ReadTile(int level, uint64_t index, int width, std::string* hashes) {
  hashes->clear();
  const uint64_t lo = index * tlog::kTileWidth, hi = lo + static_cast<uint64_t>(width);
  Result<PgResult> r = Status::Internal("unreached");
  if (level == 0) {
    r = c_.Prepared("tile_leaves",
                    "SELECT seq, leaf_hash FROM events WHERE seq >= $1 AND seq < $2 ORDER BY seq",
                    {Num(lo), Num(hi)});
  } else {
    r = c_.Prepared(
        "tile_nodes",
        "SELECT idx, hash FROM tree_nodes WHERE level = $1 AND idx >= $2 AND idx < $3 ORDER BY idx",
        {Num(static_cast<int64_t>(level * tlog::kTileHeight)), Num(lo), Num(hi)});
  }
  if (!r.ok()) return r.status();
  uint64_t expect = lo;
  for (int row = 0; row < r->rows(); ++row) {
    if (static_cast<uint64_t>(r->Int(row, 0)) != expect)
      return Status::Corruption("hash " + std::to_string(expect) + " of tree level " +
                                std::to_string(level * tlog::kTileHeight) + " is missing");
    std::string h = r->Bytes(row, 1);
    if (h.size() != 32) return Status::Corruption("a stored hash is not 32 bytes");
    hashes->append(h);
    ++expect;
  }
  if (expect != hi)
    return Status::NotFound("tile " + tlog::TilePath(level, index, width) + " is not complete");
  return Status::Ok();
}

}  // namespace pg

// Tiles on a pooled connection, held for the life of the source (one proof).
class PostgresStore::LeasedTiles final : public tlog::TileSource {
 public:
  explicit LeasedTiles(pg::PgPool::Lease lease) : lease_(std::move(lease)), tiles_(*lease_) {}
  Status ReadTile(int level, uint64_t index, int width, std::string* hashes) override {
    return tiles_.ReadTile(level, index, width, hashes);
  }

 private:
  pg::PgPool::Lease lease_;
  pg::PgTiles tiles_;
};

std::unique_ptr<tlog::TileSource> PostgresStore::Tiles() {
  auto lease = pool_->Acquire();
  if (!lease.ok()) return nullptr;
  return std::make_unique<LeasedTiles>(std::move(lease.value()));
}

std::optional<SignedCheckpoint> PostgresStore::LatestCheckpoint() {
  std::lock_guard<std::mutex> l(cp_mu_);
  return latest_;
}

Result<std::optional<std::string>> PostgresStore::CheckpointNote(uint64_t size) {
  {
    std::lock_guard<std::mutex> l(cp_mu_);
    if (latest_ && latest_->size == size) return std::optional<std::string>(latest_->note);
  }
  auto lease = pool_->Acquire();
  if (!lease.ok()) return lease.status();
  auto r = (*lease)->Prepared("checkpoint_note", "SELECT note FROM checkpoints WHERE size = $1",
                              {pg::Num(size)});
  if (!r.ok()) return r.status();
  if (r->rows() == 0) {
    // The sequencer may have signed it since this node last heard.
    auto latest = pg::ReadMeta(**lease, "checkpoint");
    if (latest.ok() && *latest) {
      NoteCheckpoint(**latest);
      std::lock_guard<std::mutex> l(cp_mu_);
      if (latest_ && latest_->size == size) return std::optional<std::string>(latest_->note);
    }
    return std::optional<std::string>();
  }
  return std::optional<std::string>(std::string(r->Text(0, 0)));
}

}  // namespace trail
