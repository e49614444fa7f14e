// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// The Merkle tree and checkpoints of the embedded store (SPEC §5).
//
// At commit the writer appends each new leaf hash to the CompactRange, stores the nodes it
// completes at tree levels 8, 16, … (tree_nodes), saves the range itself in `meta`, and —
// when the load pauses or a second has passed — signs a checkpoint, all in the transaction
// of the events it covers. The latest signed checkpoint lives in `meta` (durable with its
// events), and one every minute is archived in `checkpoints` for `trail verify`.
// At start the store refuses a tree older than its last checkpoint, and it signs nothing
// unless the tree extends the node's kept checkpoint (CheckpointKeeper: the copy outside the
// store, which a restored store cannot roll back): the log never signs two inconsistent
// checkpoints.
#include <mutex>

#include "core/codec.h"
#include "core/time_format.h"
#include "store/sqlite/sqlite_internal.h"

namespace trail {
namespace {

constexpr Micros kArchiveEvery = 60LL * 1000000;

Status ReadMeta(sqlite::Db& db, const char* key, std::optional<std::string>* out) {
  sqlite::Stmt st;
  TRAIL_RETURN_IF_ERROR(st.Prepare(db, "SELECT value FROM meta WHERE key = ?"));
  st.Bind(1, std::string_view(key));
  Status s;
  if (st.Step(&s)) *out = std::string(st.Text(0));
  return s;
}

constexpr const char* kTileLeavesSql =
    "SELECT seq, leaf_hash FROM events WHERE seq >= ? AND seq < ? ORDER BY seq";
constexpr const char* kTileNodesSql =
    "SELECT idx, hash FROM tree_nodes WHERE level = ? AND idx >= ? AND idx < ? ORDER BY idx";

// Tiles from one connection: level 0 from events.leaf_hash, level L from tree_nodes(8L).
// The two statements are the caller's (a pooled reader keeps them prepared) or its own.
class DbTiles final : public tlog::TileSource {
 public:
  explicit DbTiles(sqlite::Db& db) : db_(db), leaves_(&own_leaves_), nodes_(&own_nodes_) {}
  DbTiles(sqlite::Db& db, sqlite::Stmt* leaves, sqlite::Stmt* nodes)
      : db_(db), leaves_(leaves), nodes_(nodes) {}
  Status ReadTile(int level, uint64_t index, int width, std::string* hashes) override {
    if (!leaves_->prepared()) TRAIL_RETURN_IF_ERROR(leaves_->Prepare(db_, kTileLeavesSql));
    if (!nodes_->prepared()) TRAIL_RETURN_IF_ERROR(nodes_->Prepare(db_, kTileNodesSql));
    hashes->clear();
    hashes->reserve(static_cast<size_t>(width) * 32);
    const uint64_t lo = index * tlog::kTileWidth, hi = lo + static_cast<uint64_t>(width);
    sqlite::Stmt& st = level == 0 ? *leaves_ : *nodes_;
    int col = 1;
    if (level == 0) {
      st.Bind(1, static_cast<int64_t>(lo));
      st.Bind(2, static_cast<int64_t>(hi));
    } else {
      st.Bind(1, level * tlog::kTileHeight);
      st.Bind(2, static_cast<int64_t>(lo));
      st.Bind(3, static_cast<int64_t>(hi));
    }
    Status s;
    uint64_t expect = lo;
    while (st.Step(&s)) {
      if (static_cast<uint64_t>(st.Int(0)) != expect) {
        s = Status::Corruption("hash " + std::to_string(expect) + " of tree level " +
                               std::to_string(level * tlog::kTileHeight) + " is missing");
        break;
      }
      std::string_view h = st.Blob(col);
      if (h.size() != 32) {
        s = Status::Corruption("a stored hash is not 32 bytes");
        break;
      }
      hashes->append(h);
      ++expect;
    }
    st.Reset();
    if (s.ok() && expect != hi)
      s = Status::NotFound("tile " + tlog::TilePath(level, index, width) + " is not complete");
    return s;
  }

 private:
  sqlite::Db& db_;
  sqlite::Stmt own_leaves_, own_nodes_;
  sqlite::Stmt* leaves_;
  sqlite::Stmt* nodes_;
};

}  // namespace

// A read snapshot of the tiles on a pooled reader connection.
class SqliteStore::TileReader final : public tlog::TileSource {
 public:
  TileReader(SqliteStore* store, std::unique_ptr<ReadConn> conn)
      : store_(store),
        conn_(std::move(conn)),
        tiles_(conn_->db, &conn_->tile_leaves, &conn_->tile_nodes) {}
  ~TileReader() override {
    if (open_) conn_->end.Run();
    store_->ReleaseReader(std::move(conn_));
  }
  Status ReadTile(int level, uint64_t index, int width, std::string* hashes) override {
    // A full tile never changes (leaf hashes survive pruning; tree nodes are append-only):
    // proofs on a large log keep reading the same few upper tiles, so those come from memory.
    const bool full = width == tlog::kTileWidth;
    if (full && store_->tile_cache_.Get(level, index, hashes)) return Status::Ok();
    if (!open_) {
      TRAIL_RETURN_IF_ERROR(conn_->begin.Run());
      open_ = true;
    }
    TRAIL_RETURN_IF_ERROR(tiles_.ReadTile(level, index, width, hashes));
    if (full) store_->tile_cache_.Put(level, index, *hashes);
    return Status::Ok();
  }

 private:
  SqliteStore* store_;
  std::unique_ptr<ReadConn> conn_;
  DbTiles tiles_;
  bool open_ = false;
};

std::unique_ptr<tlog::TileSource> SqliteStore::Tiles() {
  Status s;
  auto r = AcquireReader(&s);
  if (!r) return nullptr;
  return std::make_unique<TileReader>(this, std::move(r));
}

Status SqliteStore::InitTree() {
  auto& w = *writer_;
  std::optional<std::string> saved, cp, origin;
  TRAIL_RETURN_IF_ERROR(ReadMeta(w.db, "tree", &saved));
  TRAIL_RETURN_IF_ERROR(ReadMeta(w.db, "checkpoint", &cp));
  TRAIL_RETURN_IF_ERROR(ReadMeta(w.db, "origin", &origin));
  if (saved) {
    auto bytes = Base64Decode(*saved);
    if (!bytes) return Status::Corruption("meta.tree is not base64");
    auto range = tlog::CompactRange::Parse(*bytes);
    if (!range.ok()) return range.status();
    tree_ = std::move(range.value());
  } else if (next_seq_ > 0) {
    return Status::Corruption("the store holds events but no Merkle tree state");
  }
  if (tree_.size() != next_seq_)
    return Status::Corruption("the Merkle tree covers " + std::to_string(tree_.size()) +
                              " events, the log holds " + std::to_string(next_seq_));
  if (!opt_.origin.empty()) {
    if (origin && *origin != opt_.origin)
      return Status::Invalid("invalid_config", "this log's name is '" + *origin +
                                                   "'; it cannot become '" + opt_.origin +
                                                   "' (verifiers know it by its name)");
    if (!origin) {
      w.put_meta.Bind(1, std::string_view("origin"));
      w.put_meta.Bind(2, opt_.origin);
      TRAIL_RETURN_IF_ERROR(w.put_meta.Run());
    }
  }
  if (cp) {
    // Never sign a checkpoint inconsistent with one already signed: the tree must still
    // contain the last checkpoint's tree.
    auto sep = cp->find("\n\n");
    auto body = tlog::ParseCheckpoint(sep == std::string::npos ? *cp : cp->substr(0, sep + 1));
    if (!body.ok())
      return Status::Corruption("the last checkpoint cannot be parsed: " + body.status().message());
    if (body->size > tree_.size())
      return Status::Corruption("the store's tree (" + std::to_string(tree_.size()) +
                                " leaves) is older than its last signed checkpoint (" +
                                std::to_string(body->size) +
                                "): refusing to start rather than sign an inconsistent checkpoint");
    DbTiles tiles(w.db);
    auto root = tlog::RootAt(body->size, tiles);
    if (!root.ok()) return root.status();
    if (*root != body->root)
      return Status::Corruption("the tree's root at size " + std::to_string(body->size) +
                                " differs from the last signed checkpoint");
    std::lock_guard<std::mutex> l(cp_mu_);
    latest_ = SignedCheckpoint{body->size, body->root, *cp};
  }
  return Status::Ok();
}

Status SqliteStore::ExtendTree(const std::string& leaf_hash) {
  auto& w = *writer_;
  std::vector<tlog::StoredNode> completed;
  TRAIL_RETURN_IF_ERROR(tree_.Append(leaf_hash, &completed));
  for (const auto& n : completed) {
    w.insert_node.Bind(1, n.level);
    w.insert_node.Bind(2, static_cast<int64_t>(n.index));
    w.insert_node.BindBlob(3, n.hash);
    TRAIL_RETURN_IF_ERROR(w.insert_node.Run());
  }
  return Status::Ok();
}

Result<SignedCheckpoint> SqliteStore::SignCheckpoint() {
  SignedCheckpoint cp;
  cp.size = tree_.size();
  cp.root = tree_.Root();
  auto note = opt_.signer->Sign(tlog::FormatCheckpoint(opt_.origin, cp.size, cp.root));
  if (!note.ok()) return note.status();
  cp.note = std::move(note.value());
  auto& w = *writer_;
  w.put_meta.Bind(1, std::string_view("checkpoint"));
  w.put_meta.Bind(2, cp.note);
  TRAIL_RETURN_IF_ERROR(w.put_meta.Run());
  const Micros now = opt_.clock->NowMicros();
  if (now - last_archived_ >= kArchiveEvery) {
    w.archive_checkpoint.Bind(1, static_cast<int64_t>(cp.size));
    w.archive_checkpoint.Bind(2, cp.note);
    w.archive_checkpoint.Bind(3, now);
    TRAIL_RETURN_IF_ERROR(w.archive_checkpoint.Run());
    last_archived_ = now;
  }
  return cp;
}

Status SqliteStore::CheckKept() {
  // The tree only grows on this thread: once it extends a kept checkpoint, it always will.
  return CheckKeptExtended(opt_.keeper, tree_.size(), &kept_checked_,
                           [this] { return DbTiles(writer_->db); });
}

Status SqliteStore::SaveTree(bool sign) {
  auto& w = *writer_;
  w.put_meta.Bind(1, std::string_view("tree"));
  w.put_meta.Bind(2, Base64Encode(tree_.Serialize()));
  TRAIL_RETURN_IF_ERROR(w.put_meta.Run());
  if (!sign || !opt_.signer) return Status::Ok();
  // SPEC §5: never sign a tree that does not extend the node's kept checkpoint (a restored
  // store). The events still commit; they are signed once an operator accepts the restore.
  if (!CheckKept().ok()) return Status::Ok();
  auto cp = SignCheckpoint();
  if (!cp.ok()) return cp.status();
  kept_checked_ = *cp;  // our own tree extends what it signs
  signed_pending_ = std::move(cp.value());
  return Status::Ok();
}

void SqliteStore::PublishCheckpoint() {
  if (!signed_pending_) return;
  if (opt_.keeper) opt_.keeper->Keep(*signed_pending_);
  {
    std::lock_guard<std::mutex> l(stats_mu_);
    stats_.last_checkpoint_micros = opt_.clock->NowMicros();
  }
  last_signed_ = std::chrono::steady_clock::now();
  std::lock_guard<std::mutex> l(cp_mu_);
  latest_ = std::move(signed_pending_);
  signed_pending_.reset();
}

Status SqliteStore::SignFinalCheckpoint() {
  if (!opt_.signer) return Status::Ok();
  {
    std::lock_guard<std::mutex> l(cp_mu_);
    if (latest_ && latest_->size == tree_.size()) return Status::Ok();
    if (!latest_ && tree_.size() == 0) return Status::Ok();
  }
  auto& w = *writer_;
  TRAIL_RETURN_IF_ERROR(w.begin.Run());
  Status s = SaveTree(true);
  if (s.ok()) s = w.commit.Run();
  if (!s.ok()) {
    w.rollback.Run();
    signed_pending_.reset();
    return s;
  }
  // Published only once durable, like every checkpoint (sqlite_sync.cc).
  if (s = SyncWal(); !s.ok()) {
    signed_pending_.reset();
    return s;
  }
  PublishCheckpoint();
  return Status::Ok();
}

std::optional<SignedCheckpoint> SqliteStore::LatestCheckpoint() {
  std::lock_guard<std::mutex> l(cp_mu_);
  return latest_;
}

Result<std::optional<std::string>> SqliteStore::CheckpointNote(uint64_t size) {
  {
    std::lock_guard<std::mutex> l(cp_mu_);
    if (latest_ && latest_->size == size) return std::optional<std::string>(latest_->note);
  }
  Status s;
  auto r = AcquireReader(&s);
  if (!r) return s;
  std::optional<std::string> out;
  {
    sqlite::Stmt st;
    s = st.Prepare(r->db, "SELECT note FROM checkpoints WHERE size = ?");
    if (s.ok()) {
      st.Bind(1, static_cast<int64_t>(size));
      if (st.Step(&s)) out = std::string(st.Text(0));
    }
  }
  ReleaseReader(std::move(r));
  if (!s.ok()) return s;
  return out;
}

}  // namespace trail
