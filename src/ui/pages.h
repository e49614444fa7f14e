// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// The web viewer's pages (SPEC §9), rendered on the server from plain view structs that the
// HTTP layer fills (src/http/api_ui*.cc): the console and history lists, the event detail,
// the sign-in form and error pages. Every value from an event or a request goes through
// HtmlEscape; links are built with UrlEncode. Pages work without JavaScript; live.js only
// adds the live tail. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "ui/html.h"

namespace trail::ui {

// What the frame of every page needs.
struct Frame {
  std::string title;
  bool embed = false;     // embedded in a host page: no console header
  std::string style;      // canonical theme (theme.h) for embed pages, "" for none
  std::string signed_in;  // who is signed in, shown in the header ("" hides it)
  std::string csrf;       // set for cookie sessions: the header shows a sign-out form
};
std::string RenderFrame(const Frame& frame, std::string_view main_html);

struct EventRow {
  const Event* event = nullptr;
  bool redact_network = false;  // ip and user agent read "redacted" (SPEC §6)
};

// Where a table's cells link; "" for no link. The id, subject or actor is appended encoded.
struct TableSpec {
  bool subject_column = true;
  std::string event_href;    // "/ui/events/"
  std::string subject_href;  // "/ui/history/"
  std::string actor_href;    // "/ui/?actor="
  std::string event_suffix;  // appended after the event id ("?style=…" on embed pages)
};
std::string RenderEventsTable(const std::vector<EventRow>& rows, const TableSpec& spec);

struct Option {
  std::string value, label;
};

// The console (/ui/) and a subject's history (/ui/history/…, /embed/history).
struct ListPage {
  Frame frame;
  std::string heading;
  std::string intro;
  bool console = true;  // console: search box and free filters; history: tag group and time
  std::string form_action;
  Params hidden;  // hidden form fields (the embed page's subject and style)
  std::string q, subject, actor, ip, tag, since, until, chart;  // echoed into the form
  std::vector<Option> tag_options;
  std::string error;  // a filter that does not parse: shown instead of events
  std::string chart_html;
  std::vector<std::pair<std::string, std::string>> exports;  // label, href
  std::string live_stream;  // the SSE URL of the live tail, "" for none
  std::vector<EventRow> rows;
  TableSpec table;
  std::string newest_href, next_href;  // paging, "" for none
  // The search's budget ran out before the page was full (QueryPage::partial): the page says
  // how many events it searched and offers next_href to continue.
  bool partial = false;
  uint64_t searched = 0;
};
std::string RenderListPage(const ListPage& page);

// One event with its integrity (SPEC §5).
struct EventPage {
  Frame frame;
  const Event* event = nullptr;
  bool redact_network = false;
  std::string back_href, subject_href, actor_href;
  // The stored fields recompute the leaf hash (format 2, core/leaf.h): from every field, from the
  // fields and personal_hash once scrubbed, from body_hash once pruned.
  bool leaf_matches = false;
  enum class Proof { kVerified, kFailed, kNotYet, kUnavailable } proof = Proof::kUnavailable;
  std::string proof_message;
  uint64_t tree_size = 0;
  std::string root_b64;
  std::vector<std::string> proof_b64;
  std::string checkpoint_note;
};
std::string RenderEventPage(const EventPage& page);

struct LoginPage {
  Frame frame;
  std::string error;
  std::string next;  // where to go after signing in (a /ui/ path)
};
std::string RenderLoginPage(const LoginPage& page);

std::string RenderErrorPage(const Frame& frame, int status, std::string_view heading,
                            std::string_view message);

}  // namespace trail::ui
