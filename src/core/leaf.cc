// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "core/leaf.h"

#include <array>

#include "core/codec.h"
#include "core/json_text.h"
#include "core/time_format.h"

namespace trail {
namespace {

// `"key":"value",` with the value JSON-escaped; nothing when absent.
void Member(std::string_view key, OptView v, std::string* out) {
  if (!v) return;
  AppendJsonKey(key, out);
  AppendJsonString(*v, out);
  out->push_back(',');
}

// `"key":<json>,` with the value already canonical JSON; nothing when absent.
void RawMember(std::string_view key, OptView json, std::string* out) {
  if (!json) return;
  AppendJsonKey(key, out);
  out->append(*json);
  out->push_back(',');
}

void Base64Member(std::string_view key, std::string_view raw, std::string* out) {
  AppendJsonKey(key, out);
  out->push_back('"');
  AppendBase64(raw, out);
  out->append("\",");
}

// Replaces the trailing ',' of the last member with the closing brace.
void Close(std::string* out) {
  if (out->back() == ',') {
    out->back() = '}';
  } else {
    out->push_back('}');
  }
}

}  // namespace

void AppendPersonalText(std::string_view salt, OptView ip, OptView user_agent,
                        OptView location_json, std::string* out) {
  out->push_back('{');
  Member("ip", ip, out);
  RawMember("location", location_json, out);
  Base64Member("salt", salt, out);
  Member("user_agent", user_agent, out);
  Close(out);
}

namespace {
// Each thread keeps its text buffer: verify hashes three layers per event, millions of times.
std::string& Scratch() {
  thread_local std::string text;
  text.clear();
  return text;
}

using Hash = std::array<char, kSha256Size>;
std::string_view View(const Hash& h) { return {h.data(), h.size()}; }

void PersonalHashTo(std::string_view salt, OptView ip, OptView user_agent, OptView location_json,
                    Hash* out) {
  std::string& text = Scratch();
  AppendPersonalText(salt, ip, user_agent, location_json, &text);
  Sha256To(text, out->data());
}
}  // namespace

std::string PersonalHash(std::string_view salt, OptView ip, OptView user_agent,
                         OptView location_json) {
  Hash h;
  PersonalHashTo(salt, ip, user_agent, location_json, &h);
  return std::string(View(h));
}

void AppendBodyText(std::string_view subject, OptView actor, std::optional<Micros> occurred_at,
                    OptView metadata_json, std::string_view personal_hash, std::string* out) {
  out->push_back('{');
  Member("actor", actor, out);
  RawMember("metadata", metadata_json, out);
  if (occurred_at) {
    out->append("\"occurred_at\":\"");
    AppendRfc3339Micros(*occurred_at, out);
    out->append("\",");
  }
  Base64Member("personal_hash", personal_hash, out);
  Member("subject", subject, out);
  Close(out);
}

namespace {
void BodyHashTo(std::string_view subject, OptView actor, std::optional<Micros> occurred_at,
                OptView metadata_json, std::string_view personal_hash, Hash* out) {
  std::string& text = Scratch();
  AppendBodyText(subject, actor, occurred_at, metadata_json, personal_hash, &text);
  Sha256To(text, out->data());
}
}  // namespace

std::string BodyHash(std::string_view subject, OptView actor, std::optional<Micros> occurred_at,
                     OptView metadata_json, std::string_view personal_hash) {
  Hash h;
  BodyHashTo(subject, actor, occurred_at, metadata_json, personal_hash, &h);
  return std::string(View(h));
}

void AppendLeafText(std::string_view id, Micros recorded_at, std::string_view tag,
                    std::string_view body_hash, std::string* out) {
  out->push_back('{');
  Base64Member("body_hash", body_hash, out);
  Member("id", id, out);
  out->append("\"recorded_at\":\"");
  AppendRfc3339Micros(recorded_at, out);
  out->append("\",");
  Member("tag", tag, out);
  out->append("\"v\":2}");
}

std::string LeafHash(std::string_view id, Micros recorded_at, std::string_view tag,
                     std::string_view body_hash) {
  std::string& text = Scratch();
  text.push_back('\0');
  AppendLeafText(id, recorded_at, tag, body_hash, &text);
  return Sha256(text);
}

std::string RecomputeLeafHash(const StoredLeaf& e, std::string* problem) {
  problem->clear();
  auto fail = [problem](std::string why) {
    if (problem->empty()) *problem = std::move(why);
  };
  const bool personal_left = e.salt || e.ip || e.user_agent || e.location_json;
  // Times outside years 0000..9999 would be written clamped: two stored values, one text.
  auto in_range = [](Micros t) { return t >= kMinRfc3339Micros && t <= kMaxRfc3339Micros; };
  if (!in_range(e.recorded_at) || (e.occurred_at && !in_range(*e.occurred_at)))
    fail("a time outside the years 0000..9999");
  if (e.pruned) {
    if (e.subject || e.actor || e.metadata_json || e.occurred_at || personal_left ||
        !e.personal_hash.empty())
      fail("marked pruned but still holds payload");
    if (e.body_hash.size() != kSha256Size) fail("pruned without a 32-byte body_hash");
    return LeafHash(e.id, e.recorded_at, e.tag, e.body_hash);
  }
  if (!e.subject) fail("no subject on an event that is not pruned");
  std::string_view personal_hash = e.personal_hash;
  Hash computed_personal;
  if (e.scrubbed) {
    if (personal_left) fail("marked scrubbed but still holds personal data");
    if (e.personal_hash.size() != kSha256Size) fail("scrubbed without a 32-byte personal_hash");
  } else {
    if (!e.salt || e.salt->size() != kSaltBytes)
      fail("no 16-byte salt on an event that is not scrubbed");
    PersonalHashTo(e.salt.value_or(""), e.ip, e.user_agent, e.location_json, &computed_personal);
    personal_hash = View(computed_personal);
    if (personal_hash != e.personal_hash)
      fail("ip, user_agent, location or salt differ from personal_hash");
  }
  Hash body_hash;
  BodyHashTo(e.subject.value_or(""), e.actor, e.occurred_at.value_or(e.recorded_at),
             e.metadata_json, personal_hash, &body_hash);
  if (View(body_hash) != e.body_hash)
    fail("subject, actor, occurred_at or metadata differ from body_hash");
  return LeafHash(e.id, e.recorded_at, e.tag, View(body_hash));
}

}  // namespace trail
