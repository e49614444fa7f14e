// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// The web viewer (SPEC §9), part 2: the pages. The console and a subject's history (also
// embedded) are one list page over the same query path as GET /v1/events — ScopeFor decides
// what a viewer sees and Redacts hides others' ip and user agent — with a chart from
// Store::CountByTime. The event detail checks the event's inclusion proof on the server.
#include <chrono>
#include <set>

#include "auth/visibility.h"
#include "core/codec.h"
#include "core/names.h"
#include "core/time_format.h"
#include "core/uuid7.h"
#include "http/api.h"
#include "http/api_ui.h"
#include "http/errors.h"
#include "http/read_access.h"
#include "http/ui_params.h"
#include "store/histogram.h"
#include "tlog/tree.h"
#include "ui/chart.h"

namespace trail {
namespace {

constexpr Micros kHour = 3600LL * 1000000;
constexpr Micros kDay = 24 * kHour;

// Tag filter choices: every tag prefix ("project:*"), then (console) every tag.
std::vector<ui::Option> TagOptions(const TypeRegistry& types, std::string_view subject_kind) {
  std::set<std::string> prefixes, tags;
  for (const EventType* t : types.All()) {
    if (!subject_kind.empty() && t->subject_kind != subject_kind) continue;
    prefixes.insert(std::string(TagPrefixOf(t->tag)));
    tags.insert(t->tag);
  }
  std::vector<ui::Option> out;
  for (const auto& p : prefixes)
    out.push_back({p + "*", p + "* (all " + p.substr(0, p.size() - 1) + " events)"});
  if (subject_kind.empty()) {
    for (const auto& t : tags) out.push_back({t, t});
  }
  return out;
}

// What a history page says about whose view it is.
std::string Intro(const Principal& who, const std::string& subject) {
  if (who.ReadsAll()) return "Every event of " + subject + ".";
  std::string roles;
  if (auto it = who.viewer->roles.find(subject); it != who.viewer->roles.end()) {
    for (const auto& r : it->second) roles += (roles.empty() ? "" : ", ") + r;
  }
  std::string whose =
      subject == "user:" + who.viewer->sub ? "your own account" : "your role (" + roles + ")";
  return "The events of " + subject + " that " + whose +
         " lets you see. IP addresses and user agents show only on events you did.";
}

double MillisSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

void Api::UiList(const HttpRequest& req, const UiCaller& c, const std::string* subject,
                 Respond& respond) {
  const auto t0 = std::chrono::steady_clock::now();
  auto types = s_.types->Get();
  const bool history = subject != nullptr;
  ui::ListPage page;
  page.console = !history;
  page.heading = history ? "History of " + *subject : "Audit log";
  page.frame = FrameFor(c, history ? "History of " + *subject : "Audit log");
  UiListParams parsed = ParseUiListParams(req.raw_query, subject);
  page.q = parsed.q;
  page.subject = parsed.subject;
  page.actor = parsed.actor;
  page.ip = parsed.ip;
  page.tag = parsed.tag;
  page.since = parsed.since;
  page.until = parsed.until;
  page.chart = parsed.chart;
  const std::string base = c.embed   ? "/embed/history"
                           : history ? "/ui/history/" + ui::UrlEncode(*subject, true)
                                     : "/ui/";
  page.form_action = base;
  ui::Params keep;  // what every link and the form carry along on embed pages
  if (c.embed) {
    keep.emplace_back("subject", *subject);
    if (!c.style.empty()) keep.emplace_back("style", c.style);
    page.hidden = keep;
  }
  page.tag_options = TagOptions(*types, history ? SubjectKind(*subject) : "");

  // The filter twice: as typed (for the page's own links) and as the API takes it (export, stream).
  ui::Params typed = keep;
  typed.insert(typed.end(), parsed.typed.begin(), parsed.typed.end());
  const ui::Params& api = parsed.api;
  const std::string& cursor = parsed.cursor;
  Result<Query>& q = parsed.query;

  auto send = [&](int status) {
    HttpResponse r = HtmlResponse(status, ui::RenderListPage(page), c.embed, s_.frame_ancestors);
    r.headers.emplace_back("Server-Timing", "total;dur=" + std::to_string(MillisSince(t0)));
    respond(std::move(r));
  };
  if (!q.ok()) {
    page.error = q.status().message();
    return send(400);
  }
  std::optional<AccessFilter> scope;
  if (Status s = ScopeFor(c.who, &*q, types, &scope); !s.ok()) {
    page.error = s.message();
    return send(HttpStatusOf(s.code()));
  }
  const AccessFilter* access = scope ? &*scope : nullptr;
  q->budget = s_.query_budget;
  auto events = s_.store->Query(*q, access);
  if (!events.ok()) {
    page.error = "The events could not be read: " + events.status().message();
    return send(HttpStatusOf(events.status().code()));
  }
  for (const Event& e : events->events) page.rows.push_back({&e, Redacts(c.who, e)});
  page.partial = events->partial;
  page.searched = events->rows_examined;
  if (history) page.intro = Intro(c.who, *subject);

  // The chart covers the filter's time window, up to a bound of buckets, ending at its
  // `until` (or now); without `since`, the newest 48 hours, 60 days or 52 weeks.
  const auto t_chart = std::chrono::steady_clock::now();
  struct Granularity {
    const char* name;
    Micros bucket;
    size_t fallback, most;
  };
  static constexpr Granularity kGranularities[] = {
      {"hour", kHour, 48, 24 * 14}, {"day", kDay, 60, 366}, {"week", 7 * kDay, 52, 260}};
  const Granularity* g = &kGranularities[1];
  for (const auto& each : kGranularities)
    if (page.chart == each.name) g = &each;
  // An inverted or future window (since=2099-01-01) has no buckets: an empty chart, no count.
  const ChartWindow w =
      ChartWindowOf(q->since, q->until, s_.clock->NowMicros(), g->bucket, g->fallback, g->most);
  const Micros start = w.start;
  const size_t buckets = w.buckets;
  Query chart_query = *q;
  if (!chart_query.since || *chart_query.since < start) chart_query.since = start;
  auto counts = buckets == 0 ? Result<std::vector<HistogramBucket>>(std::vector<HistogramBucket>{})
                             : s_.store->CountByTime(chart_query, access, g->bucket, buckets);
  const double chart_ms = MillisSince(t_chart);
  if (counts.ok()) {
    page.chart_html =
        ui::RenderChart(*counts, {start, g->bucket, buckets,
                                  std::string("Events per ") + g->name + " (UTC), by tag prefix"});
  } else {
    page.chart_html = "<p class=\"error\">The chart could not be counted: " +
                      ui::HtmlEscape(counts.status().message()) + "</p>";
  }

  if (!c.embed) {
    for (const char* format : {"csv", "ndjson"}) {
      ui::Params p = api;
      p.emplace_back("format", format);
      page.exports.emplace_back(std::string("Export ") + (format[0] == 'c' ? "CSV" : "NDJSON"),
                                ui::Href("/v1/export", p));
    }
  }
  if (cursor.empty()) page.live_stream = ui::Href(c.embed ? "/embed/stream" : "/v1/stream", api);
  if (!cursor.empty()) page.newest_href = ui::Href(base, typed);
  if (events->next_after) {
    ui::Params next = typed;
    next.emplace_back("cursor", EncodeCursor(*events->next_after, false));
    page.next_href = ui::Href(base, next);
  }
  page.table.subject_column = !history;
  if (c.embed) {
    page.table.event_href = "/embed/events/";
    page.table.event_suffix = keep.empty() ? "" : "?" + ui::QueryString(keep);
  } else {
    page.table.event_href = "/ui/events/";
    if (!history) page.table.subject_href = "/ui/history/";
    if (c.who.ReadsAll()) page.table.actor_href = "/ui/?actor=";
  }
  HttpResponse r = HtmlResponse(200, ui::RenderListPage(page), c.embed, s_.frame_ancestors);
  r.headers.emplace_back("Server-Timing", "chart;dur=" + std::to_string(chart_ms) +
                                              ", total;dur=" + std::to_string(MillisSince(t0)));
  respond(std::move(r));
}

void Api::UiEvent(const std::string& id, const UiCaller& c, Respond& respond) {
  auto error = [&](int status, const std::string& heading, const std::string& message) {
    ui::Frame f = FrameFor(c, heading);
    respond(HtmlResponse(status, ui::RenderErrorPage(f, status, heading, message), c.embed,
                         s_.frame_ancestors));
  };
  if (!IsUuid(id)) return error(404, "No such event", "There is no event " + id + ".");
  std::string lower = id;
  for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  auto found = s_.store->Get(lower);
  if (!found.ok())
    return error(HttpStatusOf(found.status().code()), "Not available", found.status().message());
  // An event a viewer may not see does not exist for that viewer.
  if (!found->has_value() || !MaySeeEvent(c.who, *s_.types->Get(), **found))
    return error(404, "No such event", "There is no event " + id + ".");
  const Event& e = **found;
  ui::EventPage page;
  page.frame = FrameFor(c, e.tag);
  page.event = &e;
  page.redact_network = Redacts(c.who, e);
  std::string problem;
  page.leaf_matches = RecomputeLeafHash(e, &problem) == e.leaf_hash && problem.empty();

  auto cp = s_.store->LatestCheckpoint();
  if (!cp) {
    page.proof_message = "no checkpoint has been signed yet.";
  } else if (!e.has_seq || e.seq >= cp->size) {
    page.proof = ui::EventPage::Proof::kNotYet;
    page.proof_message = "the event is newer than the latest signed checkpoint (tree size " +
                         std::to_string(cp->size) + "); reload in a moment.";
  } else if (auto tiles = s_.store->Tiles(); !tiles) {
    page.proof_message = "the hash tiles cannot be read.";
  } else if (auto proof = tlog::InclusionProof(e.seq, cp->size, *tiles); !proof.ok()) {
    page.proof = ui::EventPage::Proof::kFailed;
    page.proof_message = "no proof could be built: " + proof.status().message();
  } else {
    Status v = tlog::VerifyInclusion(e.seq, cp->size, e.leaf_hash, *proof, cp->root);
    page.proof = v.ok() ? ui::EventPage::Proof::kVerified : ui::EventPage::Proof::kFailed;
    if (!v.ok()) page.proof_message = v.message();
    page.tree_size = cp->size;
    page.root_b64 = Base64Encode(cp->root);
    for (const auto& h : *proof) page.proof_b64.push_back(Base64Encode(h));
    page.checkpoint_note = cp->note;
  }
  if (c.embed) {
    ui::Params back;
    if (e.subject) back.emplace_back("subject", *e.subject);
    if (!c.style.empty()) back.emplace_back("style", c.style);
    page.back_href = ui::Href("/embed/history", back);
  } else {
    page.back_href = "/ui/";
    if (e.subject) page.subject_href = "/ui/history/" + ui::UrlEncode(*e.subject, true);
    if (e.actor && c.who.ReadsAll()) page.actor_href = ui::Href("/ui/", {{"actor", *e.actor}});
  }
  respond(HtmlResponse(200, ui::RenderEventPage(page), c.embed, s_.frame_ancestors));
}

}  // namespace trail
