// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// `trail verify --url URL --vkey KEY [--key K]` (SPEC §5): a log verified from outside.
//
// Without a key, through what the log serves anyone: the signed /checkpoint and the level-0
// hash tiles. The checkpoint's signature is checked, the root rebuilt from every leaf of the
// tiles, and the checkpoint must extend the last one this verifier accepted for the log (a
// state file per URL and verifier key).
// With an auditor or admin key, also every event of the checkpoint's tree, read through
// GET /v1/export (oldest first, pruned ones included): each leaf hash is recomputed from the
// fields the read shows (core/event.h ParseEventJson, RecomputeLeafHash) and compared with the
// leaf at its seq in the tiles. The events are checked against the very tiles that rebuild
// the signed root, read once and in step with the export, so a server cannot show one set of
// leaves to the tree and another to the events.
// Memory: one tile (256 leaves) and one export chunk, whatever the size of the log.
#include <sys/stat.h>

#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>

#include "cli/verify.h"
#include "client/http_connection.h"
#include "core/codec.h"
#include "core/event.h"
#include "core/jcs.h"
#include "tlog/hasher.h"
#include "tlog/note.h"
#include "tlog/tree.h"

namespace trail {
namespace {

std::string Seqs(uint64_t first, uint64_t last) {
  return "seq " + std::to_string(first) + (last > first ? ".." + std::to_string(last) : "");
}

// The server's error message, or the start of the body.
std::string ErrorText(int status, const std::string& body) {
  std::string out = "HTTP " + std::to_string(status);
  boost::json::error_code ec;
  auto v = boost::json::parse(body, ec);
  const boost::json::value* e = !ec && v.is_object() ? v.as_object().if_contains("error") : nullptr;
  if (e && e->is_object()) {
    if (auto c = e->as_object().if_contains("code"); c && c->is_string())
      out += " " + std::string(c->get_string());
    if (auto m = e->as_object().if_contains("message"); m && m->is_string())
      out += ": " + std::string(m->get_string());
    return out;
  }
  return body.empty() ? out : out + ": " + body.substr(0, 300);
}

// --- The checkpoint, and the one seen before ---

// The last checkpoint this verifier accepted for a log: every later one must extend it.
struct Seen {
  uint64_t size = 0;
  std::string root;  // raw bytes; empty when none was seen
};

std::string StatePath(const std::string& url, const std::string& vkey, const std::string& flag) {
  if (!flag.empty()) return flag;
  std::string dir;
  if (const char* x = getenv("XDG_STATE_HOME"); x && *x) {
    dir = x;
  } else if (const char* h = getenv("HOME"); h && *h) {
    dir = std::string(h) + "/.local/state";
  } else {
    dir = ".";
  }
  dir += "/trail";
  for (size_t i = 1; i <= dir.size(); ++i) {
    if (i == dir.size() || dir[i] == '/') mkdir(dir.substr(0, i).c_str(), 0700);
  }
  return dir + "/verify-" + HexEncode(Sha256(url + "\n" + vkey)).substr(0, 16) + ".json";
}

Seen LoadSeen(const std::string& path) {
  Seen seen;
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  boost::json::error_code ec;
  auto v = boost::json::parse(ss.str(), ec);
  if (!ec && v.is_object() && v.as_object().contains("size") && v.as_object().contains("root")) {
    seen.size = static_cast<uint64_t>(v.as_object().at("size").to_number<double>());
    auto root = Base64Decode(std::string_view(v.as_object().at("root").as_string()));
    if (root) seen.root = *root;
  }
  return seen;
}

void SaveSeen(const std::string& path, const tlog::Checkpoint& cp) {
  std::ofstream out(path + ".tmp");
  out << "{\"size\":" << cp.size << ",\"root\":\"" << Base64Encode(cp.root) << "\"}\n";
  out.close();
  std::rename((path + ".tmp").c_str(), path.c_str());
}

// GET /checkpoint with its signature checked. Exit code 2 when unreachable, 1 when the note
// does not verify or parse (a MISMATCH line printed); 0 with *cp filled.
int FetchCheckpoint(HttpConnection& conn, const std::string& vkey, tlog::Checkpoint* cp) {
  auto r = conn.Request("GET", "/checkpoint");
  if (!r.ok() || r->status != 200) {
    std::fprintf(stderr, "trail: GET /checkpoint: %s\n",
                 r.ok() ? ErrorText(r->status, r->body).c_str() : r.status().message().c_str());
    return 2;
  }
  auto body = tlog::VerifyNote(r->body, vkey);
  auto parsed = body.ok() ? tlog::ParseCheckpoint(*body) : Result<tlog::Checkpoint>(body.status());
  if (!parsed.ok()) {
    std::printf("MISMATCH checkpoint: %s\n", parsed.status().message().c_str());
    return 1;
  }
  *cp = std::move(*parsed);
  return 0;
}

// --- The tiles: every leaf, folded into the tree ---

// The leaves of a tree of `size` through its level-0 tiles, read once, in order, on demand;
// each tile's leaves go into the tree as it arrives. Holds one tile. The first `seen.size`
// leaves must rebuild `seen.root`.
class TileLeaves {
 public:
  TileLeaves(HttpConnection& conn, uint64_t size, Seen seen, Report& rep, Progress& progress)
      : conn_(conn), size_(size), seen_(std::move(seen)), rep_(rep), progress_(progress) {}

  // The leaf hash at `seq` (< size), reading the tiles up to it. Seqs must not go back to an
  // earlier tile. nullopt once a tile could not be read (that is reported, once).
  std::optional<std::string_view> LeafAt(uint64_t seq) {
    while (!broken_ && seq >= next_ * tlog::kTileWidth) ReadTile();
    const uint64_t first = (next_ - 1) * tlog::kTileWidth;
    if (broken_ || seq < first) return std::nullopt;
    return std::string_view(leaves_).substr((seq - first) * 32, 32);
  }
  // Reads the tiles not read yet.
  void ReadRest() {
    while (!broken_ && next_ * tlog::kTileWidth < size_) ReadTile();
  }
  // Whether every tile was read, so that tree() holds all `size` leaves.
  bool complete() const { return !broken_ && tree_.size() == size_; }
  const tlog::CompactRange& tree() const { return tree_; }

 private:
  void ReadTile() {
    if (next_ * tlog::kTileWidth >= size_) {
      broken_ = true;  // asked for a seq past the tree: nothing to compare with
      return;
    }
    const int width = tlog::TileWidthAt(0, next_, size_);
    const std::string path = tlog::TilePath(0, next_, width);
    auto tile = conn_.Request("GET", "/" + path);
    if (!tile.ok() || tile->status != 200 || tile->body.size() != static_cast<size_t>(width) * 32) {
      rep_.Bad("tile " + path + " (" +
               Seqs(next_ * tlog::kTileWidth, next_ * tlog::kTileWidth + width - 1) + "): " +
               (tile.ok() ? "HTTP " + std::to_string(tile->status) + ", " +
                                std::to_string(tile->body.size()) + " bytes"
                          : tile.status().message()));
      broken_ = true;
      return;
    }
    leaves_ = std::move(tile->body);
    ++next_;
    for (int i = 0; i < width; ++i) {
      (void)tree_.Append(std::string_view(leaves_).substr(static_cast<size_t>(i) * 32, 32),
                         nullptr);
      if (tree_.size() == seen_.size && !seen_.root.empty() && tree_.Root() != seen_.root)
        rep_.Bad("the first " + std::to_string(seen_.size) +
                 " events differ from the checkpoint seen before (seq < " +
                 std::to_string(seen_.size) + " rewritten)");
    }
    progress_.Tick(tree_.size(), size_, "verifying");
  }

  HttpConnection& conn_;
  const uint64_t size_;
  const Seen seen_;
  Report& rep_;
  Progress& progress_;
  tlog::CompactRange tree_;
  uint64_t next_ = 0;   // the index of the next tile to read
  std::string leaves_;  // tile next_ - 1
  bool broken_ = false;
};

// --- The events: each recomputed against its leaf ---

// Takes the NDJSON export of the events as it arrives and checks every event below `size`:
// its seq is the next one, its `leaf_hash` is the tile's leaf, and its fields recompute it.
class EventCheck {
 public:
  EventCheck(uint64_t size, TileLeaves& tiles, Report& rep)
      : size_(size), tiles_(tiles), rep_(rep) {}

  // One chunk of the body; false once an event at or past `size` arrived (stop reading).
  bool Take(std::string_view chunk) {
    size_t start = 0;
    for (size_t nl; !past_end_ && (nl = chunk.find('\n', start)) != std::string_view::npos;
         start = nl + 1) {
      if (partial_.empty()) {
        Line(chunk.substr(start, nl - start));
      } else {
        partial_.append(chunk.substr(start, nl - start));
        Line(partial_);
        partial_.clear();
      }
    }
    if (!past_end_) partial_.append(chunk.substr(start));
    return !past_end_;
  }
  // At the end of the body: the seqs that never came.
  void Finish() {
    if (!past_end_ && !partial_.empty()) Line(partial_);
    if (expect_ < size_) rep_.Bad(Seqs(expect_, size_ - 1) + ": missing from the export");
  }

  uint64_t next_seq() const { return expect_; }
  uint64_t whole = 0, scrubbed = 0, pruned = 0;

 private:
  void Line(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) return;
    auto where = [this] {
      return expect_ ? "the export after seq " + std::to_string(expect_ - 1)
                     : "the export's first line";
    };
    boost::json::error_code ec;
    boost::json::value v = ParseJsonExact(line, ec);
    if (ec || !v.is_object()) return rep_.Bad(where() + ": not a JSON object");
    const boost::json::value* seq_value = v.as_object().if_contains("seq");
    if (!seq_value || !seq_value->is_int64() || seq_value->get_int64() < 0)
      return rep_.Bad(where() + ": an event without a seq");
    const uint64_t seq = static_cast<uint64_t>(seq_value->get_int64());
    if (seq >= size_) {
      past_end_ = true;
      return;
    }
    const std::string at = "seq " + std::to_string(seq);
    if (seq < expect_) return rep_.Bad(at + ": out of order or repeated in the export");
    if (seq > expect_) rep_.Bad(Seqs(expect_, seq - 1) + ": missing from the export");
    expect_ = seq + 1;
    const std::optional<std::string_view> leaf = tiles_.LeafAt(seq);
    auto event = ParseEventJson(v.as_object());
    if (!event.ok()) return rep_.Bad(at + ": unreadable (" + event.status().message() + ")");
    const std::string what = at + ": event " + event->id;
    // The bytes served, not only the values: metadata with a duplicate key ({"u":"mallory",
    // "u":"bob"}) parses to one value but reads as another in a first-key-wins parser. Every
    // read is written by AppendEventJson, so the served line must be exactly its output.
    std::string again;
    AppendEventJson(*event, &again);
    if (again != line) rep_.Bad(what + ": served text is not the canonical form of its fields");
    if (leaf && event->leaf_hash != *leaf)
      rep_.Bad(what + ": its leaf_hash differs from the tile's leaf");
    std::string problem;
    const std::string computed = RecomputeLeafHash(*event, &problem);
    if (!problem.empty()) {
      rep_.Bad(what + ": " + problem);
    } else if (leaf && computed != *leaf) {
      rep_.Bad(what + ": its fields do not hash to the tile's leaf");
    }
    ++(event->pruned ? pruned : event->salt ? whole : scrubbed);
  }

  const uint64_t size_;
  TileLeaves& tiles_;
  Report& rep_;
  uint64_t expect_ = 0;
  bool past_end_ = false;
  std::string partial_;  // a line split across chunks
};

// Streams the export of the first `size` events through `check`. Exit code 2 when the server
// refuses (the key is not an auditor's or admin's), else 0; problems go to `rep`.
int ReadEvents(const ParsedUrl& url, const UrlVerifyOptions& o, EventCheck& check, Report& rep) {
  HttpConnection conn(url, o.cacert, o.insecure);
  std::string refused;
  auto status = conn.Stream(
      "/v1/export?format=ndjson&order=asc&pruned=include", {{"Authorization", "Bearer " + o.key}},
      [&](std::string_view c) { return check.Take(c); }, &refused);
  if (status.ok() && *status != 200) {
    std::fprintf(stderr, "trail: GET /v1/export: %s\n", ErrorText(*status, refused).c_str());
    if (*status == 401 || *status == 403)
      std::fprintf(stderr,
                   "trail: reading the events needs an auditor or admin key; without --key, verify "
                   "checks the checkpoint and the tiles only\n");
    return 2;
  }
  if (!status.ok()) {
    rep.Bad("reading the export after seq " + std::to_string(check.next_seq()) + ": " +
            status.status().message());
    return 0;
  }
  check.Finish();
  return 0;
}

}  // namespace

int VerifyUrl(const UrlVerifyOptions& o) {
  auto url = ParseUrl(o.url);
  if (!url.ok()) {
    std::fprintf(stderr, "trail: %s\n", url.status().message().c_str());
    return 2;
  }
  HttpConnection conn(*url, o.cacert, o.insecure);
  tlog::Checkpoint cp;
  if (int rc = FetchCheckpoint(conn, o.vkey, &cp); rc != 0) return rc;
  const std::string state = StatePath(o.url, o.vkey, o.state);
  const Seen seen = LoadSeen(state);
  Report rep;
  if (seen.size > cp.size)
    rep.Bad("the log shrank: it had " + std::to_string(seen.size) + " events, now " +
            std::to_string(cp.size));
  Progress progress;
  TileLeaves tiles(conn, cp.size, seen, rep, progress);
  EventCheck events(cp.size, tiles, rep);
  if (!o.key.empty()) {
    if (int rc = ReadEvents(*url, o, events, rep); rc != 0) return rc;
  }
  tiles.ReadRest();
  progress.Done();
  if (tiles.complete() && tiles.tree().Root() != cp.root)
    rep.Bad("root of the tiles differs from the signed checkpoint");
  if (!o.key.empty()) {
    std::printf(
        "%llu events read and their leaf hashes recomputed against the tiles (%llu whole, %llu "
        "scrubbed "
        "from their fields and personal_hash, %llu pruned from their body_hash)\n",
        static_cast<unsigned long long>(events.whole + events.scrubbed + events.pruned),
        static_cast<unsigned long long>(events.whole),
        static_cast<unsigned long long>(events.scrubbed),
        static_cast<unsigned long long>(events.pruned));
  }
  if (rep.problems) {
    std::printf("FAILED: %llu mismatches\n", static_cast<unsigned long long>(rep.problems));
    return 1;
  }
  SaveSeen(state, cp);
  std::printf("%s: %llu events verified against the signed checkpoint%s; root %s\nOK\n",
              cp.origin.c_str(), static_cast<unsigned long long>(cp.size),
              seen.size ? (", consistent with the one of size " + std::to_string(seen.size) +
                           " seen before")
                              .c_str()
                        : "",
              Base64Encode(cp.root).c_str());
  return 0;
}

}  // namespace trail
