// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "http/api.h"

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <boost/json.hpp>

#include "core/json_text.h"
#include "http/api_ui.h"
#include "http/errors.h"
#include "http/routes.h"

namespace trail {
namespace {

bool CanWrite(const Principal& p) {
  return !p.is_viewer && (p.role == KeyRole::kWriter || p.role == KeyRole::kAdmin);
}

void AppendStringArray(const std::vector<std::string>& v, std::string* out) {
  out->push_back('[');
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out->push_back(',');
    AppendJsonString(v[i], out);
  }
  out->push_back(']');
}

}  // namespace

Result<Principal> Api::Authenticate(const HttpRequest& req) {
  std::string_view h = req.authorization;
  if (h.empty() && req.method == "GET" && (req.path == "/v1/stream" || req.path == "/v1/export")) {
    // The web viewer's console session also opens its live tail and exports (api_ui.cc).
    auto page = UiAuthenticate(req, false);
    if (page.ok() && page->has_value()) return (*page)->who;
  }
  if (h.empty())
    return Status::Unauthenticated("missing credential: send Authorization: Bearer <key>");
  constexpr std::string_view kBearer = "Bearer ";
  if (h.size() <= kBearer.size() || strncasecmp(h.data(), kBearer.data(), kBearer.size()) != 0)
    return Status::Unauthenticated("invalid credential");
  std::string_view cred = h.substr(kBearer.size());
  while (!cred.empty() && cred.front() == ' ') cred.remove_prefix(1);
  while (!cred.empty() && cred.back() == ' ') cred.remove_suffix(1);
  if (cred.empty() || cred.size() > kMaxTokenBytes)
    return Status::Unauthenticated("invalid credential");
  if (LooksLikeJwt(cred)) {
    auto claims = s_.viewer_tokens->Verify(cred, s_.clock->NowMicros());
    if (!claims.ok()) return claims.status();
    Principal p;
    p.is_viewer = true;
    p.name = claims->sub;
    p.token = std::string(cred);
    p.viewer = std::make_shared<const ViewerClaims>(std::move(claims.value()));
    return p;
  }
  return s_.keys->Authenticate(cred);
}

std::string NormalizeIp(std::string_view ip) {
  boost::system::error_code ec;
  auto a = boost::asio::ip::make_address(std::string(ip), ec);
  if (ec) return "";
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a.to_v6()).to_string();
  return a.to_string();
}

bool Api::Secure(const HttpRequest& req) const {
  if (req.tls || s_.secure_cookies) return true;
  if (req.forwarded_proto.empty() || s_.trusted_proxies.empty()) return false;
  const std::string from = NormalizeIp(req.remote_ip);
  if (from.empty() || std::find(s_.trusted_proxies.begin(), s_.trusted_proxies.end(), from) ==
                          s_.trusted_proxies.end())
    return false;
  // The nearest proxy's word is the last one of a list.
  std::string_view proto = req.forwarded_proto;
  if (auto comma = proto.rfind(','); comma != std::string_view::npos)
    proto.remove_prefix(comma + 1);
  while (!proto.empty() && proto.front() == ' ') proto.remove_prefix(1);
  while (!proto.empty() && proto.back() == ' ') proto.remove_suffix(1);
  return proto.size() == 5 && strncasecmp(proto.data(), "https", 5) == 0;
}

bool Api::StillAuthorized(const Principal& who) {
  const Micros now = s_.clock->NowMicros();
  if (!who.session.empty()) {
    auto found = sessions_->Find(
        who.session, who.embed_session ? ui::SessionKind::kEmbed : ui::SessionKind::kConsole, now);
    if (!found.ok() || !found->has_value())
      return false;  // signed out (or the store is down: end, resume later)
  }
  if (who.is_viewer) {
    // An open stream gets no clock skew: it ends at exp itself.
    if (!who.viewer || now >= who.viewer->exp) return false;
    return s_.viewer_tokens->Verify(who.token, now).ok();
  }
  return s_.keys->AuthenticateHash(who.key_hash).ok();
}

HttpResponse Api::MetricsResponse() {
  HttpResponse r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = s_.metrics->Render(*s_.store, s_.queue_limit);
  return r;
}

void Api::HandleMetricsOnly(const HttpRequest& req, Respond respond) {
  if (req.path != "/metrics" || (req.method != "GET" && req.method != "HEAD"))
    return respond(ErrorResponse(Status::NotFound("this address serves GET /metrics only")));
  respond(MetricsResponse());
}

void Api::Handle(HttpRequest req, Respond respond) {
  const std::string& path = req.path;
  const std::string& m = req.method;
  if (Secure(req)) {
    // HTTPS (here or at a trusted proxy): browsers must never come back over plain HTTP.
    respond = [inner = std::move(respond)](HttpResponse r) {
      r.headers.emplace_back("Strict-Transport-Security", "max-age=31536000");
      inner(std::move(r));
    };
  }
  // Only the routes of http/routes.h are served (the web viewer answers with 404 pages, Ui).
  const bool ui = path == "/ui" || path.rfind("/ui/", 0) == 0 || path.rfind("/embed/", 0) == 0;
  if (!ui && !MatchRoute(m, path))
    return respond(ErrorResponse(Status::NotFound("no route " + m + " " + path)));
  if (path == "/healthz") {
    if (m != "GET" && m != "HEAD")
      return respond(ErrorResponse(Status::NotFound("no route " + m + " " + path)));
    return respond(JsonResponse(200, R"({"status":"ok"})"));
  }
  // The integrity surface is public (SPEC §3): anyone may check the log.
  if (path == "/checkpoint" && m == "GET") return Checkpoint(respond);
  if (path.rfind("/tile/", 0) == 0 && m == "GET") return Tile(path.substr(1), respond);
  // The web viewer authenticates its own way (a form, a session cookie, an embed token).
  if (path == "/ui" || path.rfind("/ui/", 0) == 0 || path.rfind("/embed/", 0) == 0)
    return Ui(req, respond);
  auto who = Authenticate(req);
  if (!who.ok()) {
    s_.metrics->auth_failures++;
    return respond(ErrorResponse(who.status()));
  }
  const Principal& p = *who;
  auto fail = [&](const Status& s) { respond(ErrorResponse(s)); };
  // A scraper's key opens /metrics and nothing else.
  if (!p.is_viewer && p.role == KeyRole::kMetrics && !(path == "/metrics" && m == "GET"))
    return fail(Status::Forbidden("a metrics key may only read /metrics"));

  if (path == "/v1/events") {
    if (m == "POST") {
      if (!CanWrite(p)) return fail(Status::Forbidden("this credential may not record events"));
      return Ingest(req, p, std::move(respond));
    }
    if (m == "GET") return ListEvents(req, p, respond);
    return fail(Status::NotFound("no route " + m + " " + path));
  }
  if (path.rfind("/v1/events/", 0) == 0 && m == "GET") {
    std::string rest = path.substr(std::string_view("/v1/events/").size());
    constexpr std::string_view kProof = "/proof";
    if (rest.size() > kProof.size() &&
        rest.compare(rest.size() - kProof.size(), kProof.size(), kProof) == 0)
      return InclusionProof(rest.substr(0, rest.size() - kProof.size()), req, p, respond);
    return GetEvent(rest, p, respond);
  }
  if (path == "/v1/proof/consistency" && m == "GET") return ConsistencyProof(req, p, respond);
  if (path == "/v1/export" && m == "GET") return Export(req, p, respond);
  if (path == "/v1/stream" && m == "GET") return Stream(req, p, respond);
  if (path == "/v1/types" && m == "GET") return ListTypes(respond);
  if (path.rfind("/v1/admin/", 0) == 0) {
    if (p.is_viewer || p.role != KeyRole::kAdmin)
      return fail(Status::Forbidden("administration needs an admin key"));
    return Admin(req, p, respond);
  }
  if (path == "/readyz" && m == "GET") {
    if (!s_.store->Healthy()) return fail(Status::Unavailable("the store is not accepting writes"));
    return respond(JsonResponse(200, R"({"status":"ready"})"));
  }
  if (path == "/metrics" && m == "GET") {
    if (p.is_viewer || p.role == KeyRole::kWriter)
      return fail(Status::Forbidden("metrics need a metrics, auditor or admin key"));
    return respond(MetricsResponse());
  }
  fail(Status::NotFound("no route " + m + " " + path));
}

void Api::ListTypes(Respond& respond) {
  auto reg = s_.types->Get();
  std::string b = "{\"types\":[";
  bool first = true;
  for (const EventType* t : reg->All()) {
    if (!first) b.push_back(',');
    first = false;
    b += "{\"tag\":";
    AppendJsonString(t->tag, &b);
    b += ",\"subject\":";
    AppendJsonString(t->subject_kind, &b);
    b += ",\"description\":";
    AppendJsonString(t->description.source, &b);
    b += ",\"fields\":{";
    for (size_t i = 0; i < t->fields.size(); ++i) {
      if (i) b.push_back(',');
      AppendJsonString(t->fields[i].name, &b);
      b.push_back(':');
      AppendJsonString(
          std::string(FieldTypeName(t->fields[i].type)) + (t->fields[i].optional ? "?" : ""), &b);
    }
    b += "},\"extra_fields\":";
    b += t->reject_extra_fields ? "\"reject\"" : "\"keep\"";
    b += ",\"visible_to\":";
    AppendStringArray(t->visible_to, &b);
    b += ",\"retention\":";
    AppendJsonString(t->retention_text, &b);
    b += t->builtin ? ",\"builtin\":true}" : ",\"builtin\":false}";
  }
  b += "]}";
  respond(JsonResponse(200, std::move(b)));
}

Status Api::RecordSelfAudit(const std::string& tag, const std::string& subject,
                            const std::string& actor, const boost::json::object& metadata) {
  auto e =
      PrepareEvent(tag, subject, actor, metadata, *s_.types->Get(), *s_.ids, s_.clock->NowMicros());
  if (!e.ok()) return e.status();
  std::vector<PreparedEvent> batch;
  batch.push_back(std::move(e.value()));
  auto r = s_.store->AppendSync(std::move(batch));
  return r.status();
}

}  // namespace trail
