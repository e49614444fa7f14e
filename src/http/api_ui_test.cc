// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// The web viewer's HTTP contract, without a browser: cookies and their attributes, the CSRF
// checks, the embed page's token-for-cookie trade, which routes a session cookie opens, and the
// security headers. (tests/browser drives the same pages in chromium.)
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <boost/json.hpp>

#include "auth/viewer_token.h"
#include "core/uuid7.h"
#include "http/api.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/temp_dir.h"
#include "testing/test_types.h"

namespace trail {
namespace {

std::string Header(const HttpResponse& r, std::string_view name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "";
}

class ApiUiTest : public ::testing::Test {
 protected:
  ApiUiTest() : ids_(clock_), types_(test::Types()) {
    SqliteOptions o;
    o.path = dir_.File("trail.db");
    store_ = SqliteStore::Open(o).value();
    store_->SetTypes(&types_);
    keys_ = std::make_unique<KeyRing>(&store_->Keys(), &clock_);
    EXPECT_TRUE(keys_->Load().ok());
    admin_ = keys_->Create(KeyRole::kAdmin, "admin").value().secret;
    writer_ = keys_->Create(KeyRole::kWriter, "w").value().secret;
    ApiServices s;
    s.store = store_.get();
    s.keys = keys_.get();
    s.types = &types_;
    s.ids = &ids_;
    s.metrics = &metrics_;
    s.clock = &clock_;
    s.viewer_secret = "viewer-secret";
    s.frame_ancestors = {"https://host.example"};
    api_ = std::make_unique<Api>(s);
    boost::json::object e{
        {"tag", "project:role:add"},
        {"subject", "project:p1"},
        {"actor", "alice"},
        {"metadata", boost::json::object{{"target_user", "<b>bob</b>"}, {"role_name", "Owner"}}}};
    std::vector<PreparedEvent> batch{PrepareEvent(e, *types_.Get(), ids_).value()};
    EXPECT_TRUE(store_->AppendSync(std::move(batch)).ok());
  }

  HttpResponse Call(HttpRequest req) {
    HttpResponse out;
    api_->Handle(std::move(req), [&](HttpResponse r) { out = std::move(r); });
    return out;
  }
  HttpRequest Get(std::string path, std::string query = "") {
    HttpRequest r;
    r.method = "GET";
    r.path = std::move(path);
    r.raw_query = std::move(query);
    r.host = "trail.example";
    return r;
  }
  HttpResponse Login(const std::string& key, const std::string& origin = "",
                     const std::string& site = "") {
    HttpRequest r = Get("/ui/login");
    r.method = "POST";
    r.body = "key=" + key;
    r.origin = origin;
    r.sec_fetch_site = site;
    return Call(r);
  }
  std::string Token(const std::string& sub, Micros exp_in) {
    ViewerClaims c;
    c.sub = sub;
    c.exp = clock_.NowMicros() + exp_in;
    c.roles["project:p1"] = {"owner"};
    return MintViewerToken(c, "viewer-secret");
  }

  test::TempDir dir_{"trail-ui"};  // first: everything below closes before it goes
  SystemClock clock_;
  Uuid7Generator ids_;
  TypeSet types_;
  Metrics metrics_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<KeyRing> keys_;
  std::unique_ptr<Api> api_;
  std::string admin_, writer_;
};

TEST_F(ApiUiTest, PagesCarryAStrictContentSecurityPolicy) {
  HttpRequest r = Get("/ui/");
  r.authorization = "Bearer " + admin_;
  HttpResponse page = Call(r);
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(Header(page, "Content-Security-Policy"),
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
  EXPECT_EQ(Header(page, "X-Frame-Options"), "DENY");
  EXPECT_NE(page.body.find("&lt;b&gt;bob&lt;/b&gt;"), std::string::npos);
  EXPECT_EQ(page.body.find("<b>bob"), std::string::npos);
}

TEST_F(ApiUiTest, SignInSetsAnHttpOnlyStrictCookieSecureOverTls) {
  HttpResponse r = Login(admin_, "http://trail.example", "same-origin");
  ASSERT_EQ(r.status, 303) << r.body;
  EXPECT_EQ(Header(r, "Location"), "/ui/");
  std::string cookie = Header(r, "Set-Cookie");
  EXPECT_EQ(cookie.rfind("trail_session=", 0), 0u);
  EXPECT_NE(cookie.find("; Path=/; HttpOnly; SameSite=Strict"), std::string::npos);
  EXPECT_EQ(cookie.find(admin_), std::string::npos);
  EXPECT_EQ(cookie.find("Secure"), std::string::npos);
  HttpRequest tls = Get("/ui/login");
  tls.method = "POST";
  tls.body = "key=" + admin_;
  tls.tls = true;
  EXPECT_NE(Header(Call(tls), "Set-Cookie").find("; Secure; SameSite=Strict"), std::string::npos);
}

TEST_F(ApiUiTest, SignInRefusesCrossSitePostsBadKeysAndWriters) {
  EXPECT_EQ(Login(admin_, "https://evil.example").status, 403);
  EXPECT_EQ(Login(admin_, "http://trail.example", "cross-site").status, 403);
  EXPECT_EQ(Login(admin_, "null").status, 403);
  EXPECT_EQ(Login("nope", "http://trail.example").status, 401);
  EXPECT_EQ(Login(writer_, "http://trail.example").status, 403);
  EXPECT_EQ(Login(admin_).status, 303);  // no Origin, no Sec-Fetch-Site: not a browser
}

TEST_F(ApiUiTest, TheSessionCookieOpensPagesTheLiveTailAndExportOnly) {
  std::string cookie = Header(Login(admin_), "Set-Cookie");
  std::string pair = cookie.substr(0, cookie.find(';'));
  HttpRequest page = Get("/ui/");
  page.cookie = "other=1; " + pair;
  HttpResponse r = Call(page);
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("table class=\"events\""), std::string::npos);
  HttpRequest json = Get("/v1/events");
  json.cookie = pair;
  EXPECT_EQ(Call(json).status, 401);
  HttpRequest exp = Get("/v1/export", "format=csv");
  exp.cookie = pair;
  HttpResponse e = Call(exp);
  EXPECT_EQ(e.status, 200);
  EXPECT_TRUE(static_cast<bool>(e.stream));
}

TEST_F(ApiUiTest, SignOutNeedsTheCsrfTokenThenEndsTheSession) {
  std::string cookie = Header(Login(admin_), "Set-Cookie");
  std::string pair = cookie.substr(0, cookie.find(';'));
  HttpRequest page = Get("/ui/");
  page.cookie = pair;
  std::string body = Call(page).body;
  size_t at = body.find("name=\"csrf\" value=\"");
  ASSERT_NE(at, std::string::npos);
  at += std::string_view("name=\"csrf\" value=\"").size();
  std::string csrf = body.substr(at, body.find('"', at) - at);
  HttpRequest out = Get("/ui/logout");
  out.method = "POST";
  out.cookie = pair;
  out.body = "csrf=wrong";
  EXPECT_EQ(Call(out).status, 403);
  out.body = "csrf=" + csrf;
  HttpResponse done = Call(out);
  EXPECT_EQ(done.status, 303);
  EXPECT_NE(Header(done, "Set-Cookie").find("Max-Age=0"), std::string::npos);
  HttpResponse after = Call(page);
  EXPECT_NE(after.body.find("form class=\"login\""), std::string::npos);
}

TEST_F(ApiUiTest, EmbedTradesTheTokenForACookieAndDropsIt) {
  HttpResponse r = Call(Get("/embed/history", "subject=project:p1&style=accent:0a66c2&token=" +
                                                  Token("alice", 600'000'000)));
  ASSERT_EQ(r.status, 302) << r.body;
  EXPECT_EQ(Header(r, "Location"), "/embed/history?style=accent:0a66c2&subject=project:p1");
  std::string cookie = Header(r, "Set-Cookie");
  EXPECT_NE(cookie.find("trail_embed="), std::string::npos);
  EXPECT_NE(cookie.find("; Path=/embed/; HttpOnly; SameSite=Strict"), std::string::npos);
  HttpRequest page = Get("/embed/history", "subject=project:p1&style=accent:0a66c2");
  page.cookie = cookie.substr(0, cookie.find(';'));
  HttpResponse embed = Call(page);
  ASSERT_EQ(embed.status, 200);
  EXPECT_NE(
      Header(embed, "Content-Security-Policy").find("frame-ancestors 'self' https://host.example;"),
      std::string::npos);
  EXPECT_EQ(Header(embed, "X-Frame-Options"), "");
  EXPECT_NE(embed.body.find("alice added &lt;b&gt;bob&lt;/b&gt;"), std::string::npos);
  EXPECT_NE(embed.body.find("/ui/static/theme.css?style=accent:0a66c2"), std::string::npos);
  // The embed cookie is no console session.
  HttpRequest console = Get("/ui/");
  console.cookie = page.cookie;
  EXPECT_EQ(Call(console).body.find("table class=\"events\""), std::string::npos);
  // Over TLS it must also work inside another site's page.
  HttpRequest tls =
      Get("/embed/history", "subject=project:p1&token=" + Token("alice", 600'000'000));
  tls.tls = true;
  EXPECT_NE(Header(Call(tls), "Set-Cookie").find("; Secure; SameSite=None; Partitioned"),
            std::string::npos);
}

TEST_F(ApiUiTest, EmbedRefusesExpiredForgedAndStrangers) {
  HttpResponse expired =
      Call(Get("/embed/history", "subject=project:p1&token=" + Token("alice", -600'000'000)));
  EXPECT_EQ(expired.status, 401);
  EXPECT_EQ(expired.body.find("bob"), std::string::npos);
  HttpResponse forged =
      Call(Get("/embed/history", "subject=project:p1&token=" + Token("alice", 600'000'000) + "x"));
  EXPECT_EQ(forged.status, 401);
  HttpResponse key = Call(Get("/embed/history", "subject=project:p1&token=" + admin_));
  EXPECT_EQ(key.status, 401);  // API keys never travel in URLs
  HttpResponse stranger =
      Call(Get("/embed/history", "subject=project:p2&token=" + Token("alice", 600'000'000)));
  EXPECT_EQ(stranger.status, 403);
  EXPECT_EQ(Header(stranger, "Set-Cookie"), "");
  EXPECT_EQ(Call(Get("/embed/history", "subject=project:p1")).status, 401);
}

TEST_F(ApiUiTest, StaticFilesAndTheThemeStylesheet) {
  HttpResponse js = Call(Get("/ui/static/live.js"));
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(js.body.find("innerHTML"), std::string::npos);
  HttpResponse css = Call(Get("/ui/static/theme.css", "style=bg:fff,font:mono"));
  EXPECT_EQ(css.status, 200);
  EXPECT_NE(css.body.find("--trail-bg:#fff;"), std::string::npos);
  EXPECT_EQ(Call(Get("/ui/static/nope.js")).status, 404);
}

// SPEC §5: the event page recomputes the leaf hash from what is stored, at every age, and
// says what it covered; a changed byte of the stored event shows as a mismatch.
TEST_F(ApiUiTest, EventPageVerifiesWholeScrubbedAndAlteredEvents) {
  boost::json::object in{
      {"tag", "project:role:add"},
      {"subject", "project:p1"},
      {"actor", "carol"},
      {"ip", "203.0.113.9"},
      {"location", boost::json::object{{"country", "NZ"}, {"city", "Wellington"}}},
      {"metadata", boost::json::object{{"target_user", "dave"}, {"role_name", "Owner"}}}};
  auto acks = store_->AppendSync({PrepareEvent(in, *types_.Get(), ids_).value()});
  ASSERT_TRUE(acks.ok());
  const std::string id = (*acks)[0].id;
  auto page = [&] {
    HttpRequest r = Get("/ui/events/" + id);
    r.authorization = "Bearer " + admin_;
    return Call(r);
  };
  HttpResponse whole = page();
  ASSERT_EQ(whole.status, 200);
  EXPECT_NE(whole.body.find("Wellington, NZ"), std::string::npos);
  EXPECT_NE(
      whole.body.find(">verified</span>: every field shown, ip, user agent and location included"),
      std::string::npos)
      << whole.body;

  GcRequest gc;
  gc.as_of = clock_.NowMicros() + 1'000'000;
  gc.personal_data = 1;
  ASSERT_TRUE(store_->CollectGarbage(gc).ok());
  HttpResponse scrubbed = page();
  ASSERT_EQ(scrubbed.status, 200);
  EXPECT_EQ(scrubbed.body.find("203.0.113.9"), std::string::npos);
  EXPECT_EQ(scrubbed.body.find("Wellington"), std::string::npos);
  EXPECT_NE(
      scrubbed.body.find(">verified</span>: every field shown and the kept personal-data hash"),
      std::string::npos)
      << scrubbed.body;

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.File("trail.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         ("UPDATE events SET metadata = "
                          "'{\"role_name\":\"Owner\",\"target_user\":\"mallory\"}' WHERE id = '" +
                          id + "'")
                             .c_str(),
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  HttpResponse altered = page();
  ASSERT_EQ(altered.status, 200);
  EXPECT_NE(altered.body.find("does not match the leaf hash"), std::string::npos) << altered.body;
}

}  // namespace
}  // namespace trail
