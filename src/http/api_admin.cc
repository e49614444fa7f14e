// /v1/admin/*: API keys and type reloads (admin keys only; checked by the router).
#include <boost/json.hpp>

#include "core/json_text.h"
#include "core/time_format.h"
#include "http/api.h"
#include "http/errors.h"

namespace trail {
namespace {

Result<boost::json::object> JsonObjectBody(const std::string& body) {
  boost::json::error_code ec;
  boost::json::value v = boost::json::parse(body.empty() ? std::string_view("{}") : std::string_view(body), ec);
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
        return fail(Status::Invalid("invalid_request", std::string(kv.key()) + ": not a key field"));
    }
    auto role_it = o.find("role");
    if (role_it == o.end() || !role_it->value().is_string())
      return fail(Status::Invalid("invalid_request", "role: \"writer\", \"auditor\" or \"admin\""));
    auto role = ParseKeyRole(std::string_view(role_it->value().get_string()));
    if (!role) return fail(Status::Invalid("invalid_request", "role: \"writer\", \"auditor\" or \"admin\""));
    std::string name = "unnamed";
    if (auto n = o.find("name"); n != o.end()) {
      if (!n->value().is_string()) return fail(Status::Invalid("invalid_request", "name: expected a string"));
      name = std::string(n->value().get_string());
    }
    auto k = s_.keys->Create(*role, name);
    if (!k.ok()) return fail(k.status());
    boost::json::object meta{{"role", KeyRoleName(*role)}, {"name", k->record.name}};
    if (Status s = RecordSelfAudit("trail:key:created", "key:" + k->record.id, who.Actor(), meta); !s.ok())
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
    if (id == who.key_id) return fail(Status::Invalid("invalid_request", "a key cannot revoke itself"));
    if (Status s = s_.keys->Revoke(id); !s.ok()) return fail(s);
    if (Status s = RecordSelfAudit("trail:key:revoked", "key:" + id, who.Actor(), {}); !s.ok()) return fail(s);
    std::string b = "{\"id\":";
    AppendJsonString(id, &b);
    b += ",\"revoked\":true}";
    return respond(JsonResponse(200, std::move(b)));
  }
  if (path == "/v1/admin/reload" && m == "POST") {
    auto n = s_.reload_types();
    if (!n.ok()) return fail(n.status());
    std::string src = s_.types->Get()->source();
    boost::json::object meta{{"source", src}, {"count", static_cast<int64_t>(*n)}};
    if (Status s = RecordSelfAudit("trail:types:reloaded", "trail:types", who.Actor(), meta); !s.ok())
      return fail(s);
    return respond(JsonResponse(200, "{\"types\":" + std::to_string(*n) + "}"));
  }
  fail(Status::NotFound("no route " + m + " " + path));
}

}  // namespace trail
