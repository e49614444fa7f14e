// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// Leaf data, format 2 (SPEC §5): what each event commits to in the Merkle tree.
//
// Three layers, so that retention can delete one and what stays still verifies:
//   personal = JCS{"salt", "ip", "user_agent", "location"}          personal_hash =
//   SHA-256(personal) body     = JCS{"subject", "actor", "occurred_at", "metadata",
//                  "personal_hash"}                                  body_hash = SHA-256(body)
//   leaf     = JCS{"v": 2, "id", "recorded_at", "tag", "body_hash"}  leaf_hash = SHA-256(0x00 ||
//   leaf)
// Absent fields are omitted; hashes inside JCS are standard base64. Scrubbing deletes the
// personal layer's fields and keeps personal_hash; pruning keeps id, tag, recorded_at and
// body_hash. `metadata` and `location` are passed as their canonical (RFC 8785) JSON text.
//
// The functions write the canonical text directly (keys in RFC 8785 order, which for these
// ASCII names is byte order), so they cost one pass and no JSON values. Stateless; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace trail {

inline constexpr int kLeafFormat = 2;
inline constexpr size_t kSaltBytes = 16;

using OptView = std::optional<std::string_view>;

// The personal layer's canonical text; `salt` is raw bytes (written as base64).
void AppendPersonalText(std::string_view salt, OptView ip, OptView user_agent,
                        OptView location_json, std::string* out);
std::string PersonalHash(std::string_view salt, OptView ip, OptView user_agent,
                         OptView location_json);

// The body layer's canonical text; `personal_hash` is raw bytes. A stored event always has an
// occurred_at (the server's recorded_at when the client sent none); it is optional here only
// because the layer's rule (absent fields are omitted) allows it.
void AppendBodyText(std::string_view subject, OptView actor, std::optional<Micros> occurred_at,
                    OptView metadata_json, std::string_view personal_hash, std::string* out);
std::string BodyHash(std::string_view subject, OptView actor, std::optional<Micros> occurred_at,
                     OptView metadata_json, std::string_view personal_hash);

// The leaf's canonical text and its RFC 9162 leaf hash; `body_hash` is raw bytes.
void AppendLeafText(std::string_view id, Micros recorded_at, std::string_view tag,
                    std::string_view body_hash, std::string* out);
std::string LeafHash(std::string_view id, Micros recorded_at, std::string_view tag,
                     std::string_view body_hash);

// One stored event as views of its columns (a database row), for verification. What a layer
// kept depends on the event's state: whole (every field), scrubbed (no salt, ip, user agent or
// location; personal_hash kept), pruned (only id, tag, recorded_at, body_hash).
struct StoredLeaf {
  std::string_view id, tag;
  Micros recorded_at = 0;
  bool pruned = false, scrubbed = false;
  // Body fields; subject is null only on a pruned event.
  OptView subject, actor, metadata_json;
  std::optional<Micros> occurred_at;  // null: the same as recorded_at
  // Personal fields.
  OptView salt, ip, user_agent, location_json;
  // The kept hashes (raw bytes).
  std::string_view personal_hash, body_hash;
};

// Recomputes the leaf hash of a stored event from the deepest layer it still holds, checking
// every kept hash against the layer below it and the state flags against the columns. On any
// inconsistency `*problem` says what (empty when none); the returned hash is what the fields
// commit to, to compare with the tree's leaf.
std::string RecomputeLeafHash(const StoredLeaf& e, std::string* problem);

}  // namespace trail
