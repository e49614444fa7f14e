// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// The event detail page: every field, the metadata, and the integrity checks (SPEC §5).
#include <boost/json.hpp>

#include "core/codec.h"
#include "core/time_format.h"
#include "ui/pages.h"

namespace trail::ui {
namespace {

void Field(std::string_view name, std::string_view value, std::string* out,
           const std::string& href = "") {
  *out += "<dt>";
  AppendEscaped(name, out);
  *out += "</dt><dd>";
  if (!href.empty()) {
    *out += "<a href=\"";
    AppendEscaped(href, out);
    *out += "\">";
  }
  AppendEscaped(value, out);
  if (!href.empty()) *out += "</a>";
  *out += "</dd>";
}

void Metadata(const std::string& json, std::string* out) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(json, ec);
  if (ec || !v.is_object() || v.as_object().empty()) {
    *out += "<p class=\"muted\">No metadata.</p>";
    return;
  }
  *out += "<dl class=\"fields\">";
  for (const auto& [k, val] : v.as_object()) {
    Field(std::string_view(k.data(), k.size()),
          val.is_string() ? std::string(val.as_string().c_str(), val.as_string().size())
                          : boost::json::serialize(val),
          out);
  }
  *out += "</dl><details><summary>Canonical JSON</summary><pre class=\"json\">";
  AppendEscaped(json, out);
  *out += "</pre></details>";
}

// "Wellington, WGN, NZ" from the canonical location object: city, region, country code.
std::string LocationText(const std::string& location_json) {
  boost::json::error_code ec;
  boost::json::value v = boost::json::parse(location_json, ec);
  if (ec || !v.is_object()) return location_json;
  std::string out;
  for (const char* k : {"city", "region", "country"}) {
    const auto* part = v.as_object().if_contains(k);
    if (!part || !part->is_string()) continue;
    if (!out.empty()) out += ", ";
    out += std::string(part->get_string());
  }
  return out;
}

}  // namespace

std::string RenderEventPage(const EventPage& p) {
  const Event& e = *p.event;
  std::string m;
  if (!p.back_href.empty()) {
    m += "<p><a href=\"";
    AppendEscaped(p.back_href, &m);
    m += "\">« Back to the events</a></p>";
  }
  m += "<h1>";
  AppendEscaped(e.pruned ? e.tag + " (pruned)" : (e.description.empty() ? e.tag : e.description),
                &m);
  m += "</h1><dl class=\"fields\">";
  Field("Tag", e.tag, &m);
  if (e.subject) Field("Subject", *e.subject, &m, p.subject_href);
  if (e.actor) Field("Actor", *e.actor, &m, p.actor_href);
  if (e.ip) Field("IP address", p.redact_network ? "redacted" : *e.ip, &m);
  if (e.user_agent) Field("User agent", p.redact_network ? "redacted" : *e.user_agent, &m);
  if (e.location_json && !p.redact_network) Field("Location", LocationText(*e.location_json), &m);
  if (!e.pruned) Field("Occurred at", FormatRfc3339Micros(e.occurred_at), &m);
  Field("Recorded at", FormatRfc3339Micros(e.recorded_at), &m);
  Field("Seq", e.has_seq ? std::to_string(e.seq) : "not yet sequenced", &m);
  Field("Id", e.id, &m);
  m += "</dl>";
  if (!e.pruned) {
    m += "<h2>Metadata</h2>";
    Metadata(e.metadata_json, &m);
  } else {
    m += "<p class=\"muted\">Retention pruned this event's payload; its leaf hash stays in the "
         "log.</p>";
  }

  m += "<h2>Integrity</h2><dl class=\"fields\"><dt>Leaf hash</dt><dd><code>" +
       Base64Encode(e.leaf_hash) + "</code><br><code class=\"muted\">" + HexEncode(e.leaf_hash) +
       "</code></dd>";
  // The layers of leaf format 2 (SPEC §5): with them a reader recomputes the leaf hash from
  // what it was shown. The salt only where the ip is shown (it would let guesses of the ip be
  // tested against the personal-data hash).
  m += "<dt>Body hash</dt><dd><code>" + Base64Encode(e.body_hash) + "</code></dd>";
  if (!e.personal_hash.empty())
    m += "<dt>Personal-data hash</dt><dd><code>" + Base64Encode(e.personal_hash) + "</code></dd>";
  if (e.salt && !p.redact_network)
    m += "<dt>Salt</dt><dd><code>" + Base64Encode(*e.salt) + "</code></dd>";
  m += "<dt>Content</dt><dd>";
  // What the recomputation covered (SPEC §5, leaf format 2).
  std::string covered;
  if (e.pruned) {
    covered = "the kept body hash, id, tag and time (retention pruned the payload)";
  } else if (!e.salt) {
    covered =
        "every field shown and the kept personal-data hash (retention scrubbed ip, user agent and "
        "location)";
  } else if (p.redact_network) {
    covered =
        "every field shown and the personal-data hash (ip and user agent are not shown to you)";
  } else {
    covered = "every field shown, ip, user agent and location included";
  }
  if (!e.has_seq) {
    // A shared log's node answered before the sequencer gave the event its seq and leaf.
    m += "<span class=\"muted\">pending</span>: the leaf hash is computed when the log sequences "
         "the event";
  } else {
    m += p.leaf_matches
             ? "<span class=\"ok\">verified</span>: "
             : "<span class=\"bad\">does not match the leaf hash</span>: recomputed from ";
    AppendEscaped(covered, &m);
    if (p.leaf_matches) m += " hash to the leaf hash";
  }
  m += "</dd><dt>Inclusion proof</dt><dd>";
  switch (p.proof) {
    case EventPage::Proof::kVerified:
      m += "<span class=\"ok\">verified</span> against the signed checkpoint of tree size " +
           std::to_string(p.tree_size) + " (root <code>" + p.root_b64 + "</code>)";
      break;
    case EventPage::Proof::kFailed:
      m += "<span class=\"bad\">failed</span> ";
      break;
    case EventPage::Proof::kNotYet:
      m += "<span class=\"muted\">pending</span> ";
      break;
    case EventPage::Proof::kUnavailable:
      m += "<span class=\"muted\">unavailable</span> ";
      break;
  }
  AppendEscaped(p.proof_message, &m);
  m += "</dd></dl>";
  if (p.proof == EventPage::Proof::kVerified || p.proof == EventPage::Proof::kFailed) {
    m += "<details><summary>Proof hashes (" + std::to_string(p.proof_b64.size()) +
         ", leaf side first) and the checkpoint</summary><ol>";
    for (const auto& h : p.proof_b64) m += "<li><code>" + HtmlEscape(h) + "</code></li>";
    m += "</ol><pre class=\"json\">";
    AppendEscaped(p.checkpoint_note, &m);
    m += "</pre></details>";
  }
  return RenderFrame(p.frame, m);
}

}  // namespace trail::ui
