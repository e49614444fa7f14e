// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// The web viewer (SPEC §9), part 1: routing under /ui/ and /embed/, static files, sessions,
// sign-in and sign-out, and the embed page's token-for-cookie trade. Pages: api_ui_pages.cc.
//
// Credentials: an Authorization header works on every page (a reverse proxy may add it);
// browsers sign in with a form (POST /ui/login, the key in the body) that opens a server-side
// session (ui/session_store.h) named by the HttpOnly, SameSite=Strict cookie trail_session.
// The embed page takes a viewer token once in its URL, trades it for the cookie trail_embed
// (Path=/embed/) and redirects to the same address without it. Forms that change state check
// that the request comes from this origin, and sign-out also checks the session's CSRF token.
// Over HTTPS (ours, or a trusted proxy's: Api::Secure) the cookies are Secure and prefixed,
// __Host-trail_session (Path=/, no Domain: no sibling host can set or shadow it) and
// __Secure-trail_embed, and only the prefixed names are read.
#include "http/api_ui.h"

#include "auth/visibility.h"
#include "core/codec.h"
#include "core/names.h"
#include "http/api.h"
#include "http/errors.h"
#include "http/read_access.h"
#include "http/routes.h"
#include "ui/assets.h"
#include "ui/theme.h"

namespace trail {
namespace {

std::string Csp(bool embed, const std::vector<std::string>& frame_ancestors) {
  std::string ancestors = "'none'";
  if (embed) {
    ancestors = "'self'";
    for (const auto& a : frame_ancestors) ancestors += " " + a;
  }
  return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
         "connect-src 'self'; "
         "form-action 'self'; frame-ancestors " +
         ancestors + "; base-uri 'none'";
}

// What a page says when a session cannot be read, stored or ended because the store is down.
constexpr std::string_view kStoreUnreachable =
    "trail cannot reach its store just now; try again in a moment.";

HttpResponse Redirect(std::string location) {
  HttpResponse r;
  r.status = 302;
  r.content_type = "text/plain; charset=utf-8";
  r.headers.emplace_back("Location", std::move(location));
  r.headers.emplace_back("Cache-Control", "no-store");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  return r;
}

// The cookie's name: prefixed when it is Secure, so that a browser refuses it from plain HTTP
// or (__Host-) from another host of the domain.
std::string CookieName(bool embed, bool secure) {
  if (!secure) return std::string(embed ? kEmbedCookie : kConsoleCookie);
  return embed ? "__Secure-" + std::string(kEmbedCookie) : "__Host-" + std::string(kConsoleCookie);
}

std::string SessionCookie(std::string_view value, bool embed, bool tls, bool clear = false) {
  std::string c = CookieName(embed, tls) + "=" + std::string(value) +
                  (embed ? "; Path=/embed/" : "; Path=/") + "; HttpOnly";
  // Over TLS the embed cookie must also work inside a host page of another site: a
  // partitioned (CHIPS) cookie; it only ever opens read-only viewer pages.
  if (embed && tls) {
    c += "; Secure; SameSite=None; Partitioned";
  } else {
    c += tls ? "; Secure; SameSite=Strict" : "; SameSite=Strict";
  }
  if (clear) c += "; Max-Age=0";
  return c;
}

// A state-changing form post must come from a page of this server. Browsers send
// Sec-Fetch-Site (which pages cannot forge) and Origin with every POST; a request with
// neither is not a browser's, so it cannot be a forged cross-site one.
bool SameOrigin(const HttpRequest& req) {
  if (!req.sec_fetch_site.empty()) return req.sec_fetch_site == "same-origin";
  if (req.origin.empty()) return true;
  size_t scheme = req.origin.find("://");
  return scheme != std::string::npos && !req.host.empty() &&
         req.origin.compare(scheme + 3, std::string::npos, req.host) == 0;
}

// A `next` address after sign-in: a console path, nothing that could leave this origin.
std::string SafeNext(const std::string& next) {
  if (next.rfind("/ui/", 0) != 0 || next.find("//") != std::string::npos ||
      next.find('\\') != std::string::npos)
    return "/ui/";
  for (char c : next)
    if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e) return "/ui/";
  return next;
}

std::string Param(const std::multimap<std::string, std::string>& params, const std::string& name) {
  auto it = params.find(name);
  return it == params.end() ? std::string() : it->second;
}

}  // namespace

HttpResponse HtmlResponse(int status, std::string body, bool embed,
                          const std::vector<std::string>& frame_ancestors) {
  HttpResponse r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::move(body);
  r.headers.emplace_back("Content-Security-Policy", Csp(embed, frame_ancestors));
  r.headers.emplace_back("Cache-Control", "no-store");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "same-origin");  // no-referrer would also blank Origin
  if (!embed) {
    r.headers.emplace_back("X-Frame-Options", "DENY");
    r.headers.emplace_back("Cross-Origin-Opener-Policy", "same-origin");
  }
  return r;
}

HttpResponse Api::InternalError(const HttpRequest& req, const std::string& request_id) const {
  const bool embed = req.path.rfind("/embed/", 0) == 0;
  if (!embed && req.path != "/ui" && req.path.rfind("/ui/", 0) != 0)
    return InternalErrorResponse(request_id);
  ui::Frame f;
  f.title = "Something went wrong";
  f.embed = embed;
  HttpResponse r = HtmlResponse(
      500,
      ui::RenderErrorPage(f, 500, f.title,
                          "trail could not show this page. The failure is logged under "
                          "request id " +
                              request_id + "; try again, or tell the operator that id."),
      embed, s_.frame_ancestors);
  r.headers.emplace_back("X-Request-Id", request_id);
  return r;
}

ui::Frame FrameFor(const UiCaller& c, std::string title) {
  ui::Frame f;
  f.title = std::move(title);
  f.embed = c.embed;
  f.style = c.style;
  if (!c.embed) {
    f.signed_in = c.who.is_viewer
                      ? c.who.name
                      : "key " + c.who.name + " (" + std::string(KeyRoleName(c.who.role)) + ")";
    f.csrf = c.session.empty() ? "" : c.csrf;
  }
  return f;
}

Result<std::optional<UiCaller>> Api::UiAuthenticate(const HttpRequest& req, bool embed) {
  UiCaller c;
  c.embed = embed;
  if (!req.authorization.empty()) {
    auto who = Authenticate(req);
    if (!who.ok()) return who.status();
    c.who = std::move(who.value());
    return std::optional<UiCaller>(std::move(c));
  }
  const std::string cookie = CookieName(embed, Secure(req));
  std::string_view id = ui::CookieValue(req.cookie, cookie);
  if (id.empty()) return std::optional<UiCaller>();
  auto kind = embed ? ui::SessionKind::kEmbed : ui::SessionKind::kConsole;
  auto found = sessions_->Find(id, kind, s_.clock->NowMicros());
  if (!found.ok()) return found.status();
  if (!found->has_value()) return std::optional<UiCaller>();
  const ui::Session& session = **found;
  // The credential is checked again: a revoked key or an expired token ends the session.
  auto who = AuthenticateSession(session.credential);
  if (!who.ok()) {
    if (who.status().code() != Code::kUnauthenticated) return who.status();
    TRAIL_RETURN_IF_ERROR(sessions_->Remove(id));
    return Status::Unauthenticated(
        "your session has ended: its key was revoked or its token expired");
  }
  c.who = std::move(who.value());
  c.who.session = std::string(id);
  c.who.embed_session = embed;
  c.session = std::string(id);
  c.csrf = session.csrf;
  return std::optional<UiCaller>(std::move(c));
}

Result<Principal> Api::AuthenticateSession(const std::string& credential) {
  constexpr std::string_view kKey = "key:";
  if (credential.rfind(kKey, 0) == 0) {
    auto hash = HexDecode(std::string_view(credential).substr(kKey.size()));
    if (!hash) return Status::Unauthenticated("invalid credential");
    return s_.keys->AuthenticateHash(*hash);
  }
  HttpRequest probe;
  probe.authorization = "Bearer " + credential;
  return Authenticate(probe);
}

void Api::Ui(HttpRequest& req, Respond& respond) {
  const std::string& path = req.path;
  const bool embed = path.rfind("/embed/", 0) == 0;
  auto page_error = [&](int status, std::string_view heading, std::string_view message) {
    ui::Frame f;
    f.title = std::string(heading);
    f.embed = embed;
    HttpResponse r = HtmlResponse(status, ui::RenderErrorPage(f, status, heading, message), embed,
                                  s_.frame_ancestors);
    if (status == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer");
    respond(std::move(r));
  };
  if (path == "/ui") return respond(Redirect("/ui/"));
  // Only the pages of http/routes.h, before any sign-in: no login form for a page that is not.
  if (!MatchRoute(req.method, path))
    return page_error(404, "Not found", "No page " + req.method + " " + path);
  if (path.rfind("/ui/static/", 0) == 0 && req.method == "GET") {
    std::string name = path.substr(std::string_view("/ui/static/").size());
    HttpResponse r;
    if (name == "theme.css") {
      auto params = ParseUrlQuery(req.raw_query);
      r.content_type = "text/css; charset=utf-8";
      r.body = ui::ThemeCss(params ? Param(*params, "style") : "");
    } else if (const ui::StaticAsset* a = ui::FindStaticAsset(name)) {
      r.content_type = std::string(a->content_type);
      r.body = std::string(a->body);
    } else {
      return respond(ErrorResponse(Status::NotFound("no file " + name)));
    }
    r.headers.emplace_back("Cache-Control", "public, max-age=3600");
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    return respond(std::move(r));
  }
  if (path == "/ui/login" && req.method == "POST") return UiLogin(req, respond);
  if (path == "/ui/logout" && req.method == "POST") return UiLogout(req, respond);
  if (req.method != "GET")
    return page_error(404, "Not found", "No page " + req.method + " " + path);
  if (path == "/embed/history") return UiEmbed(req, respond);

  auto caller = UiAuthenticate(req, embed);
  if (!caller.ok() && caller.status().code() == Code::kUnavailable)
    return page_error(503, "Unavailable", kStoreUnreachable);
  if (!caller.ok()) return page_error(401, "Not signed in", caller.status().message());
  if (!caller->has_value()) {
    if (embed)
      return page_error(
          401, "Not signed in",
          "This view needs a sign-in from the application it is embedded in. Reload that page.");
    ui::LoginPage login;
    login.frame.title = "Sign in";
    login.next =
        path == "/ui/" ? "" : SafeNext(req.raw_query.empty() ? path : path + "?" + req.raw_query);
    return respond(HtmlResponse(path == "/ui/" ? 200 : 401, ui::RenderLoginPage(login), false,
                                s_.frame_ancestors));
  }
  UiCaller& c = **caller;
  if (Status s = NeedRead(c.who); !s.ok()) return page_error(403, "Not allowed", s.message());
  if (embed) {
    auto params = ParseUrlQuery(req.raw_query);
    c.style = ui::CanonicalStyle(params ? Param(*params, "style") : "").value_or("");
  }
  if (path == "/ui/") return UiList(req, c, nullptr, respond);
  const std::string_view events = embed ? "/embed/events/" : "/ui/events/";
  if (path.rfind(events, 0) == 0) return UiEvent(path.substr(events.size()), c, respond);
  if (path.rfind("/ui/history/", 0) == 0) {
    bool ok = true;
    std::string subject =
        UrlDecodeComponent(path.substr(std::string_view("/ui/history/").size()), &ok);
    if (!ok || !IsValidSubject(subject))
      return page_error(400, "Not a subject", "Subjects are written kind:id.");
    return UiList(req, c, &subject, respond);
  }
  if (path == "/embed/stream") return Stream(req, c.who, respond);
  page_error(404, "Not found", "No page " + path);
}

void Api::UiLogin(const HttpRequest& req, Respond& respond) {
  ui::LoginPage page;
  page.frame.title = "Sign in";
  auto fail = [&](int status, std::string message) {
    page.error = std::move(message);
    respond(HtmlResponse(status, ui::RenderLoginPage(page), false, s_.frame_ancestors));
  };
  if (!SameOrigin(req)) return fail(403, "Sign in from trail's own sign-in page.");
  auto form = ParseUrlQuery(req.body);
  if (!form) return fail(400, "The form could not be read.");
  page.next = Param(*form, "next").empty() ? "" : SafeNext(Param(*form, "next"));
  const std::string key = Param(*form, "key");
  if (key.empty() || key.size() > kMaxTokenBytes) return fail(400, "Enter an API key.");
  HttpRequest probe;
  probe.authorization = "Bearer " + key;
  auto who = Authenticate(probe);
  if (!who.ok()) {
    s_.metrics->auth_failures++;
    return fail(401, "That key is not valid (or was revoked).");
  }
  if (Status s = NeedRead(*who); !s.ok())
    return fail(403, "This key may not read events; sign in with an auditor or admin key.");
  // The session keeps the key's hash, never its text.
  const std::string credential = "key:" + HexEncode(KeyRing::HashSecret(key));
  auto id =
      sessions_->Create(credential, ui::SessionKind::kConsole, s_.clock->NowMicros(), credential);
  if (!id.ok()) return fail(503, std::string(kStoreUnreachable));
  HttpResponse r = Redirect(page.next.empty() ? "/ui/" : page.next);
  r.status = 303;
  r.headers.emplace_back("Set-Cookie", SessionCookie(*id, false, Secure(req)));
  respond(std::move(r));
}

void Api::UiLogout(const HttpRequest& req, Respond& respond) {
  const std::string cookie = CookieName(false, Secure(req));
  std::string_view id = ui::CookieValue(req.cookie, cookie);
  auto unavailable = [&] {
    ui::Frame f;
    f.title = "Not signed out";
    respond(HtmlResponse(503, ui::RenderErrorPage(f, 503, f.title, kStoreUnreachable), false,
                         s_.frame_ancestors));
  };
  auto found = sessions_->Find(id, ui::SessionKind::kConsole, s_.clock->NowMicros());
  if (!found.ok()) return unavailable();
  const std::optional<ui::Session>& session = *found;
  auto form = ParseUrlQuery(req.body);
  const std::string csrf = form ? Param(*form, "csrf") : "";
  if (session && (!SameOrigin(req) || !ConstantTimeEqual(csrf, session->csrf))) {
    ui::Frame f;
    f.title = "Not signed out";
    return respond(
        HtmlResponse(403, ui::RenderErrorPage(f, 403, f.title, "Sign out from trail's own pages."),
                     false, s_.frame_ancestors));
  }
  // The session must end where it is kept, not only in this browser: else, 503 and try again.
  if (session && !sessions_->Remove(id).ok()) return unavailable();
  HttpResponse r = Redirect("/ui/");
  r.status = 303;
  r.headers.emplace_back("Set-Cookie", SessionCookie("", false, Secure(req), true));
  respond(std::move(r));
}

// GET /embed/history?subject=<kind:id>&token=<viewer JWT>: with a token, check it and the
// viewer's standing on the subject, open an embed session and redirect to the same address
// without the token (it must not stay in the address bar, history or logs); without one, the
// session cookie says who asks.
void Api::UiEmbed(const HttpRequest& req, Respond& respond) {
  auto error = [&](int status, std::string_view heading, std::string_view message) {
    ui::Frame f;
    f.title = std::string(heading);
    f.embed = true;
    respond(HtmlResponse(status, ui::RenderErrorPage(f, status, heading, message), true,
                         s_.frame_ancestors));
  };
  auto params = ParseUrlQuery(req.raw_query);
  if (!params) return error(400, "Bad address", "The address's query string is not valid.");
  const std::string token = Param(*params, "token");
  if (!token.empty()) {
    HttpRequest probe;
    probe.authorization = "Bearer " + token;
    auto who = LooksLikeJwt(token)
                   ? Authenticate(probe)
                   : Result<Principal>(Status::Unauthenticated("not a viewer token"));
    if (!who.ok() || !who->is_viewer)
      return error(
          401, "Sign-in expired",
          "This view's sign-in has expired or is not valid. Reload the page in the application "
          "that shows it to get a fresh one.");
    std::string subject = Param(*params, "subject");
    if (subject.empty()) subject = "user:" + who->name;
    if (!IsValidSubject(subject))
      return error(400, "Not a subject", "subject: write kind:id, e.g. project:requests.");
    if (!HasStanding(*who->viewer, subject))
      return error(403, "Not allowed",
                   "You hold no role on " + subject + ", so its history is not shown.");
    // Each reload of the host's page trades a token: at most kMaxPerOwner sessions per viewer.
    auto id = sessions_->Create(token, ui::SessionKind::kEmbed, s_.clock->NowMicros(),
                                "viewer:" + who->name);
    if (!id.ok()) return error(503, "Unavailable", kStoreUnreachable);
    ui::Params rest;
    for (const auto& [k, v] : *params)
      if (k != "token") rest.emplace_back(k, v);
    HttpResponse r = Redirect(ui::Href("/embed/history", rest));
    r.headers.emplace_back("Set-Cookie", SessionCookie(*id, true, Secure(req)));
    return respond(std::move(r));
  }
  auto caller = UiAuthenticate(req, true);
  if (!caller.ok())
    return error(
        401, "Sign-in expired",
        "This view's sign-in has expired. Reload the page in the application that shows it.");
  if (!caller->has_value())
    return error(401, "Not signed in",
                 "This view needs a sign-in from the application it is embedded in.");
  UiCaller& c = **caller;
  if (Status s = NeedRead(c.who); !s.ok()) return error(403, "Not allowed", s.message());
  c.style = ui::CanonicalStyle(Param(*params, "style")).value_or("");
  std::string subject = Param(*params, "subject");
  if (subject.empty()) subject = c.who.is_viewer ? "user:" + c.who.name : "";
  if (!IsValidSubject(subject))
    return error(400, "Not a subject", "subject: write kind:id, e.g. project:requests.");
  UiList(req, c, &subject, respond);
}

}  // namespace trail
