// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "core/event.h"

#include <arpa/inet.h>

#include <boost/json.hpp>

#include "core/codec.h"
#include "core/jcs.h"
#include "core/json_text.h"
#include "core/leaf.h"
#include "core/names.h"
#include "core/time_format.h"
#include "core/uuid7.h"

namespace trail {
namespace {

constexpr size_t kMaxActorBytes = 1024;
constexpr size_t kMaxUserAgentBytes = 4096;
constexpr size_t kMaxIdempotencyKeyBytes = 256;
constexpr size_t kMaxLocationPartBytes = 128;

OptView Opt(const std::optional<std::string>& v) { return v ? OptView(*v) : std::nullopt; }

Status Invalid(std::string msg) { return Status::Invalid("invalid_event", std::move(msg)); }

bool IsIpAddress(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

// An optional string member: absent or null -> nullopt.
Status OptionalString(const boost::json::object& o, std::string_view key, size_t max,
                      std::optional<std::string>* out) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return Status::Ok();
  if (!it->value().is_string()) return Invalid(std::string(key) + ": expected a string");
  const auto& s = it->value().get_string();
  if (s.empty()) return Invalid(std::string(key) + ": must not be empty");
  if (s.size() > max)
    return Invalid(std::string(key) + ": longer than " + std::to_string(max) + " bytes");
  *out = std::string(s.data(), s.size());
  return Status::Ok();
}

// SPEC §2: numbers every JCS implementation reads alike (I-JSON), at any depth.
Status CheckIJsonNumbers(const boost::json::object& metadata) {
  if (auto e = IJsonNumberError(metadata, "metadata"); !e.empty()) return Invalid(std::move(e));
  return Status::Ok();
}

Status CheckSize(const PreparedEvent& e) {
  auto len = [](const std::optional<std::string>& v) { return v ? v->size() : 0; };
  size_t n = e.id.size() + e.tag.size() + e.subject.size() + len(e.actor) + len(e.ip) +
             len(e.user_agent) + len(e.location_json) + e.metadata_json.size() + 80;
  if (n > kMaxEventBytes)
    return Status::TooLarge("event is " + std::to_string(n) + " bytes; the limit is 65536");
  return Status::Ok();
}

Result<PreparedEvent> Finish(PreparedEvent e, const boost::json::object& metadata) {
  e.metadata_json.clear();
  AppendCanonicalJson(boost::json::value(metadata), &e.metadata_json);
  TRAIL_RETURN_IF_ERROR(CheckSize(e));
  e.salt.resize(kSaltBytes);
  RandomSmallBytes(e.salt.data(), kSaltBytes);
  e.personal_hash = PersonalHash(e.salt, Opt(e.ip), Opt(e.user_agent), Opt(e.location_json));
  if (e.occurred_at) e.body_hash = CompleteBodyHash(e, *e.occurred_at);
  return e;
}

// SPEC §3: an optional object of four optional strings; country is an ISO 3166-1 alpha-2 code.
Status CheckLocation(const boost::json::value& v) {
  if (!v.is_object()) return Invalid("location: expected an object");
  for (const auto& kv : v.get_object()) {
    std::string_view k = kv.key();
    if (k != "country" && k != "country_name" && k != "region" && k != "city")
      return Invalid("location." + std::string(k) +
                     ": not a location field (country, country_name, region, city)");
    if (!kv.value().is_string())
      return Invalid("location." + std::string(k) + ": expected a string");
    const auto& s = kv.value().get_string();
    if (s.empty() || s.size() > kMaxLocationPartBytes)
      return Invalid("location." + std::string(k) + ": must be 1 to " +
                     std::to_string(kMaxLocationPartBytes) + " bytes");
    if (k == "country" && (s.size() != 2 || !std::isupper(static_cast<unsigned char>(s[0])) ||
                           !std::isupper(static_cast<unsigned char>(s[1]))))
      return Invalid("location.country: '" + std::string(s) +
                     "' is not an ISO 3166-1 alpha-2 code (e.g. NZ)");
  }
  return Status::Ok();
}

Status CheckTagAndSubject(const std::string& tag, const std::string& subject,
                          const TypeRegistry& types, const EventType** type) {
  if (!IsValidTag(tag))
    return Invalid("tag: '" + tag + "' is not noun:verb[:qualifier…] of [a-z0-9_-]");
  *type = types.Find(tag);
  if (!*type)
    return Status::Invalid("unknown_tag", "tag: '" + tag + "' is not a registered event type");
  if (!IsValidSubject(subject)) return Invalid("subject: '" + subject + "' is not kind:id");
  if (SubjectKind(subject) != (*type)->subject_kind)
    return Invalid("subject: " + tag + " is recorded on " + (*type)->subject_kind + ":<id>, not " +
                   std::string(SubjectKind(subject)) + ":…");
  return Status::Ok();
}

}  // namespace

Result<PreparedEvent> PrepareEvent(const boost::json::value& input, const TypeRegistry& types,
                                   Uuid7Generator& ids, std::optional<Micros> received_at) {
  if (!input.is_object()) return Invalid("an event must be a JSON object");
  const boost::json::object& o = input.get_object();
  for (const auto& kv : o) {
    std::string_view k = kv.key();
    if (k != "tag" && k != "subject" && k != "actor" && k != "ip" && k != "user_agent" &&
        k != "metadata" && k != "occurred_at" && k != "idempotency_key" && k != "id" &&
        k != "location")
      return Invalid(std::string(k) + ": not an event field");
  }
  PreparedEvent e;
  auto tag = o.find("tag");
  if (tag == o.end() || !tag->value().is_string()) return Invalid("tag: required string missing");
  e.tag = std::string(tag->value().get_string());
  if (e.tag.rfind("trail:", 0) == 0)
    return Invalid("tag: '" + e.tag + "': trail:* events are recorded by trail itself");
  auto subject = o.find("subject");
  if (subject == o.end() || !subject->value().is_string())
    return Invalid("subject: required string missing");
  e.subject = std::string(subject->value().get_string());
  const EventType* type = nullptr;
  TRAIL_RETURN_IF_ERROR(CheckTagAndSubject(e.tag, e.subject, types, &type));

  TRAIL_RETURN_IF_ERROR(OptionalString(o, "actor", kMaxActorBytes, &e.actor));
  TRAIL_RETURN_IF_ERROR(OptionalString(o, "ip", 64, &e.ip));
  if (e.ip && !IsIpAddress(*e.ip))
    return Invalid("ip: '" + *e.ip + "' is not an IPv4 or IPv6 address");
  TRAIL_RETURN_IF_ERROR(OptionalString(o, "user_agent", kMaxUserAgentBytes, &e.user_agent));
  TRAIL_RETURN_IF_ERROR(
      OptionalString(o, "idempotency_key", kMaxIdempotencyKeyBytes, &e.idempotency_key));
  if (auto l = o.find("location"); l != o.end() && !l->value().is_null()) {
    TRAIL_RETURN_IF_ERROR(CheckLocation(l->value()));
    if (!l->value().get_object().empty()) {
      e.location_json.emplace();
      AppendCanonicalJson(l->value(), &*e.location_json);
    }
  }

  std::optional<std::string> occurred;
  TRAIL_RETURN_IF_ERROR(OptionalString(o, "occurred_at", 64, &occurred));
  if (occurred) {
    e.occurred_at = ParseRfc3339(*occurred);
    if (!e.occurred_at) return Invalid("occurred_at: '" + *occurred + "' is not an RFC 3339 time");
  } else {
    e.occurred_at = received_at;
  }
  std::optional<std::string> id;
  TRAIL_RETURN_IF_ERROR(OptionalString(o, "id", 64, &id));
  if (id) {
    if (!IsUuid(*id)) return Invalid("id: '" + *id + "' is not a UUID");
    for (char& c : *id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    e.id = std::move(*id);
    e.id_from_client = true;
  } else {
    e.id = ids.Next();
  }

  static const boost::json::object kEmpty;
  const boost::json::object* metadata = &kEmpty;
  if (auto m = o.find("metadata"); m != o.end() && !m->value().is_null()) {
    if (!m->value().is_object()) return Invalid("metadata: expected an object");
    metadata = &m->value().get_object();
  }
  TRAIL_RETURN_IF_ERROR(type->ValidateMetadata(*metadata));
  TRAIL_RETURN_IF_ERROR(CheckIJsonNumbers(*metadata));
  return Finish(std::move(e), *metadata);
}

Result<PreparedEvent> PrepareEvent(std::string tag, std::string subject,
                                   std::optional<std::string> actor,
                                   const boost::json::object& metadata, const TypeRegistry& types,
                                   Uuid7Generator& ids, std::optional<Micros> received_at) {
  PreparedEvent e;
  e.occurred_at = received_at;
  e.tag = std::move(tag);
  e.subject = std::move(subject);
  e.actor = std::move(actor);
  const EventType* type = nullptr;
  TRAIL_RETURN_IF_ERROR(CheckTagAndSubject(e.tag, e.subject, types, &type));
  TRAIL_RETURN_IF_ERROR(type->ValidateMetadata(metadata));
  TRAIL_RETURN_IF_ERROR(CheckIJsonNumbers(metadata));
  e.id = ids.Next();
  return Finish(std::move(e), metadata);
}

std::string CompleteBodyHash(const PreparedEvent& e, Micros recorded_at) {
  if (!e.body_hash.empty()) return e.body_hash;
  return BodyHash(e.subject, Opt(e.actor), e.occurred_at.value_or(recorded_at), e.metadata_json,
                  e.personal_hash);
}

std::string LeafHash(const PreparedEvent& e, Micros recorded_at) {
  return LeafHash(e.id, recorded_at, e.tag, CompleteBodyHash(e, recorded_at));
}

std::string DescribeEvent(const TypeRegistry& types, const Event& e) {
  if (e.pruned) return "";
  const EventType* type = types.Find(e.tag);
  if (!type) return "";
  static const boost::json::object kEmpty;
  if (!type->description.uses_fields || e.metadata_json == "{}")
    return type->Render(e.actor.value_or(""), SubjectId(e.subject.value_or("")), kEmpty);
  boost::json::error_code ec;
  boost::json::value m = ParseJsonExact(e.metadata_json, ec);
  return type->Render(e.actor.value_or(""), SubjectId(e.subject.value_or("")),
                      !ec && m.is_object() ? m.get_object() : kEmpty);
}

std::string RecomputeLeafHash(const Event& e, std::string* problem) {
  StoredLeaf l;
  l.id = e.id;
  l.tag = e.tag;
  l.recorded_at = e.recorded_at;
  l.pruned = e.pruned;
  l.scrubbed = !e.pruned && !e.salt;
  if (!e.pruned) {
    l.subject = Opt(e.subject);
    l.actor = Opt(e.actor);
    l.metadata_json = e.metadata_json;
    l.occurred_at = e.occurred_at;
  }
  l.salt = Opt(e.salt);
  l.ip = Opt(e.ip);
  l.user_agent = Opt(e.user_agent);
  l.location_json = Opt(e.location_json);
  l.personal_hash = e.personal_hash;
  l.body_hash = e.body_hash;
  std::string ignored;
  return RecomputeLeafHash(l, problem ? problem : &ignored);
}

void AppendEventJson(const Event& e, std::string* out, bool redact_network) {
  auto opt = [&](std::string_view key, const std::optional<std::string>& v, bool redact) {
    out->push_back(',');
    AppendJsonKey(key, out);
    if (!v) {
      out->append("null");
    } else if (redact) {
      out->append("\"redacted\"");
    } else {
      AppendJsonString(*v, out);
    }
  };
  out->append("{\"id\":");
  AppendJsonString(e.id, out);
  out->append(",\"seq\":");
  out->append(e.has_seq ? std::to_string(e.seq) : "null");
  out->append(",\"recorded_at\":\"");
  out->append(FormatRfc3339Micros(e.recorded_at));
  out->append("\",\"occurred_at\":");
  if (e.pruned) {
    out->append("null");
  } else {
    out->push_back('"');
    out->append(FormatRfc3339Micros(e.occurred_at));
    out->push_back('"');
  }
  out->append(",\"tag\":");
  AppendJsonString(e.tag, out);
  opt("subject", e.subject, false);
  opt("actor", e.actor, false);
  opt("ip", e.ip, redact_network);
  opt("user_agent", e.user_agent, redact_network);
  if (e.location_json && !redact_network) {
    out->append(",\"location\":");
    out->append(*e.location_json);
  }
  out->append(",\"metadata\":");
  out->append(e.pruned ? "null" : e.metadata_json);
  out->append(",\"description\":");
  if (e.pruned) {
    out->append("null");
  } else {
    AppendJsonString(e.description, out);
  }
  auto hash = [&](std::string_view key, std::string_view raw) {
    out->push_back(',');
    AppendJsonKey(key, out);
    if (raw.empty()) {
      out->append("null");
    } else {
      out->push_back('"');
      out->append(Base64Encode(raw));
      out->push_back('"');
    }
  };
  hash("leaf_hash", e.leaf_hash);
  hash("body_hash", e.body_hash);
  hash("personal_hash", e.personal_hash);
  // The salt lets a reader recompute personal_hash, so it goes only where the ip is shown.
  if (e.salt && !redact_network) hash("salt", *e.salt);
  out->append(e.pruned ? ",\"pruned\":true}" : ",\"pruned\":false}");
}

namespace {

Status Unreadable(std::string msg) { return Status::Invalid("invalid_event", std::move(msg)); }

// The member `key` of a read: absent and null both give nullptr.
const boost::json::value* Member(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  return v && !v->is_null() ? v : nullptr;
}

Status ReadString(const boost::json::object& o, std::string_view key,
                  std::optional<std::string>* out) {
  const boost::json::value* v = Member(o, key);
  if (!v) return Status::Ok();
  if (!v->is_string()) return Unreadable(std::string(key) + ": expected a string");
  *out = std::string(v->get_string());
  return Status::Ok();
}

// A base64 member of exactly `bytes` raw bytes (a hash, the salt): "" is not an empty hash.
Status ReadBase64(const boost::json::object& o, std::string_view key, size_t bytes,
                  std::optional<std::string>* out) {
  std::optional<std::string> text;
  TRAIL_RETURN_IF_ERROR(ReadString(o, key, &text));
  if (!text) return Status::Ok();
  *out = Base64Decode(*text);
  if (!*out) return Unreadable(std::string(key) + ": not base64");
  if ((*out)->size() != bytes)
    return Unreadable(std::string(key) + ": not " + std::to_string(bytes) + " bytes");
  return Status::Ok();
}

Status ReadTime(const boost::json::object& o, std::string_view key, std::optional<Micros>* out) {
  std::optional<std::string> text;
  TRAIL_RETURN_IF_ERROR(ReadString(o, key, &text));
  if (!text) return Status::Ok();
  *out = ParseRfc3339(*text);
  if (!*out) return Unreadable(std::string(key) + ": not an RFC 3339 time");
  return Status::Ok();
}

Status ReadObject(const boost::json::object& o, std::string_view key,
                  std::optional<std::string>* canonical) {
  const boost::json::value* v = Member(o, key);
  if (!v) return Status::Ok();
  if (!v->is_object()) return Unreadable(std::string(key) + ": expected an object");
  *canonical = CanonicalJson(*v);
  return Status::Ok();
}

}  // namespace

Result<Event> ParseEventJson(const boost::json::object& read) {
  Event e;
  std::optional<std::string> id, tag, metadata, leaf_hash, body_hash, personal_hash;
  std::optional<Micros> recorded_at, occurred_at;
  if (const boost::json::value* seq = Member(read, "seq")) {
    if (!seq->is_uint64() && !(seq->is_int64() && seq->get_int64() >= 0))
      return Unreadable("seq: expected a whole number");
    e.seq = seq->to_number<uint64_t>();
  } else {
    e.has_seq = false;
  }
  TRAIL_RETURN_IF_ERROR(ReadString(read, "id", &id));
  TRAIL_RETURN_IF_ERROR(ReadTime(read, "recorded_at", &recorded_at));
  TRAIL_RETURN_IF_ERROR(ReadTime(read, "occurred_at", &occurred_at));
  TRAIL_RETURN_IF_ERROR(ReadString(read, "tag", &tag));
  TRAIL_RETURN_IF_ERROR(ReadString(read, "subject", &e.subject));
  TRAIL_RETURN_IF_ERROR(ReadString(read, "actor", &e.actor));
  TRAIL_RETURN_IF_ERROR(ReadString(read, "ip", &e.ip));
  TRAIL_RETURN_IF_ERROR(ReadString(read, "user_agent", &e.user_agent));
  TRAIL_RETURN_IF_ERROR(ReadObject(read, "location", &e.location_json));
  TRAIL_RETURN_IF_ERROR(ReadObject(read, "metadata", &metadata));
  std::optional<std::string> description;
  TRAIL_RETURN_IF_ERROR(ReadString(read, "description", &description));
  TRAIL_RETURN_IF_ERROR(ReadBase64(read, "leaf_hash", kSha256Size, &leaf_hash));
  TRAIL_RETURN_IF_ERROR(ReadBase64(read, "body_hash", kSha256Size, &body_hash));
  TRAIL_RETURN_IF_ERROR(ReadBase64(read, "personal_hash", kSha256Size, &personal_hash));
  TRAIL_RETURN_IF_ERROR(ReadBase64(read, "salt", kSaltBytes, &e.salt));
  const boost::json::value* pruned = Member(read, "pruned");
  if (!pruned || !pruned->is_bool()) return Unreadable("pruned: expected true or false");
  e.pruned = pruned->get_bool();
  for (auto [name, present] : {std::pair{"id", bool(id)},
                               {"recorded_at", bool(recorded_at)},
                               {"tag", bool(tag)},
                               {"leaf_hash", bool(leaf_hash)},
                               {"body_hash", bool(body_hash)}}) {
    if (!present) return Unreadable(std::string(name) + ": missing");
  }
  if (e.pruned) {
    for (auto [name, present] : {std::pair{"subject", bool(e.subject)},
                                 {"actor", bool(e.actor)},
                                 {"ip", bool(e.ip)},
                                 {"user_agent", bool(e.user_agent)},
                                 {"location", bool(e.location_json)},
                                 {"metadata", bool(metadata)},
                                 {"occurred_at", bool(occurred_at)},
                                 {"description", bool(description)},
                                 {"salt", bool(e.salt)},
                                 {"personal_hash", bool(personal_hash)}}) {
      if (present) return Unreadable(std::string("a pruned event shows ") + name);
    }
  } else {
    if (!occurred_at) return Unreadable("occurred_at: missing");
    if (!metadata) return Unreadable("metadata: missing");
    if (!personal_hash) return Unreadable("personal_hash: missing");
  }
  e.id = std::move(*id);
  e.recorded_at = *recorded_at;
  e.occurred_at = occurred_at.value_or(0);
  e.tag = std::move(*tag);
  if (metadata) e.metadata_json = std::move(*metadata);
  e.description = description.value_or("");
  e.leaf_hash = std::move(*leaf_hash);
  e.body_hash = std::move(*body_hash);
  e.personal_hash = personal_hash.value_or("");
  return e;
}

Result<Event> ParseEventJson(std::string_view json) {
  boost::json::error_code ec;
  boost::json::value v = ParseJsonExact(json, ec);
  if (ec) return Unreadable("not JSON: " + ec.message());
  if (!v.is_object()) return Unreadable("not a JSON object");
  return ParseEventJson(v.get_object());
}

}  // namespace trail
