// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// The pages escape every piece of event data (it is attacker-controlled) and render what the
// view structs say, without JavaScript.
#include "ui/pages.h"

#include <gtest/gtest.h>

#include "ui/chart.h"

namespace trail::ui {
namespace {

constexpr std::string_view kXss = "<img src=x onerror=\"alert(1)\"><script>alert(2)</script>";
constexpr Micros kDay = 86400LL * 1000000;
constexpr Micros kStart = 1'767'225'600'000'000;  // 2026-01-01T00:00:00Z

Event Hostile() {
  Event e;
  e.seq = 7;
  e.id = "0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b";
  e.recorded_at = e.occurred_at = kStart;
  e.tag = "project:role:add";
  e.subject = "project:" + std::string(kXss);
  e.actor = std::string(kXss);
  e.ip = "203.0.113.7";
  e.user_agent = std::string(kXss);
  e.metadata_json = R"({"target_user":"<img src=x onerror=\"alert(1)\">","n":1})";
  e.description = "alice added " + std::string(kXss) + " as Owner";
  e.leaf_hash = std::string(32, '\x01');
  return e;
}

void ExpectInert(const std::string& html) {
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_EQ(html.find("onerror=\""), std::string::npos);
  EXPECT_EQ(html.find("alert(2)</script>"), std::string::npos);
}

TEST(Pages, ListPageEscapesEventDataAndFilterValues) {
  Event e = Hostile();
  ListPage p;
  p.frame.title = std::string(kXss);
  p.heading = "History of " + *e.subject;
  p.q = std::string(kXss);
  p.actor = "\"><script>alert(3)</script>";
  p.form_action = "/ui/";
  p.rows.push_back({&e, false});
  p.table.event_href = "/ui/events/";
  p.table.subject_href = "/ui/history/";
  p.table.actor_href = "/ui/?actor=";
  p.next_href = "/ui/?q=" + UrlEncode(std::string(kXss)) + "&cursor=abc";
  p.live_stream = "/v1/stream?q=x";
  std::string html = RenderListPage(p);
  ExpectInert(html);
  EXPECT_NE(html.find("alice added &lt;img src=x onerror=&quot;alert(1)&quot;&gt;"),
            std::string::npos);
  EXPECT_NE(html.find("<td class=\"ip\">203.0.113.7</td>"), std::string::npos);
  EXPECT_NE(html.find("href=\"/ui/events/0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b\""),
            std::string::npos);
  EXPECT_NE(html.find("href=\"/ui/history/project:%3Cimg"), std::string::npos);
  EXPECT_NE(html.find("rel=\"next\""), std::string::npos);
  EXPECT_NE(html.find("data-live-stream=\"/v1/stream?q=x\""), std::string::npos);
  EXPECT_NE(html.find("<script src=\"/ui/static/live.js\" defer></script>"), std::string::npos);
  EXPECT_EQ(html.find("style="), std::string::npos);  // CSP forbids inline styles
}

TEST(Pages, RedactedRowsHideTheIp) {
  Event e = Hostile();
  TableSpec spec;
  std::string html = RenderEventsTable({{&e, true}}, spec);
  EXPECT_EQ(html.find("203.0.113.7"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"ip\">redacted</td>"), std::string::npos);
}

TEST(Pages, AFilterErrorShowsNoEvents) {
  Event e = Hostile();
  ListPage p;
  p.error = "q: bad";
  p.rows.push_back({&e, false});
  std::string html = RenderListPage(p);
  EXPECT_NE(html.find("q: bad"), std::string::npos);
  EXPECT_EQ(html.find("alice added"), std::string::npos);
}

TEST(Pages, EventPageEscapesMetadataAndShowsTheProof) {
  Event e = Hostile();
  EventPage p;
  p.event = &e;
  p.redact_network = true;
  p.leaf_matches = true;
  p.proof = EventPage::Proof::kVerified;
  p.tree_size = 8;
  p.root_b64 = "cm9vdA==";
  p.proof_b64 = {"AQ==", "Ag=="};
  p.checkpoint_note = "trail.local/log\n8\n<b>\n";
  std::string html = RenderEventPage(p);
  ExpectInert(html);
  EXPECT_NE(html.find("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"), std::string::npos);
  EXPECT_EQ(html.find("203.0.113.7"), std::string::npos);
  EXPECT_NE(html.find(">verified<"), std::string::npos);
  EXPECT_NE(html.find("tree size 8"), std::string::npos);
  EXPECT_NE(html.find("&lt;b&gt;"), std::string::npos);
}

TEST(Pages, LoginFormPostsTheKeyInTheBody) {
  LoginPage p;
  p.next = "/ui/?q=\"><x";
  std::string html = RenderLoginPage(p);
  EXPECT_NE(html.find("<form class=\"login\" method=\"post\" action=\"/ui/login\">"),
            std::string::npos);
  EXPECT_NE(html.find("type=\"password\""), std::string::npos);
  EXPECT_NE(html.find("value=\"/ui/?q=&quot;&gt;&lt;x\""), std::string::npos);
}

TEST(Pages, SignOutFormCarriesTheCsrfToken) {
  Frame f;
  f.signed_in = "key ci (admin)";
  f.csrf = "tok\"en";
  std::string html = RenderFrame(f, "");
  EXPECT_NE(html.find("action=\"/ui/logout\""), std::string::npos);
  EXPECT_NE(html.find("name=\"csrf\" value=\"tok&quot;en\""), std::string::npos);
  f.embed = true;
  f.style = "accent:0a66c2";
  html = RenderFrame(f, "");
  EXPECT_EQ(html.find("/ui/logout"), std::string::npos);
  EXPECT_NE(html.find("<html lang=\"en\" class=\"themed\">"), std::string::npos);
  EXPECT_NE(html.find("href=\"/ui/static/theme.css?style=accent:0a66c2\""), std::string::npos);
}

TEST(Chart, StackedBarsPerBucketWithALegend) {
  std::vector<HistogramBucket> counts{{kStart, "account:", 3},
                                      {kStart, "project:", 1},
                                      {kStart + 2 * kDay, "project:", 4},
                                      {kStart + 9 * kDay, "project:", 9}};  // outside: ignored
  std::string svg = RenderChart(counts, {kStart, kDay, 3, "Events per day"});
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_NE(svg.find("role=\"img\""), std::string::npos);
  EXPECT_NE(svg.find("8 events from 2026-01-01 to 2026-01-04"), std::string::npos);
  EXPECT_NE(svg.find("<title>2026-01-03 · project:* 4</title>"), std::string::npos);
  // project: (5) is the larger series: colour 0; account: colour 1.
  EXPECT_NE(svg.find("class=\"swatch s0\" aria-hidden=\"true\"></span>project:* 5"),
            std::string::npos);
  EXPECT_NE(svg.find("class=\"swatch s1\" aria-hidden=\"true\"></span>account:* 3"),
            std::string::npos);
  EXPECT_EQ(svg.find("style="), std::string::npos);
}

TEST(Chart, SaysWhenTheStoreCountedOnlyTheNewestBuckets) {
  std::string svg =
      RenderChart({{kStart + kDay, "", 0}, {kStart + kDay, "project:", 2}}, {kStart, kDay, 3, "c"});
  EXPECT_NE(svg.find("Counted from 2026-01-02 on only"), std::string::npos);
  EXPECT_NE(svg.find("2 events"), std::string::npos);
  EXPECT_EQ(RenderChart({{kStart, "project:", 2}}, {kStart, kDay, 3, "c"}).find("Counted"),
            std::string::npos);
}

// Regression test: a spec with ~2^64 buckets (from an inverted time window) threw
// std::length_error; the renderer now bounds any spec it is given.
TEST(Chart, AbsurdSpecsRenderBounded) {
  for (ChartSpec spec :
       {ChartSpec{kStart, kDay, static_cast<size_t>(-3), "c"}, ChartSpec{kStart, 0, 5, "c"},
        ChartSpec{kStart, -kDay, 5, "c"}, ChartSpec{INT64_MAX - kDay, kDay, 100, "c"},
        ChartSpec{kStart, INT64_MAX, 3, "c"}}) {
    std::string svg = RenderChart({{kStart, "project:", 2}}, spec);
    EXPECT_NE(svg.find("<svg"), std::string::npos);
    EXPECT_LT(svg.size(), 1u << 20);
  }
}

TEST(Chart, EscapesPrefixes) {
  std::string svg = RenderChart({{kStart, "<b>:", 1}}, {kStart, kDay, 1, "c"});
  EXPECT_EQ(svg.find("<b>"), std::string::npos);
}

}  // namespace
}  // namespace trail::ui
