// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// Integrity endpoints (SPEC §5): GET /checkpoint and /tile/… (no credential), and the proofs
// GET /v1/events/{id}/proof and GET /v1/proof/consistency.
#include <boost/json.hpp>
#include <charconv>

#include "core/codec.h"
#include "core/json_text.h"
#include "http/api.h"
#include "http/errors.h"
#include "http/read_access.h"
#include "query/query.h"
#include "tlog/tree.h"

namespace trail {
namespace {

std::optional<uint64_t> ParseCount(std::string_view s) {
  uint64_t v = 0;
  if (s.empty() || s.size() > 20 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

void AppendProof(const std::vector<std::string>& proof, std::string* b) {
  b->push_back('[');
  for (size_t i = 0; i < proof.size(); ++i) {
    if (i) b->push_back(',');
    b->push_back('"');
    b->append(Base64Encode(proof[i]));
    b->push_back('"');
  }
  b->push_back(']');
}

}  // namespace

void Api::Checkpoint(Respond& respond) {
  auto cp = s_.store->LatestCheckpoint();
  if (!cp) return respond(ErrorResponse(Status::NotFound("no checkpoint has been signed yet")));
  HttpResponse r;
  r.content_type = "text/plain; charset=utf-8";
  r.body = cp->note;
  r.headers.emplace_back("Cache-Control", "no-cache");
  respond(std::move(r));
}

void Api::Tile(const std::string& path, Respond& respond) {
  auto id = tlog::ParseTilePath(path);
  if (!id) return respond(ErrorResponse(Status::NotFound("no tile " + path)));
  auto cp = s_.store->LatestCheckpoint();
  const uint64_t size = cp ? cp->size : 0;
  // Only tiles of the published tree: a full tile once full, a partial one up to its width.
  int have = tlog::TileWidthAt(id->level, id->index, size);
  if (id->width > have)
    return respond(ErrorResponse(Status::NotFound("tile " + path + " is not in the tree yet")));
  auto tiles = s_.store->Tiles();
  if (!tiles) return respond(ErrorResponse(Status::Unavailable("the store cannot be read")));
  std::string hashes;
  if (Status s = tiles->ReadTile(id->level, id->index, id->width, &hashes); !s.ok())
    return respond(ErrorResponse(s));
  HttpResponse r;
  r.content_type = "application/octet-stream";
  r.body = std::move(hashes);
  r.headers.emplace_back("Cache-Control", id->width == tlog::kTileWidth
                                              ? "public, max-age=31536000, immutable"
                                              : "public, max-age=60");
  respond(std::move(r));
}

void Api::InclusionProof(const std::string& id, const HttpRequest& req, const Principal& who,
                         Respond& respond) {
  auto fail = [&](const Status& s) { respond(ErrorResponse(s)); };
  // Any reader may prove what it may see (SPEC §5): first the answers of GET /v1/events/{id},
  // so that nothing below tells an event the reader may not see from one that does not exist.
  auto found = ReadableEvent(id, who);
  if (!found.ok()) return fail(found.status());
  const Event& ev = *found;
  auto params = ParseUrlQuery(req.raw_query);
  if (!params) return fail(Status::Invalid("invalid_query", "bad query string"));
  auto cp = s_.store->LatestCheckpoint();
  if (!cp) return fail(Status::NotFound("no checkpoint has been signed yet"));
  uint64_t size = cp->size;
  for (const auto& [k, v] : *params) {
    if (k != "tree_size")
      return fail(Status::Invalid("invalid_query", "unknown parameter '" + k + "' (tree_size)"));
    auto n = ParseCount(v);
    if (!n) return fail(Status::Invalid("invalid_query", "tree_size: '" + v + "' is not a count"));
    size = *n;
  }
  if (size > cp->size)
    return fail(Status::Invalid("invalid_query", "tree_size " + std::to_string(size) +
                                                     " is beyond the latest checkpoint (" +
                                                     std::to_string(cp->size) + ")"));
  if (!ev.has_seq) return fail(Status::NotFound("event " + id + " is not sequenced yet"));
  if (ev.seq >= size)
    return fail(Status::Invalid("invalid_query", "event seq " + std::to_string(ev.seq) +
                                                     " is not in a tree of size " +
                                                     std::to_string(size)));
  auto tiles = s_.store->Tiles();
  if (!tiles) return fail(Status::Unavailable("the store cannot be read"));
  auto proof = tlog::InclusionProof(ev.seq, size, *tiles);
  if (!proof.ok()) return fail(proof.status());
  auto note = s_.store->CheckpointNote(size);
  std::string b = "{\"seq\":" + std::to_string(ev.seq) + ",\"tree_size\":" + std::to_string(size) +
                  ",\"leaf_hash\":\"" + Base64Encode(ev.leaf_hash) + "\",\"proof\":";
  AppendProof(*proof, &b);
  b += ",\"checkpoint\":";
  if (note.ok() && note->has_value()) {
    AppendJsonString(**note, &b);
  } else {
    b += "null";
  }
  b += "}";
  respond(JsonResponse(200, std::move(b)));
}

void Api::ConsistencyProof(const HttpRequest& req, const Principal& who, Respond& respond) {
  auto fail = [&](const Status& s) { respond(ErrorResponse(s)); };
  // Every reader, viewers included: it proves the log only grew and tells nothing of an event.
  if (Status s = NeedRead(who); !s.ok()) return fail(s);
  auto params = ParseUrlQuery(req.raw_query);
  if (!params) return fail(Status::Invalid("invalid_query", "bad query string"));
  std::optional<uint64_t> from, to;
  for (const auto& [k, v] : *params) {
    if (k != "from" && k != "to")
      return fail(Status::Invalid("invalid_query", "unknown parameter '" + k + "' (from, to)"));
    auto n = ParseCount(v);
    if (!n) return fail(Status::Invalid("invalid_query", k + ": '" + v + "' is not a count"));
    (k == "from" ? from : to) = n;
  }
  auto cp = s_.store->LatestCheckpoint();
  if (!cp) return fail(Status::NotFound("no checkpoint has been signed yet"));
  if (!to) to = cp->size;
  if (!from) return fail(Status::Invalid("invalid_query", "from: required"));
  if (*from == 0 || *from > *to)
    return fail(Status::Invalid("invalid_query", "need 0 < from <= to"));
  if (*to > cp->size)
    return fail(Status::Invalid("invalid_query", "to " + std::to_string(*to) +
                                                     " is beyond the latest checkpoint (" +
                                                     std::to_string(cp->size) + ")"));
  auto tiles = s_.store->Tiles();
  if (!tiles) return fail(Status::Unavailable("the store cannot be read"));
  auto proof = tlog::ConsistencyProof(*from, *to, *tiles);
  if (!proof.ok()) return fail(proof.status());
  std::string b =
      "{\"from\":" + std::to_string(*from) + ",\"to\":" + std::to_string(*to) + ",\"proof\":";
  AppendProof(*proof, &b);
  b += "}";
  respond(JsonResponse(200, std::move(b)));
}

}  // namespace trail
