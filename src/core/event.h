// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// The event model (SPEC §1, §3, §5).
//
// An application's request becomes a PreparedEvent in the request thread: parsed, checked
// against its type, a salt drawn, and the personal and (when
// occurred_at is given) body layers of the leaf hashed. The writer completes it into a stored
// Event: it assigns `seq` and `recorded_at` and computes `leaf_hash` (LeafHash below; the
// format is core/leaf.h).
// Plain values; no shared state.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/event_types.h"
#include "core/status.h"

namespace trail {

class Uuid7Generator;

constexpr size_t kMaxEventBytes = 64 * 1024;  // SPEC §3: 64 KiB per event

struct PreparedEvent {
  std::string id;               // canonical lowercase UUID text
  bool id_from_client = false;  // ids sent by clients must be checked for uniqueness
  std::string tag;
  std::string subject;
  std::optional<std::string> actor, ip, user_agent;
  std::optional<std::string> location_json;  // canonical JSON of the location object (SPEC §3)
  std::string metadata_json;  // RFC 8785 canonical text of the metadata object ("{}" if none)
  std::optional<Micros> occurred_at;  // sent, or the request's arrival; nullopt: recorded_at
  std::optional<std::string> idempotency_key;
  // Leaf format 2 (core/leaf.h), built in the request thread: the salt (16 random bytes) and
  // personal_hash always; body_hash when occurred_at is known (always, on the HTTP path).
  // Otherwise the body is hashed by the writer once it has assigned recorded_at
  // (CompleteBodyHash).
  std::string salt, personal_hash, body_hash;
};

struct Event {
  uint64_t seq = 0;
  bool has_seq = true;  // false while a multi-node log has not sequenced it (SPEC §3)
  std::string id;
  Micros recorded_at = 0;
  Micros occurred_at = 0;
  std::string tag;
  std::optional<std::string> subject, actor, ip, user_agent;
  std::optional<std::string> location_json;  // canonical JSON text of the location object
  std::string metadata_json = "{}";
  std::string description;  // rendered on read (DescribeEvent), never stored
  // Leaf format 2 (SPEC §5), raw bytes: salt (absent once scrubbed or pruned), personal_hash
  // (absent once pruned), body_hash and leaf_hash (always).
  std::optional<std::string> salt;
  std::string personal_hash, body_hash, leaf_hash;
  bool pruned = false;  // scrubbed: not pruned and no salt
};

// Turns one JSON event object of a request into a PreparedEvent, or the precise 400/413
// error of SPEC §3 (the index is filled in by the caller).
//
// `received_at`, when given, is the server's occurred_at for an event sent without one (the
// time its request arrived; SPEC §5: such an event reads, and is hashed, with the server's
// value). Then the whole body layer is hashed here, in the request's thread, and the writer
// hashes only the short leaf. Without it, occurred_at stays absent and reads as recorded_at.
Result<PreparedEvent> PrepareEvent(const boost::json::value& input, const TypeRegistry& types,
                                   Uuid7Generator& ids,
                                   std::optional<Micros> received_at = std::nullopt);

// Builds a PreparedEvent from already-typed parts (self-audit events, the CLI, benchmarks).
Result<PreparedEvent> PrepareEvent(std::string tag, std::string subject,
                                   std::optional<std::string> actor,
                                   const boost::json::object& metadata, const TypeRegistry& types,
                                   Uuid7Generator& ids,
                                   std::optional<Micros> received_at = std::nullopt);

// The body hash of a prepared event once its recorded_at is known (the stored body_hash when
// the request thread could compute it), and the RFC 9162 leaf hash that commits to it.
std::string CompleteBodyHash(const PreparedEvent& e, Micros recorded_at);
std::string LeafHash(const PreparedEvent& e, Micros recorded_at);

// The leaf hash a stored event's fields commit to (core/leaf.h RecomputeLeafHash over its
// columns); `problem`, when given, says what is inconsistent.
std::string RecomputeLeafHash(const Event& e, std::string* problem = nullptr);

// The event's description: its type's template (SPEC §2) filled from the event. Rendered on
// every read and never stored, so that every stored byte of an event is covered by its leaf
// hash (SPEC §5: the description is not part of the leaf). "" for pruned events and tags the
// registry does not know (any more).
std::string DescribeEvent(const TypeRegistry& types, const Event& e);

// The JSON representation every read returns (SPEC §3). `redact_network` writes ip and
// user_agent as "redacted", leaves location and salt out (viewer rules, SPEC §6).
void AppendEventJson(const Event& e, std::string* out, bool redact_network = false);

// The inverse of AppendEventJson, for verifiers (`trail verify --url --key`): a read's event
// object back into an Event whose RecomputeLeafHash is what the read commits to. Hashes and
// salt are base64-decoded, times parsed, `metadata` and `location` canonicalized (RFC 8785);
// `description` is kept, unknown members are ignored. Refuses, naming the member, a wrong
// type, bad base64 or time, a missing required member, and a pruned event that shows
// anything pruning deletes. A redacted read (a viewer's: ip "redacted", no salt) parses but
// does not recompute: it no longer holds what was hashed.
Result<Event> ParseEventJson(const boost::json::object& read);
Result<Event> ParseEventJson(std::string_view json);  // parsed with ParseJsonExact

}  // namespace trail
