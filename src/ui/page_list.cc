// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// Event tables and the list pages around them: the console and a subject's history.
#include "core/time_format.h"
#include "ui/pages.h"

namespace trail::ui {
namespace {

void Link(std::string_view text, const std::string& base, std::string_view id, std::string* out) {
  if (base.empty()) {
    AppendEscaped(text, out);
    return;
  }
  *out += "<a href=\"";
  AppendEscaped(base + UrlEncode(id, true), out);
  *out += "\">";
  AppendEscaped(text, out);
  *out += "</a>";
}

void TextField(std::string_view id, std::string_view name, std::string_view label,
               const std::string& value, std::string_view placeholder, std::string* out,
               std::string_view type = "text") {
  *out += "<div class=\"field\"><label for=\"" + std::string(id) + "\">" + std::string(label) +
          "</label><input id=\"" + std::string(id) + "\" name=\"" + std::string(name) +
          "\" type=\"" + std::string(type) + "\" value=\"";
  AppendEscaped(value, out);
  *out += "\"";
  if (!placeholder.empty()) *out += " placeholder=\"" + std::string(placeholder) + "\"";
  *out += "></div>";
}

void Select(std::string_view id, std::string_view name, std::string_view label,
            const std::vector<Option>& options, const std::string& value, std::string* out) {
  *out += "<div class=\"field\"><label for=\"" + std::string(id) + "\">" + std::string(label) +
          "</label><select id=\"" + std::string(id) + "\" name=\"" + std::string(name) + "\">";
  for (const auto& o : options) {
    *out += "<option value=\"";
    AppendEscaped(o.value, out);
    *out += o.value == value ? "\" selected>" : "\">";
    AppendEscaped(o.label, out);
    *out += "</option>";
  }
  *out += "</select></div>";
}

void Filters(const ListPage& p, std::string* m) {
  *m +=
      "<form class=\"filters\" method=\"get\" role=\"search\" aria-label=\"Filter events\" "
      "action=\"";
  AppendEscaped(p.form_action, m);
  *m += "\">";
  for (const auto& [k, v] : p.hidden) {
    *m += "<input type=\"hidden\" name=\"";
    AppendEscaped(k, m);
    *m += "\" value=\"";
    AppendEscaped(v, m);
    *m += "\">";
  }
  std::vector<Option> tags{{"", "All tags"}};
  tags.insert(tags.end(), p.tag_options.begin(), p.tag_options.end());
  if (p.console) {
    *m +=
        "<div class=\"field wide\"><label for=\"q\">Search</label><input id=\"q\" name=\"q\" "
        "type=\"search\" value=\"";
    AppendEscaped(p.q, m);
    *m +=
        "\" aria-describedby=\"q-help\"><p id=\"q-help\" class=\"hint\">Terms combine with AND: "
        "<code>tag:project:role:*</code> <code>actor:alice</code> "
        "<code>subject:project:requests</code> "
        "<code>ip:203.0.113.7</code> <code>created:&gt;=2026-01-01</code> "
        "<code>-tag:account:login:*</code> "
        "and words or <code>\"quoted phrases\"</code> of the description.</p></div>";
    TextField("f-subject", "subject", "Subject", p.subject, "project:requests", m);
    TextField("f-actor", "actor", "Actor", p.actor, "alice", m);
    TextField("f-ip", "ip", "IP address", p.ip, "", m);
    Select("f-tag", "tag", "Tag", tags, p.tag, m);
  } else {
    Select("f-tag", "tag", "Tag group", tags, p.tag, m);
  }
  TextField("f-since", "since", "From (UTC)", p.since, "", m, "date");
  TextField("f-until", "until", "Before (UTC)", p.until, "", m, "date");
  Select("f-chart", "chart", "Chart",
         {{"day", "Per day"}, {"hour", "Per hour"}, {"week", "Per week"}}, p.chart, m);
  *m += "<div class=\"field\"><button type=\"submit\">";
  *m += p.console ? "Search" : "Filter";
  *m += "</button></div><div class=\"field\"><a href=\"";
  std::string clear = p.form_action;
  Params keep;
  for (const auto& [k, v] : p.hidden) keep.emplace_back(k, v);
  AppendEscaped(Href(clear, keep), m);
  *m += "\">Clear filters</a></div></form>";
}

}  // namespace

std::string RenderEventsTable(const std::vector<EventRow>& rows, const TableSpec& spec) {
  std::string out =
      "<div class=\"table-wrap\"><table class=\"events\" aria-label=\"Events, newest first\" "
      "data-columns=\"";
  out += spec.subject_column ? "time tag subject actor ip description\""
                             : "time tag actor ip description\"";
  for (const auto& [attr, href] : {std::pair{"data-event-href", &spec.event_href},
                                   std::pair{"data-subject-href", &spec.subject_href},
                                   std::pair{"data-actor-href", &spec.actor_href},
                                   std::pair{"data-event-suffix", &spec.event_suffix}}) {
    if (href->empty()) continue;
    out += std::string(" ") + attr + "=\"";
    AppendEscaped(*href, &out);
    out += "\"";
  }
  out += "><thead><tr><th scope=\"col\">Time (UTC)</th><th scope=\"col\">Tag</th>";
  if (spec.subject_column) out += "<th scope=\"col\">Subject</th>";
  out +=
      "<th scope=\"col\">Actor</th><th scope=\"col\">IP</th><th "
      "scope=\"col\">Description</th></tr></thead><tbody>";
  for (const EventRow& r : rows) {
    const Event& e = *r.event;
    out += "<tr><td class=\"time\"><time datetime=\"" + FormatRfc3339Micros(e.recorded_at) + "\">" +
           ShortTime(e.recorded_at) + "</time></td><td class=\"tag\">";
    if (spec.event_href.empty()) {
      AppendEscaped(e.tag, &out);
    } else {
      out += "<a href=\"";
      AppendEscaped(spec.event_href + UrlEncode(e.id) + spec.event_suffix, &out);
      out += "\">";
      AppendEscaped(e.tag, &out);
      out += "</a>";
    }
    out += "</td>";
    if (spec.subject_column) {
      out += "<td class=\"subject\">";
      if (e.subject) Link(*e.subject, spec.subject_href, *e.subject, &out);
      out += "</td>";
    }
    out += "<td class=\"actor\">";
    if (e.actor) Link(*e.actor, spec.actor_href, *e.actor, &out);
    out += "</td><td class=\"ip\">";
    if (e.ip) AppendEscaped(r.redact_network ? "redacted" : *e.ip, &out);
    out += "</td><td class=\"desc\">";
    if (e.pruned) {
      out += "<span class=\"muted\">(pruned by retention)</span>";
    } else {
      AppendEscaped(e.description, &out);
    }
    out += "</td></tr>";
  }
  out += "</tbody></table></div>";
  return out;
}

std::string RenderListPage(const ListPage& p) {
  std::string m = "<h1>";
  AppendEscaped(p.heading, &m);
  m += "</h1>";
  if (!p.intro.empty()) {
    m += "<p class=\"muted\">";
    AppendEscaped(p.intro, &m);
    m += "</p>";
  }
  Filters(p, &m);
  if (!p.error.empty()) {
    m += "<p class=\"error\" role=\"alert\">";
    AppendEscaped(p.error, &m);
    m += "</p>";
    return RenderFrame(p.frame, m);
  }
  m += p.chart_html;
  if (!p.exports.empty() || !p.live_stream.empty()) {
    m += "<div class=\"actions\"";
    if (!p.live_stream.empty()) {
      m += " data-live-stream=\"";
      AppendEscaped(p.live_stream, &m);
      m += "\"";
    }
    m += ">";
    for (const auto& [label, href] : p.exports) {
      m += "<a class=\"button secondary\" href=\"";
      AppendEscaped(href, &m);
      m += "\">";
      AppendEscaped(label, &m);
      m += "</a>";
    }
    if (!p.live_stream.empty()) {
      m += "<button type=\"button\" hidden aria-pressed=\"false\">Start live tail</button>"
           "<span class=\"live-status\" role=\"status\" aria-live=\"polite\"></span>";
    }
    m += "</div>";
  }
  if (p.partial) {
    m += "<p class=\"partial\">";
    m += p.rows.empty() ? "No events match so far: searched " : "Searched ";
    m += std::to_string(p.searched);
    m += " events so far";
    if (!p.next_href.empty()) {
      m += " — <a rel=\"next\" href=\"";
      AppendEscaped(p.next_href, &m);
      m += "\">continue</a>";
    }
    m += "</p>";
  } else if (p.rows.empty()) {
    m += "<p class=\"no-events\">No events match.</p>";
  }
  m += RenderEventsTable(p.rows, p.table);
  if (!p.newest_href.empty() || !p.next_href.empty()) {
    m += "<nav class=\"pager\" aria-label=\"Pages\">";
    if (!p.newest_href.empty()) {
      m += "<a href=\"";
      AppendEscaped(p.newest_href, &m);
      m += "\">« Newest events</a>";
    }
    if (!p.next_href.empty()) {
      m += "<a rel=\"next\" href=\"";
      AppendEscaped(p.next_href, &m);
      m += p.partial ? "\">Continue searching »</a>" : "\">Older events »</a>";
    }
    m += "</nav>";
  }
  return RenderFrame(p.frame, m);
}

}  // namespace trail::ui
