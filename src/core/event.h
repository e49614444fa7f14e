// The event model (SPEC §1, §3, §5).
//
// An application's request becomes a PreparedEvent in the request thread: parsed, checked
// against its type, description rendered, and the canonical (RFC 8785) leaf text built except
// for `recorded_at`, which only the writer knows. The writer completes it into a stored Event:
// it assigns `seq` and `recorded_at` and computes `leaf_hash` (LeafHash below).
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
  std::string id;  // canonical lowercase UUID text
  bool id_from_client = false;  // ids sent by clients must be checked for uniqueness
  std::string tag;
  std::string subject;
  std::optional<std::string> actor, ip, user_agent;
  std::string metadata_json;  // RFC 8785 canonical text of the metadata object ("{}" if none)
  std::optional<Micros> occurred_at;  // nullopt: the same as recorded_at
  std::optional<std::string> idempotency_key;
  std::string description;
  // Canonical leaf JSON split around the writer-assigned times:
  //   "{" + leaf_head + ["occurred_at":"…",] "recorded_at":"…" + leaf_tail + "}"
  std::string leaf_head;  // `"actor":…,"id":…,"ip":…,"metadata":…,` (ends with ',')
  std::string leaf_tail;  // `,"subject":…,"tag":…[,"user_agent":…]` (starts with ',')
};

struct Event {
  uint64_t seq = 0;
  bool has_seq = true;  // false while a multi-node log has not sequenced it (SPEC §3)
  std::string id;
  Micros recorded_at = 0;
  Micros occurred_at = 0;
  std::string tag;
  std::optional<std::string> subject, actor, ip, user_agent;
  std::string metadata_json = "{}";
  std::string description;
  std::string leaf_hash;  // 32 raw bytes
  bool pruned = false;
};

// Turns one JSON event object of a request into a PreparedEvent, or the precise 400/413
// error of SPEC §3 (the index is filled in by the caller).
Result<PreparedEvent> PrepareEvent(const boost::json::value& input, const TypeRegistry& types,
                                   Uuid7Generator& ids);

// Builds a PreparedEvent from already-typed parts (self-audit events, the CLI, benchmarks).
Result<PreparedEvent> PrepareEvent(std::string tag, std::string subject,
                                   std::optional<std::string> actor,
                                   const boost::json::object& metadata, const TypeRegistry& types,
                                   Uuid7Generator& ids);

// The full canonical leaf text and its RFC 9162 leaf hash SHA-256(0x00 || leaf).
std::string LeafText(const PreparedEvent& e, Micros recorded_at);
std::string LeafHash(const PreparedEvent& e, Micros recorded_at);
// Recomputes the leaf text of a stored (unpruned) event, for verification.
std::string LeafText(const Event& e);

// The stored fields of one event as views (a database row), for verifying many events without
// copying them: AppendLeafText writes exactly LeafText of the same event.
struct LeafFields {
  std::string_view id, tag, subject, metadata_json;
  std::optional<std::string_view> actor, ip, user_agent;
  Micros occurred_at = 0, recorded_at = 0;
};
void AppendLeafText(const LeafFields& f, std::string* out);

// The JSON representation every read returns (SPEC §3). `redact_network` writes ip and
// user_agent as "redacted" (viewer rules, SPEC §6).
void AppendEventJson(const Event& e, std::string* out, bool redact_network = false);

}  // namespace trail
