// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// /v1/admin/*: API keys and type reloads (admin keys only; checked by the router).
#include <boost/json.hpp>
#include <chrono>

#include "core/json_text.h"
#include "core/names.h"
#include "core/time_format.h"
#include "http/api.h"
#include "http/errors.h"
#include "store/retention_policy.h"

namespace trail {
namespace {

Result<boost::json::object> JsonObjectBody(const std::string& body) {
  boost::json::error_code ec;
  boost::json::value v =
      boost::json::parse(body.empty() ? std::string_view("{}") : std::string_view(body), ec);
  if (ec) return Status::Invalid("invalid_json", "malformed JSON: " + ec.message());
  if (!v.is_object()) return Status::Invalid("invalid_json", "the body must be a JSON object");
  return v.get_object();
}

void AppendKeyJson(const ApiKeyRecord& k, std::string* b) {
  *b += "{\"id\":";
  AppendJsonString(k.id, b);
  *b += ",\"name\":";
  AppendJsonString(k.name, b);
  *b += ",\"role\":\"";
  *b += KeyRoleName(k.role);
  *b += "\",\"created_at\":\"" + FormatRfc3339Micros(k.created_at) + "\",\"revoked_at\":";
  *b += k.revoked_at ? "\"" + FormatRfc3339Micros(*k.revoked_at) + "\"" : std::string("null");
  *b += "}";
}

}  // namespace

void Api::Admin(HttpRequest& req, const Principal& who, Respond& respond) {
  const std::string& path = req.path;
  const std::string& m = req.method;
  auto fail = [&](const Status& s) { respond(ErrorResponse(s)); };

  if (path == "/v1/admin/keys" && m == "POST") {
    auto body = JsonObjectBody(req.body);
    if (!body.ok()) return fail(body.status());
    const auto& o = *body;
    for (const auto& kv : o) {
      if (kv.key() != "role" && kv.key() != "name")
        return fail(
            Status::Invalid("invalid_request", std::string(kv.key()) + ": not a key field"));
    }
    auto role_it = o.find("role");
    if (role_it == o.end() || !role_it->value().is_string())
      return fail(Status::Invalid("invalid_request",
                                  "role: \"writer\", \"auditor\", \"admin\" or \"metrics\""));
    auto role = ParseKeyRole(std::string_view(role_it->value().get_string()));
    if (!role)
      return fail(Status::Invalid("invalid_request",
                                  "role: \"writer\", \"auditor\", \"admin\" or \"metrics\""));
    std::string name = "unnamed";
    if (auto n = o.find("name"); n != o.end()) {
      if (!n->value().is_string())
        return fail(Status::Invalid("invalid_request", "name: expected a string"));
      name = std::string(n->value().get_string());
    }
    auto k = s_.keys->Create(*role, name);
    if (!k.ok()) return fail(k.status());
    boost::json::object meta{{"role", KeyRoleName(*role)}, {"name", k->record.name}};
    if (Status s = RecordSelfAudit("trail:key:created", "key:" + k->record.id, who.Actor(), meta);
        !s.ok())
      return fail(s);
    std::string b = "{\"id\":";
    AppendJsonString(k->record.id, &b);
    b += ",\"key\":";
    AppendJsonString(k->secret, &b);
    b += ",\"role\":\"";
    b += KeyRoleName(*role);
    b += "\",\"name\":";
    AppendJsonString(k->record.name, &b);
    b += "}";
    return respond(JsonResponse(201, std::move(b)));
  }
  if (path == "/v1/admin/keys" && m == "GET") {
    auto keys = s_.keys->List();
    if (!keys.ok()) return fail(keys.status());
    std::string b = "{\"keys\":[";
    for (size_t i = 0; i < keys->size(); ++i) {
      if (i) b.push_back(',');
      AppendKeyJson((*keys)[i], &b);
    }
    b += "]}";
    return respond(JsonResponse(200, std::move(b)));
  }
  constexpr std::string_view kKeyPrefix = "/v1/admin/keys/";
  if (path.rfind(kKeyPrefix, 0) == 0 && m == "DELETE") {
    std::string id = path.substr(kKeyPrefix.size());
    if (id.empty() || id.size() > 64) return fail(Status::NotFound("no key " + id));
    if (id == who.key_id)
      return fail(Status::Invalid("invalid_request", "a key cannot revoke itself"));
    if (Status s = s_.keys->Revoke(id); !s.ok()) return fail(s);
    if (Status s = RecordSelfAudit("trail:key:revoked", "key:" + id, who.Actor(), {}); !s.ok())
      return fail(s);
    std::string b = "{\"id\":";
    AppendJsonString(id, &b);
    b += ",\"revoked\":true}";
    return respond(JsonResponse(200, std::move(b)));
  }
  if (path == "/v1/admin/gc" && m == "POST") {
    auto body = JsonObjectBody(req.body);
    if (!body.ok()) return fail(body.status());
    Micros as_of = s_.clock->NowMicros();
    bool dry = false;
    for (const auto& kv : *body) {
      if (kv.key() == "as_of") {
        auto t = kv.value().is_string() ? ParseRfc3339(std::string_view(kv.value().get_string()))
                                        : std::nullopt;
        if (!t) return fail(Status::Invalid("invalid_request", "as_of: expected an RFC 3339 time"));
        as_of = *t;
      } else if (kv.key() == "dry_run") {
        if (!kv.value().is_bool())
          return fail(Status::Invalid("invalid_request", "dry_run: expected a bool"));
        dry = kv.value().get_bool();
      } else {
        return fail(Status::Invalid("invalid_request",
                                    std::string(kv.key()) + ": not a gc field (as_of, dry_run)"));
      }
    }
    auto r = RunGc(as_of, dry, who.Actor());
    if (!r.ok()) return fail(r.status());
    return respond(JsonResponse(200, "{\"pruned\":" + std::to_string(r->pruned) +
                                         ",\"scrubbed\":" + std::to_string(r->scrubbed) +
                                         ",\"dry_run\":" + (dry ? "true" : "false") + "}"));
  }
  if (path == "/v1/admin/redact" && m == "POST") {
    auto body = JsonObjectBody(req.body);
    if (!body.ok()) return fail(body.status());
    RedactRequest rr;
    for (const auto& kv : *body) {
      if (kv.key() != "subject" && kv.key() != "actor")
        return fail(Status::Invalid(
            "invalid_request", std::string(kv.key()) + ": not a redact field (subject, actor)"));
      if (!kv.value().is_string() || kv.value().get_string().empty())
        return fail(Status::Invalid("invalid_request",
                                    std::string(kv.key()) + ": expected a non-empty string"));
      (kv.key() == "subject" ? rr.subject : rr.actor) = std::string(kv.value().get_string());
    }
    if (!!rr.subject == !!rr.actor)
      return fail(
          Status::Invalid("invalid_request", "redact takes exactly one of subject or actor"));
    if (rr.subject && !IsValidSubject(*rr.subject))
      return fail(
          Status::Invalid("invalid_request", "subject: '" + *rr.subject + "' is not kind:id"));
    auto n = s_.store->Redact(rr);
    if (!n.ok()) return fail(n.status());
    s_.metrics->redactions++;
    s_.metrics->redacted_events += n->pruned;
    // `skipped`: matching trail:* events, which a redaction never touches (SPEC §6).
    boost::json::object meta{{"pruned", static_cast<int64_t>(n->pruned)},
                             {"skipped", static_cast<int64_t>(n->skipped)}};
    if (rr.subject) meta["subject"] = *rr.subject;
    if (rr.actor) meta["actor"] = *rr.actor;
    if (Status s = RecordSelfAudit("trail:redact", "trail:redact", who.Actor(), meta); !s.ok())
      return fail(s);
    return respond(JsonResponse(200, "{\"pruned\":" + std::to_string(n->pruned) +
                                         ",\"skipped\":" + std::to_string(n->skipped) + "}"));
  }
  if (path == "/v1/admin/reload" && m == "POST") {
    auto n = s_.reload_types();
    if (!n.ok()) return fail(n.status());
    std::string src = s_.types->Get()->source();
    boost::json::object meta{{"source", src}, {"count", static_cast<int64_t>(*n)}};
    if (Status s = RecordSelfAudit("trail:types:reloaded", "trail:types", who.Actor(), meta);
        !s.ok())
      return fail(s);
    return respond(JsonResponse(200, "{\"types\":" + std::to_string(*n) + "}"));
  }
  fail(Status::NotFound("no route " + m + " " + path));
}

Result<GcResult> Api::RunGc(Micros as_of, bool dry_run, const std::string& actor) {
  auto types = s_.types->Get();
  GcRequest r;
  r.as_of = as_of;
  r.dry_run = dry_run;
  r.personal_data = s_.personal_data;
  r.rules = RetentionRules(*types, s_.retention_rules);
  Metrics* m = s_.metrics;
  m->gc_progress_pruned = 0;
  m->gc_progress_scrubbed = 0;
  m->gc_running = 1;
  r.progress = [m](uint64_t pruned, uint64_t scrubbed) {
    m->gc_progress_pruned = pruned;
    m->gc_progress_scrubbed = scrubbed;
  };
  auto t0 = std::chrono::steady_clock::now();
  auto res = s_.store->CollectGarbage(r);
  m->gc_running = 0;
  if (!res.ok()) return res;
  if (!dry_run) {
    m->gc_runs++;
    m->gc_pruned += res->pruned;
    m->gc_scrubbed += res->scrubbed;
    m->gc_last_run_micros = s_.clock->NowMicros();
    m->gc_last_micros = static_cast<uint64_t>(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
  }
  boost::json::object meta{{"pruned", static_cast<int64_t>(res->pruned)},
                           {"scrubbed", static_cast<int64_t>(res->scrubbed)},
                           {"as_of", FormatRfc3339Micros(as_of)},
                           {"dry_run", dry_run}};
  if (Status s = RecordSelfAudit("trail:gc", "trail:gc", actor, meta); !s.ok()) return s;
  return res;
}

}  // namespace trail
