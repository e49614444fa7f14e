// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// The event endpoints: POST /v1/events, GET /v1/events, GET /v1/events/{id}, GET /v1/export.
#include <boost/json.hpp>
#include <charconv>
#include <chrono>
#include <optional>

#include "auth/visibility.h"
#include "core/codec.h"
#include "core/jcs.h"
#include "core/json_text.h"
#include "core/time_format.h"
#include "http/api.h"
#include "http/errors.h"
#include "http/ingest.h"
#include "http/read_access.h"
#include "store/query_executor.h"

namespace trail {
namespace {

// How often a live stream or an export checks its credential again (Api::StillAuthorized).
constexpr auto kRecheckEvery = std::chrono::milliseconds(500);
// An export writes its events in chunks of about this many bytes.
constexpr size_t kExportChunkBytes = 256 * 1024;
// Events an export reads per query: with events of up to 64 KiB, what one export holds in
// memory stays under ~16 MB.
constexpr size_t kExportPageEvents = 250;
// The same for a live stream's catch-up (one chunk per page: at most ~6.4 MB).
constexpr size_t kStreamPageEvents = 100;

std::string AcksJson(const std::vector<Ack>& acks) {
  std::string b = "{\"events\":[";
  for (size_t i = 0; i < acks.size(); ++i) {
    if (i) b.push_back(',');
    b += "{\"id\":";
    AppendJsonString(acks[i].id, &b);
    b += ",\"seq\":";
    b += acks[i].seq ? std::to_string(*acks[i].seq) : "null";
    b.push_back('}');
  }
  b += "]}";
  return b;
}

void AppendCsvField(std::string_view v, std::string* out, bool guard_formula) {
  // Cells a spreadsheet would run as a formula get a leading apostrophe (event data is
  // attacker-controlled); cells with separators or quotes are quoted (RFC 4180).
  bool formula =
      guard_formula && !v.empty() &&
      (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@' || v[0] == '\t' || v[0] == '\r');
  bool quote = formula || v.find_first_of(",\"\r\n") != std::string_view::npos;
  if (!quote) {
    out->append(v);
    return;
  }
  out->push_back('"');
  if (formula) out->push_back('\'');
  for (char c : v) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

// The columns of SPEC §3's event; the ones leaf format 2 added (location, body_hash,
// personal_hash, salt) come last so that readers of the older columns keep working.
constexpr std::string_view kCsvHeader =
    "seq,id,recorded_at,occurred_at,tag,subject,actor,ip,user_agent,description,metadata,leaf_hash,"
    "pruned,"
    "location,body_hash,personal_hash,salt\r\n";

void AppendCsvRow(const Event& e, std::string* out, bool redact) {
  out->append(std::to_string(e.seq));
  out->push_back(',');
  out->append(e.id);
  out->push_back(',');
  out->append(FormatRfc3339Micros(e.recorded_at));
  out->push_back(',');
  if (!e.pruned) out->append(FormatRfc3339Micros(e.occurred_at));
  out->push_back(',');
  AppendCsvField(e.tag, out, true);
  for (const auto* f : {&e.subject, &e.actor}) {
    out->push_back(',');
    if (*f) AppendCsvField(**f, out, true);
  }
  for (const auto* f : {&e.ip, &e.user_agent}) {
    out->push_back(',');
    if (*f) AppendCsvField(redact ? "redacted" : std::string_view(**f), out, true);
  }
  out->push_back(',');
  if (!e.pruned) AppendCsvField(e.description, out, true);
  out->push_back(',');
  if (!e.pruned) AppendCsvField(e.metadata_json, out, false);
  out->push_back(',');
  out->append(Base64Encode(e.leaf_hash));
  out->append(e.pruned ? ",true," : ",false,");
  // Personal data and the salt go where the ip is shown (SPEC §6).
  if (e.location_json && !redact) AppendCsvField(*e.location_json, out, false);
  out->push_back(',');
  out->append(Base64Encode(e.body_hash));
  out->push_back(',');
  if (!e.personal_hash.empty()) out->append(Base64Encode(e.personal_hash));
  out->push_back(',');
  if (e.salt && !redact) out->append(Base64Encode(*e.salt));
  out->append("\r\n");
}

// The export's filter as trail:export records it. trail:* records are kept forever, past the
// scrubbing of personal data (SPEC §6, §7): ip addresses in the filter (`ip=`, `q=ip:…`) are
// written as "redacted", so that the record of an export does not keep what scrubbing deletes.
std::string FilterForTheRecord(const std::multimap<std::string, std::string>& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out.push_back('&');
    out += k + "=";
    if (k == "ip") {
      out += "redacted";
    } else if (k == "q") {
      std::string term, q;
      auto flush = [&] {
        if (term.rfind("ip:", 0) == 0 || term.rfind("-ip:", 0) == 0)
          term = term.substr(0, term.find(':') + 1) + "redacted";
        if (!q.empty() && !term.empty()) q.push_back(' ');
        q += term;
        term.clear();
      };
      for (char c : v) {
        if (c == ' ') {
          flush();
        } else {
          term.push_back(c);
        }
      }
      flush();
      out += q;
    } else {
      out += v;
    }
  }
  return out;
}

Result<Query> QueryOf(const HttpRequest& req, const std::vector<std::string>& also,
                      std::multimap<std::string, std::string>* params_out = nullptr) {
  auto params = ParseUrlQuery(req.raw_query);
  if (!params)
    return Status::Invalid("invalid_query", "the query string is not valid percent-encoded UTF-8");
  auto q = ParseQuery(*params, also);
  if (params_out) *params_out = std::move(*params);
  return q;
}

}  // namespace

void Api::Ingest(HttpRequest& req, const Principal& who, Respond respond) {
  (void)who;
  s_.metrics->ingest_requests++;
  auto t0 = std::chrono::steady_clock::now();
  bool batch = false;
  auto events = ParseIngestBody(req.body, req.content_type, *s_.types->Get(), *s_.ids,
                                s_.clock->NowMicros(), &batch);
  if (!events.ok()) {
    s_.metrics->ingest_invalid++;
    return respond(ErrorResponse(events.status()));
  }
  Metrics* m = s_.metrics;
  s_.store->Append(std::move(events.value()), [m, t0, respond = std::move(respond)](
                                                  Status s, std::vector<Ack> acks) {
    if (!s.ok()) {
      if (s.code() == Code::kResourceExhausted) {
        m->ingest_queue_full++;
      } else if (s.code() == Code::kUnavailable) {
        m->ingest_unavailable++;
      } else {
        m->ingest_invalid++;
      }
      return respond(ErrorResponse(s));
    }
    bool all_replayed = !acks.empty();
    for (const auto& a : acks) {
      all_replayed = all_replayed && a.replayed;
      if (a.replayed) m->ingest_replayed++;
    }
    m->ingest_events += acks.size();
    m->ingest_seconds.Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    respond(JsonResponse(all_replayed ? 200 : 201, AcksJson(acks)));
  });
}

void Api::ListEvents(const HttpRequest& req, const Principal& who, Respond& respond) {
  if (Status s = NeedRead(who); !s.ok()) return respond(ErrorResponse(s));
  auto q = QueryOf(req, {});
  if (!q.ok()) return respond(ErrorResponse(q.status()));
  std::optional<AccessFilter> scope;
  if (Status s = ScopeFor(who, &*q, s_.types->Get(), &scope); !s.ok())
    return respond(ErrorResponse(s));
  q->budget = s_.query_budget;
  auto t0 = std::chrono::steady_clock::now();
  auto page = s_.store->Query(*q, scope ? &*scope : nullptr);
  if (!page.ok()) return respond(ErrorResponse(page.status()));
  s_.metrics->query_requests++;
  s_.metrics->query_rows_examined += page->rows_examined;
  s_.metrics->query_rows_returned += page->events.size();
  std::string b = "{\"events\":[";
  for (size_t i = 0; i < page->events.size(); ++i) {
    if (i) b.push_back(',');
    AppendEventJson(page->events[i], &b, Redacts(who, page->events[i]));
  }
  b += "],\"next_cursor\":";
  if (page->next_after) {
    b.push_back('"');
    b += EncodeCursor(*page->next_after, q->ascending);
    b.push_back('"');
  } else {
    b += "null";
  }
  // The budget ran out before the page was full: next_cursor resumes where the scan stopped.
  if (page->partial) b += ",\"partial\":true";
  b += "}";
  s_.metrics->query_seconds.Observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  respond(JsonResponse(200, std::move(b)));
}

Result<Event> Api::ReadableEvent(const std::string& id, const Principal& who) {
  TRAIL_RETURN_IF_ERROR(NeedRead(who));
  if (!IsUuid(id)) return Status::NotFound("no event " + id);
  std::string lower = id;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto e = s_.store->Get(lower);
  if (!e.ok()) return e.status();
  // An event a viewer may not see (a pruned one included, unless the viewer is admin) does
  // not exist for that viewer.
  if (!e->has_value() || !MaySeeEvent(who, *s_.types->Get(), **e))
    return Status::NotFound("no event " + id);
  return std::move(**e);
}

void Api::GetEvent(const std::string& id, const Principal& who, Respond& respond) {
  auto ev = ReadableEvent(id, who);
  if (!ev.ok()) return respond(ErrorResponse(ev.status()));
  std::string b;
  AppendEventJson(*ev, &b, Redacts(who, *ev));
  respond(JsonResponse(200, std::move(b)));
}

void Api::Export(const HttpRequest& req, const Principal& who, Respond& respond) {
  if (Status s = NeedRead(who); !s.ok()) return respond(ErrorResponse(s));
  std::multimap<std::string, std::string> params;
  auto q = QueryOf(req, {"format"}, &params);
  if (!q.ok()) return respond(ErrorResponse(q.status()));
  std::string format = "ndjson";
  if (auto it = params.find("format"); it != params.end()) format = it->second;
  if (format != "ndjson" && format != "csv")
    return respond(ErrorResponse(Status::Invalid("invalid_query", "format: 'ndjson' or 'csv'")));
  if (params.find("order") == params.end()) q->ascending = true;  // exports read oldest first
  q->limit = kExportPageEvents;
  // An export is unpaged and runs to the end however long that takes, but in slices of one
  // budget each: between slices it holds no reader connection (no database connection on
  // PostgreSQL) and no read snapshot, so other readers and the writer never wait behind it.
  q->budget = s_.query_budget;
  std::optional<AccessFilter> scope;
  if (Status s = ScopeFor(who, &*q, s_.types->Get(), &scope); !s.ok())
    return respond(ErrorResponse(s));

  auto slot = StreamSlot(who);
  if (!slot.ok()) return respond(ErrorResponse(slot.status()));

  boost::json::object meta{{"format", format}, {"filter", FilterForTheRecord(params)}};
  if (Status s = RecordSelfAudit("trail:export", "trail:export", who.Actor(), meta); !s.ok())
    return respond(ErrorResponse(s));
  s_.metrics->export_requests++;

  HttpResponse r;
  r.content_type = format == "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson";
  r.headers.emplace_back("Content-Disposition",
                         std::string("attachment; filename=\"trail-export.") +
                             (format == "csv" ? "csv\"" : "ndjson\""));
  r.headers.emplace_back("Cache-Control", "no-store");
  struct State {
    Query q;
    bool csv;
    std::optional<AccessFilter> scope;
    Principal who;
    std::shared_ptr<void> slot;  // given back when the export ends
    bool header_done = false;
    bool done = false;        // the last page has been read
    std::vector<Event> page;  // read, not yet sent: page[next..]
    size_t next = 0;
    std::chrono::steady_clock::time_point checked = std::chrono::steady_clock::now();
  };
  auto st = std::make_shared<State>(State{*q,
                                          format == "csv",
                                          std::move(scope),
                                          who,
                                          std::move(*slot),
                                          false,
                                          false,
                                          {},
                                          0,
                                          std::chrono::steady_clock::now()});
  Store* store = s_.store;
  r.stream = [this, st, store](std::string* chunk, bool* failed) {
    // A long export stops (incomplete, so the client knows) once its credential is revoked,
    // expired or signed out.
    if (auto t = std::chrono::steady_clock::now(); t - st->checked >= kRecheckEvery) {
      st->checked = t;
      if (!StillAuthorized(st->who)) {
        *failed = true;
        return false;
      }
    }
    if (st->csv && !st->header_done) {
      chunk->append(kCsvHeader);
      st->header_done = true;
    }
    if (st->next == st->page.size()) {
      if (st->done) return false;
      auto page = store->Query(st->q, st->scope ? &*st->scope : nullptr);
      if (!page.ok()) {
        *failed = true;
        return false;
      }
      st->page = std::move(page->events);
      st->next = 0;
      if (page->next_after) {
        st->q.after_seq = page->next_after;
      } else {
        st->done = true;
      }
    }
    // At most ~kExportChunkBytes per write (a page of large events could be 64 MB): memory per
    // export stays bounded, and the credential is checked again after every chunk, so a slow
    // reader whose key is revoked gets no more than one chunk after the check.
    while (st->next < st->page.size() && chunk->size() < kExportChunkBytes) {
      const Event& e = st->page[st->next++];
      if (st->csv) {
        AppendCsvRow(e, chunk, Redacts(st->who, e));
      } else {
        AppendEventJson(e, chunk, Redacts(st->who, e));
        chunk->push_back('\n');
      }
    }
    if (st->next == st->page.size()) std::vector<Event>().swap(st->page), st->next = 0;
    return true;
  };
  respond(std::move(r));
}

Result<std::shared_ptr<void>> Api::StreamSlot(const Principal& who) {
  const std::string principal = who.is_viewer ? "viewer:" + who.name : "key:" + who.key_id;
  auto slot = stream_slots_->TryAcquire(principal);
  if (slot) return slot;
  s_.metrics->streams_refused++;
  return Status::Exhausted(
      "this credential has " + std::to_string(s_.max_streams_per_principal) +
          " streams or exports open already (max_streams_per_principal); close one or retry",
      "too_many_streams");
}

// GET /v1/stream: Server-Sent Events of new events matching the read filters, with the
// reader's visibility. Each event is `id: <seq>`, `event: event`, `data: <event JSON>`; a
// client that reconnects with Last-Event-ID resumes right after that seq. Without it the
// stream starts at the end of the log. A comment line every 15 s keeps proxies from closing.
// The credential is checked again twice a second: revoking its key (on any node), its token's
// exp or a replaced viewer secret, or signing its session out ends the stream within a second.
void Api::Stream(const HttpRequest& req, const Principal& who, Respond& respond) {
  if (Status s = NeedRead(who); !s.ok()) return respond(ErrorResponse(s));
  auto q = QueryOf(req, {});
  if (!q.ok()) return respond(ErrorResponse(q.status()));
  if (q->after_seq)
    return respond(ErrorResponse(
        Status::Invalid("invalid_query", "cursor: use Last-Event-ID to resume a stream")));
  std::optional<AccessFilter> scope;
  if (Status s = ScopeFor(who, &*q, s_.types->Get(), &scope); !s.ok())
    return respond(ErrorResponse(s));
  q->ascending = true;
  q->limit = kStreamPageEvents;
  q->budget = s_.query_budget;  // a resumed tail far behind catches up slice by slice
  uint64_t end = s_.store->ReadableEnd();
  if (!req.last_event_id.empty()) {
    uint64_t last = 0;
    auto [p, ec] = std::from_chars(req.last_event_id.data(),
                                   req.last_event_id.data() + req.last_event_id.size(), last);
    // (UINT64_MAX + 1 would wrap to 0 and replay the whole log.)
    if (ec != std::errc() || p != req.last_event_id.data() + req.last_event_id.size() ||
        last == UINT64_MAX)
      return respond(
          ErrorResponse(Status::Invalid("invalid_query", "Last-Event-ID: expected a seq")));
    end = last + 1;
  }
  auto slot = StreamSlot(who);
  if (!slot.ok()) return respond(ErrorResponse(slot.status()));
  struct State {
    Query q;
    std::optional<AccessFilter> scope;
    Principal who;
    uint64_t next;               // first seq not yet sent
    std::shared_ptr<void> slot;  // given back when the stream ends
    bool opened = false;
    std::chrono::steady_clock::time_point checked = std::chrono::steady_clock::now();
  };
  auto st = std::make_shared<State>(State{*q, std::move(scope), who, end, std::move(*slot)});
  Store* store = s_.store;
  const std::atomic<bool>* stopping = s_.stopping;
  HttpResponse r;
  r.content_type = "text/event-stream; charset=utf-8";
  r.headers.emplace_back("Cache-Control", "no-store");
  r.headers.emplace_back("X-Accel-Buffering", "no");
  r.long_lived = true;
  r.cancelled = std::make_shared<std::atomic<bool>>(false);
  r.stream = [this, st, store, stopping, gone = r.cancelled](std::string* chunk, bool* failed) {
    if (!st->opened) {
      st->opened = true;
      chunk->append("retry: 2000\n\n");
      return true;
    }
    constexpr int kSliceMs = 250;
    for (int waited = 0;; waited += kSliceMs) {
      if ((stopping && stopping->load()) || gone->load()) return false;
      if (auto t = std::chrono::steady_clock::now(); t - st->checked >= kRecheckEvery) {
        st->checked = t;
        if (!StillAuthorized(st->who)) {
          chunk->append(": credential revoked, expired or signed out\n\n");
          return false;
        }
      }
      if (store->ReadableEnd() > st->next) break;
      if (waited >= 15000) {
        chunk->append(": keep-alive\n\n");
        return true;
      }
      store->WaitForEvents(st->next, kSliceMs);
    }
    if (st->next > 0) st->q.after_seq = st->next - 1;
    const uint64_t covered = store->ReadableEnd();  // the query's snapshot reaches at least this
    auto page = store->Query(st->q, st->scope ? &*st->scope : nullptr);
    if (!page.ok()) {
      *failed = true;
      return false;
    }
    for (const auto& e : page->events) {
      chunk->append("id: " + std::to_string(e.seq) + "\nevent: event\ndata: ");
      AppendEventJson(e, chunk, Redacts(st->who, e));
      chunk->append("\n\n");
    }
    // Past the last match the scan covered everything readable: resume from there.
    uint64_t next = page->next_after ? *page->next_after + 1 : std::max(st->next, covered);
    if (!page->events.empty()) next = std::max(next, page->events.back().seq + 1);
    st->next = next;
    return true;
  };
  respond(std::move(r));
}

}  // namespace trail
