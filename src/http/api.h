// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// Api: the HTTP API of SPEC §3 over the store, keys and types. Routes a request, checks its
// credential and role, and answers through Respond. Handlers run on the server's worker
// threads; ingest answers later, from the store's writer thread, once the events are durable.
// Thread-safe: all state is in the services, which are.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/key_ring.h"
#include "core/clock.h"
#include "core/event_types.h"
#include "core/uuid7.h"
#include "http/message.h"
#include "http/metrics.h"
#include "http/stream_slots.h"
#include "store/retention_policy.h"
#include "store/store.h"
#include "ui/session_store.h"

namespace trail {

struct ApiServices {
  Store* store = nullptr;
  KeyRing* keys = nullptr;
  TypeSet* types = nullptr;
  Uuid7Generator* ids = nullptr;
  Metrics* metrics = nullptr;
  const Clock* clock = nullptr;
  size_t queue_limit = 0;
  // [query]: what one read may examine (Query::budget); set on every query the API runs.
  QueryBudget query_budget;
  std::string viewer_secret;  // HS256 key of viewer tokens (SPEC §6), when viewer_tokens is null
  // The running secret (swapped on SIGHUP) and [auth] policy; null: viewer_secret, default policy.
  std::shared_ptr<ViewerTokenVerifier> viewer_tokens;
  std::optional<Micros> personal_data;  // [retention] personal_data
  std::vector<RetentionEntry>
      retention_rules;  // [retention] tag entries (store/retention_policy.h)
  const std::atomic<bool>* stopping = nullptr;  // set when the server drains: live streams end
  // Re-reads events.toml; returns the number of user types or the parse error.
  std::function<Result<size_t>()> reload_types;
  // [ui] frame_ancestors: the origins that may frame /embed/… (CSP); empty = 'self' only.
  std::vector<std::string> frame_ancestors;
  // [server] max_streams_per_principal: streams and exports one key or viewer may have open.
  size_t max_streams_per_principal = 4;
  // The request arrived over HTTPS although this server speaks plain HTTP to it: always
  // ([ui] secure_cookies), or when a proxy of [server] trusted_proxies (addresses as
  // NormalizeIp writes them) says X-Forwarded-Proto: https. Cookies are then Secure with the
  // __Host-/__Secure- prefixes, and responses carry Strict-Transport-Security.
  bool secure_cookies = false;
  std::vector<std::string> trusted_proxies;
};

// An IP address in one canonical text (IPv4-mapped IPv6 as IPv4); "" when it is not one.
std::string NormalizeIp(std::string_view ip);

struct UiCaller;  // http/api_ui.h

class Api {
 public:
  explicit Api(ApiServices s)
      : s_(std::move(s)),
        sessions_(std::make_shared<ui::SessionStore>(
            ui::SessionStore::kDefaultIdle, ui::SessionStore::kDefaultMaxSessions, nullptr,
            s_.store ? s_.store->SharedSessions() : nullptr)),
        stream_slots_(std::make_shared<StreamSlots>(s_.max_streams_per_principal)) {
    if (!s_.viewer_tokens)
      s_.viewer_tokens =
          std::make_shared<ViewerTokenVerifier>(s_.viewer_secret, ViewerTokenPolicy{});
  }
  void Handle(HttpRequest req, Respond respond);
  // Only GET /metrics, without credentials: the handler of [server] metrics_listen.
  void HandleMetricsOnly(const HttpRequest& req, Respond respond);

  // Whether `who` may still read: its key not revoked, its token not expired nor signed with a
  // replaced secret, its session not signed out. Live streams and exports ask while they run.
  bool StillAuthorized(const Principal& who);

  // The answer to a request whose handler failed unexpectedly (HttpServer's internal_error):
  // an HTML error page under /ui/ and /embed/, else the JSON error of SPEC §3, both with the
  // request id that names the log line.
  HttpResponse InternalError(const HttpRequest& req, const std::string& request_id) const;

  // One retention run (SPEC §7) with the running types' rules, recorded as trail:gc.
  Result<GcResult> RunGc(Micros as_of, bool dry_run, const std::string& actor);

  // Records one of trail's own trail:* events and waits until it is durable.
  Status RecordSelfAudit(const std::string& tag, const std::string& subject,
                         const std::string& actor, const boost::json::object& metadata);

 private:
  Result<Principal> Authenticate(const HttpRequest& req);
  HttpResponse MetricsResponse();
  // The request reached a TLS endpoint: ours, or a trusted proxy's (ApiServices::secure_cookies).
  bool Secure(const HttpRequest& req) const;
  void Ingest(HttpRequest& req, const Principal& who, Respond respond);
  void ListEvents(const HttpRequest& req, const Principal& who, Respond& respond);
  void GetEvent(const std::string& id, const Principal& who, Respond& respond);
  // The event `id` as `who` may read it, or the 403/404 that GET /v1/events/{id} answers;
  // its inclusion proof answers exactly the same (SPEC §5).
  Result<Event> ReadableEvent(const std::string& id, const Principal& who);
  void Export(const HttpRequest& req, const Principal& who, Respond& respond);
  void Stream(const HttpRequest& req, const Principal& who, Respond& respond);
  void ListTypes(Respond& respond);
  void Admin(HttpRequest& req, const Principal& who, Respond& respond);
  void Checkpoint(Respond& respond);
  void Tile(const std::string& path, Respond& respond);
  void InclusionProof(const std::string& id, const HttpRequest& req, const Principal& who,
                      Respond& respond);
  void ConsistencyProof(const HttpRequest& req, const Principal& who, Respond& respond);

  // The web viewer (SPEC §9): routing, sessions and sign-in in api_ui.cc, pages in api_ui_pages.cc.
  void Ui(HttpRequest& req, Respond& respond);
  // A page's caller from the Authorization header or else the session cookie; nullopt: neither.
  Result<std::optional<UiCaller>> UiAuthenticate(const HttpRequest& req, bool embed);
  void UiLogin(const HttpRequest& req, Respond& respond);
  void UiLogout(const HttpRequest& req, Respond& respond);
  void UiEmbed(const HttpRequest& req, Respond& respond);
  // The console (subject null) or one subject's history; the event detail page.
  void UiList(const HttpRequest& req, const UiCaller& caller, const std::string* subject,
              Respond& respond);
  void UiEvent(const std::string& id, const UiCaller& caller, Respond& respond);

  // A session's credential, checked again on every page: "key:<hex SHA-256>" or a viewer token.
  Result<Principal> AuthenticateSession(const std::string& credential);

  // A stream or export slot of `who`, or the 429 that says it has all of its slots.
  Result<std::shared_ptr<void>> StreamSlot(const Principal& who);

  ApiServices s_;
  std::shared_ptr<ui::SessionStore> sessions_;
  std::shared_ptr<StreamSlots> stream_slots_;
};

}  // namespace trail
