#include "core/event.h"

#include <arpa/inet.h>

#include <boost/json.hpp>

#include "core/codec.h"
#include "core/jcs.h"
#include "core/json_text.h"
#include "core/names.h"
#include "core/time_format.h"
#include "core/uuid7.h"

namespace trail {
namespace {

constexpr size_t kMaxActorBytes = 1024;
constexpr size_t kMaxUserAgentBytes = 4096;
constexpr size_t kMaxIdempotencyKeyBytes = 256;

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
  if (s.size() > max) return Invalid(std::string(key) + ": longer than " + std::to_string(max) + " bytes");
  *out = std::string(s.data(), s.size());
  return Status::Ok();
}

void AppendField(std::string_view key, const std::optional<std::string>& v, std::string* out) {
  if (!v) return;
  AppendJsonKey(key, out);
  AppendJsonString(*v, out);
  out->push_back(',');
}

// Fills the canonical leaf parts. Keys in RFC 8785 order: actor, id, ip, metadata,
// occurred_at, recorded_at, subject, tag, user_agent.
void BuildLeafParts(PreparedEvent* e) {
  std::string& h = e->leaf_head;
  h.clear();
  h.push_back('{');
  AppendField("actor", e->actor, &h);
  AppendJsonKey("id", &h);
  AppendJsonString(e->id, &h);
  h.push_back(',');
  AppendField("ip", e->ip, &h);
  AppendJsonKey("metadata", &h);
  h.append(e->metadata_json);
  h.push_back(',');
  std::string& t = e->leaf_tail;
  t.clear();
  t.append(",\"subject\":");
  AppendJsonString(e->subject, &t);
  t.append(",\"tag\":");
  AppendJsonString(e->tag, &t);
  if (e->user_agent) {
    t.append(",\"user_agent\":");
    AppendJsonString(*e->user_agent, &t);
  }
  t.push_back('}');
}

// SPEC §2: numbers every JCS implementation reads alike (I-JSON), at any depth.
Status CheckIJsonNumbers(const boost::json::object& metadata) {
  if (auto e = IJsonNumberError(metadata, "metadata"); !e.empty()) return Invalid(std::move(e));
  return Status::Ok();
}

Status CheckSize(const PreparedEvent& e) {
  size_t n = e.leaf_head.size() + e.leaf_tail.size() + e.description.size() + 80;
  if (n > kMaxEventBytes)
    return Status::TooLarge("event is " + std::to_string(n) + " bytes; the limit is 65536");
  return Status::Ok();
}

Result<PreparedEvent> Finish(PreparedEvent e, const EventType& type,
                             const boost::json::object& metadata) {
  e.metadata_json.clear();
  AppendCanonicalJson(boost::json::value(metadata), &e.metadata_json);
  e.description = type.Render(e.actor.value_or(""), SubjectId(e.subject), e.ip.value_or(""), metadata);
  BuildLeafParts(&e);
  TRAIL_RETURN_IF_ERROR(CheckSize(e));
  return e;
}

Status CheckTagAndSubject(const std::string& tag, const std::string& subject,
                          const TypeRegistry& types, const EventType** type) {
  if (!IsValidTag(tag))
    return Invalid("tag: '" + tag + "' is not noun:verb[:qualifier…] of [a-z0-9_-]");
  *type = types.Find(tag);
  if (!*type) return Status::Invalid("unknown_tag", "tag: '" + tag + "' is not a registered event type");
  if (!IsValidSubject(subject))
    return Invalid("subject: '" + subject + "' is not kind:id");
  if (SubjectKind(subject) != (*type)->subject_kind)
    return Invalid("subject: " + tag + " is recorded on " + (*type)->subject_kind + ":<id>, not " +
                   std::string(SubjectKind(subject)) + ":…");
  return Status::Ok();
}

}  // namespace

Result<PreparedEvent> PrepareEvent(const boost::json::value& input, const TypeRegistry& types,
                                   Uuid7Generator& ids) {
  if (!input.is_object()) return Invalid("an event must be a JSON object");
  const boost::json::object& o = input.get_object();
  for (const auto& kv : o) {
    std::string_view k = kv.key();
    if (k != "tag" && k != "subject" && k != "actor" && k != "ip" && k != "user_agent" &&
        k != "metadata" && k != "occurred_at" && k != "idempotency_key" && k != "id")
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
  if (e.ip && !IsIpAddress(*e.ip)) return Invalid("ip: '" + *e.ip + "' is not an IPv4 or IPv6 address");
  TRAIL_RETURN_IF_ERROR(OptionalString(o, "user_agent", kMaxUserAgentBytes, &e.user_agent));
  TRAIL_RETURN_IF_ERROR(OptionalString(o, "idempotency_key", kMaxIdempotencyKeyBytes, &e.idempotency_key));

  std::optional<std::string> occurred;
  TRAIL_RETURN_IF_ERROR(OptionalString(o, "occurred_at", 64, &occurred));
  if (occurred) {
    e.occurred_at = ParseRfc3339(*occurred);
    if (!e.occurred_at) return Invalid("occurred_at: '" + *occurred + "' is not an RFC 3339 time");
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
  return Finish(std::move(e), *type, *metadata);
}

Result<PreparedEvent> PrepareEvent(std::string tag, std::string subject,
                                   std::optional<std::string> actor,
                                   const boost::json::object& metadata, const TypeRegistry& types,
                                   Uuid7Generator& ids) {
  PreparedEvent e;
  e.tag = std::move(tag);
  e.subject = std::move(subject);
  e.actor = std::move(actor);
  const EventType* type = nullptr;
  TRAIL_RETURN_IF_ERROR(CheckTagAndSubject(e.tag, e.subject, types, &type));
  TRAIL_RETURN_IF_ERROR(type->ValidateMetadata(metadata));
  TRAIL_RETURN_IF_ERROR(CheckIJsonNumbers(metadata));
  e.id = ids.Next();
  return Finish(std::move(e), *type, metadata);
}

std::string LeafText(const PreparedEvent& e, Micros recorded_at) {
  std::string leaf;
  leaf.reserve(e.leaf_head.size() + e.leaf_tail.size() + 80);
  leaf.append(e.leaf_head);
  leaf.append("\"occurred_at\":\"");
  leaf.append(FormatRfc3339Micros(e.occurred_at.value_or(recorded_at)));
  leaf.append("\",\"recorded_at\":\"");
  leaf.append(FormatRfc3339Micros(recorded_at));
  leaf.push_back('"');
  leaf.append(e.leaf_tail);
  return leaf;
}

std::string LeafHash(const PreparedEvent& e, Micros recorded_at) {
  std::string data(1, '\0');
  data += LeafText(e, recorded_at);
  return Sha256(data);
}

std::string LeafText(const Event& ev) {
  PreparedEvent e;
  e.id = ev.id;
  e.tag = ev.tag;
  e.subject = ev.subject.value_or("");
  e.actor = ev.actor;
  e.ip = ev.ip;
  e.user_agent = ev.user_agent;
  e.metadata_json = ev.metadata_json;
  e.occurred_at = ev.occurred_at;
  BuildLeafParts(&e);
  return LeafText(e, ev.recorded_at);
}

void AppendLeafText(const LeafFields& f, std::string* out) {
  // The same text as BuildLeafParts + LeafText(PreparedEvent), in one pass.
  auto field = [out](std::string_view key, const std::optional<std::string_view>& v) {
    if (!v) return;
    AppendJsonKey(key, out);
    AppendJsonString(*v, out);
    out->push_back(',');
  };
  out->push_back('{');
  field("actor", f.actor);
  AppendJsonKey("id", out);
  AppendJsonString(f.id, out);
  out->push_back(',');
  field("ip", f.ip);
  AppendJsonKey("metadata", out);
  out->append(f.metadata_json);
  out->append(",\"occurred_at\":\"");
  AppendRfc3339Micros(f.occurred_at, out);
  out->append("\",\"recorded_at\":\"");
  AppendRfc3339Micros(f.recorded_at, out);
  out->append("\",\"subject\":");
  AppendJsonString(f.subject, out);
  out->append(",\"tag\":");
  AppendJsonString(f.tag, out);
  if (f.user_agent) {
    out->append(",\"user_agent\":");
    AppendJsonString(*f.user_agent, out);
  }
  out->push_back('}');
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
  out->append(",\"metadata\":");
  out->append(e.pruned ? "null" : e.metadata_json);
  out->append(",\"description\":");
  if (e.pruned) {
    out->append("null");
  } else {
    AppendJsonString(e.description, out);
  }
  out->append(",\"leaf_hash\":\"");
  out->append(Base64Encode(e.leaf_hash));
  out->append(e.pruned ? "\",\"pruned\":true}" : "\",\"pruned\":false}");
}

}  // namespace trail
