// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "http/metrics.h"

#include <fmt/format.h>

#include <algorithm>

#include "http/process_metrics.h"
#include "trail_version.h"

namespace trail {
namespace {

void Counter(std::string* out, const char* name, const char* help, uint64_t v) {
  fmt::format_to(std::back_inserter(*out), "# HELP {0} {1}\n# TYPE {0} counter\n{0} {2}\n", name,
                 help, v);
}

void Gauge(std::string* out, const char* name, const char* help, double v) {
  fmt::format_to(std::back_inserter(*out), "# HELP {0} {1}\n# TYPE {0} gauge\n{0} {2}\n", name,
                 help, v);
}

std::string EscapeLabel(std::string_view v) {
  std::string o;
  for (char c : v) {
    if (c == '\\' || c == '"') o.push_back('\\');
    if (c == '\n') {
      o += "\\n";
      continue;
    }
    o.push_back(c);
  }
  return o;
}

// A wall clock time in microseconds as a Prometheus timestamp gauge (0: never).
void Timestamp(std::string* out, const char* name, const char* help, int64_t micros) {
  Gauge(out, name, help, static_cast<double>(micros) / 1e6);
}

constexpr std::array<std::string_view, 5> kStatusClasses = {"1xx", "2xx", "3xx", "4xx", "5xx"};

}  // namespace

void Metrics::CountResponse(std::optional<size_t> route, int status) {
  const size_t r = route && *route < kRoutes.size() ? *route : kRoutes.size();
  const int c = std::clamp(status / 100, 1, 5) - 1;
  http_responses[r][static_cast<size_t>(c)].fetch_add(1, std::memory_order_relaxed);
  if (status >= 500) http_responses_5xx.fetch_add(1, std::memory_order_relaxed);
}

void Histogram::Observe(double seconds) {
  size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<uint64_t>(seconds * 1e6), std::memory_order_relaxed);
}

void Histogram::Render(const std::string& name, const std::string& help, std::string* out) const {
  auto o = std::back_inserter(*out);
  fmt::format_to(o, "# HELP {0} {1}\n# TYPE {0} histogram\n", name, help);
  uint64_t cum = 0;
  for (size_t i = 0; i < kBounds.size(); ++i) {
    cum += buckets_[i].load(std::memory_order_relaxed);
    fmt::format_to(o, "{}_bucket{{le=\"{}\"}} {}\n", name, kBounds[i], cum);
  }
  cum += buckets_[kBounds.size()].load(std::memory_order_relaxed);
  fmt::format_to(o, "{}_bucket{{le=\"+Inf\"}} {}\n", name, cum);
  fmt::format_to(o, "{}_sum {}\n{}_count {}\n", name, sum_micros_.load() / 1e6, name,
                 count_.load());
}

std::string Metrics::Render(Store& store, size_t queue_limit) const {
  std::string out;
  auto o = std::back_inserter(out);
  fmt::format_to(o,
                 "# HELP trail_build_info The running trail's version and git commit.\n"
                 "# TYPE trail_build_info gauge\n"
                 "trail_build_info{{version=\"{}\",commit=\"{}\"}} 1\n",
                 kVersion, kCommit);
  out +=
      "# HELP trail_events_recorded_total Events stored, by tag (exact, across restarts).\n"
      "# TYPE trail_events_recorded_total counter\n";
  if (auto counts = store.TagCounts(); counts.ok()) {
    for (const auto& [tag, n] : *counts)
      fmt::format_to(o, "trail_events_recorded_total{{tag=\"{}\"}} {}\n", EscapeLabel(tag), n);
  }
  StoreStats st = store.Stats();
  Gauge(&out, "trail_log_size", "Events in the log (the next seq).",
        static_cast<double>(st.events));
  Gauge(&out, "trail_queue_depth", "Events accepted but not yet durable.",
        static_cast<double>(st.queue_depth));
  Gauge(&out, "trail_queue_limit", "Bound of the ingest queue; past it writes get 429.",
        static_cast<double>(queue_limit));
  Counter(&out, "trail_commits_total", "Group commits (transactions with one fsync).", st.commits);
  Counter(&out, "trail_committed_events_total", "Events made durable by group commits.",
          st.committed_events);
  Gauge(&out, "trail_commit_last_seconds", "Duration of the last group commit.",
        st.last_commit_seconds);
  Timestamp(&out, "trail_store_last_durable_timestamp_seconds",
            "When a commit last became durable (SQLite: WAL fdatasync; PostgreSQL: COMMIT); 0: "
            "none since start.",
            st.last_durable_micros);
  Timestamp(&out, "trail_checkpoint_last_signed_timestamp_seconds",
            "When this node last signed and published a checkpoint; 0: none since start.",
            st.last_checkpoint_micros);
  Gauge(&out, "trail_store_disk_bytes", "Bytes of the store on disk (database and WAL).",
        static_cast<double>(st.disk_bytes));
  if (st.shared) {  // PostgreSQL: the sequencer and the integration delay (docs/OPERATIONS.md)
    Gauge(&out, "trail_pg_sequencer",
          "1 while this node is the sequencer (assigns seq, signs checkpoints).",
          st.sequencer ? 1 : 0);
    Gauge(&out, "trail_pg_pending_events",
          "Committed events waiting for their seq, from every node (approximate, refreshed every "
          "0.5 s).",
          static_cast<double>(st.pending_events));
    fmt::format_to(
        o,
        "# HELP trail_pg_integration_delay_seconds Commit-to-seq delay of the events this node "
        "sequenced since it started (0 on other nodes).\n"
        "# TYPE trail_pg_integration_delay_seconds summary\n"
        "trail_pg_integration_delay_seconds{{quantile=\"0.5\"}} {}\n"
        "trail_pg_integration_delay_seconds{{quantile=\"0.99\"}} {}\n"
        "trail_pg_integration_delay_seconds_sum {}\n"
        "trail_pg_integration_delay_seconds_count {}\n",
        st.integration_p50_seconds, st.integration_p99_seconds, st.integration_sum_seconds,
        st.integration_events);
    Gauge(&out, "trail_pg_integration_delay_max_seconds",
          "Longest commit-to-seq delay of the events this node sequenced since it started.",
          st.integration_max_seconds);
  }
  Counter(&out, "trail_ingest_requests_total", "POST /v1/events requests.", ingest_requests.load());
  Counter(&out, "trail_ingest_events_total", "Events acknowledged (stored or replayed).",
          ingest_events.load());
  Counter(&out, "trail_ingest_replayed_total", "Events answered from an idempotency key.",
          ingest_replayed.load());
  out +=
      "# HELP trail_ingest_rejected_total Ingest requests refused, by reason.\n"
      "# TYPE trail_ingest_rejected_total counter\n";
  fmt::format_to(o, "trail_ingest_rejected_total{{reason=\"invalid\"}} {}\n",
                 ingest_invalid.load());
  fmt::format_to(o, "trail_ingest_rejected_total{{reason=\"queue_full\"}} {}\n",
                 ingest_queue_full.load());
  fmt::format_to(o, "trail_ingest_rejected_total{{reason=\"unavailable\"}} {}\n",
                 ingest_unavailable.load());
  ingest_seconds.Render("trail_ingest_duration_seconds", "Ingest request latency until durable.",
                        &out);
  Counter(&out, "trail_query_requests_total", "Read queries (GET /v1/events).",
          query_requests.load());
  Counter(&out, "trail_query_rows_examined_total", "Candidate rows read by queries.",
          query_rows_examined.load());
  Counter(&out, "trail_query_rows_returned_total", "Rows returned by queries.",
          query_rows_returned.load());
  query_seconds.Render("trail_query_duration_seconds", "Query latency.", &out);
  Counter(&out, "trail_export_requests_total", "Exports started.", export_requests.load());
  Counter(&out, "trail_auth_failures_total", "Requests refused with 401.", auth_failures.load());
  Counter(&out, "trail_gc_runs_total", "Retention runs (not dry runs).", gc_runs.load());
  Counter(&out, "trail_gc_pruned_total", "Events pruned by retention.", gc_pruned.load());
  Counter(&out, "trail_gc_scrubbed_total", "Events whose ip and user agent were scrubbed.",
          gc_scrubbed.load());
  Gauge(&out, "trail_gc_running", "1 while a retention run is in progress.",
        static_cast<double>(gc_running.load()));
  Gauge(&out, "trail_gc_progress_pruned", "Events pruned so far by the run in progress.",
        static_cast<double>(gc_progress_pruned.load()));
  Gauge(&out, "trail_gc_progress_scrubbed", "Events scrubbed so far by the run in progress.",
        static_cast<double>(gc_progress_scrubbed.load()));
  Gauge(&out, "trail_gc_last_duration_seconds", "Duration of the last retention run.",
        gc_last_micros.load() / 1e6);
  Timestamp(&out, "trail_gc_last_run_timestamp_seconds",
            "When the last retention run (not a dry run) finished; 0: none since start.",
            gc_last_run_micros.load());
  Counter(&out, "trail_redactions_total", "Erasure requests carried out.", redactions.load());
  Counter(&out, "trail_redacted_events_total", "Events pruned by erasure requests.",
          redacted_events.load());
  // The server's limits (docs/OPERATIONS.md, "Limits").
  Counter(&out, "trail_http_internal_errors_total",
          "Requests answered 500 (and streams cut) because of an unexpected failure; see the log "
          "by request id.",
          http.internal_errors.load());
  Gauge(&out, "trail_http_connections_open", "Client connections open.",
        static_cast<double>(http.connections_open.load()));
  Counter(&out, "trail_http_connections_refused_total",
          "Connections closed at once: [server] max_connections reached.",
          http.connections_refused.load());
  Counter(&out, "trail_http_accept_backoffs_total",
          "Times accept() ran out of file descriptors and waited.", http.accept_backoffs.load());
  Counter(&out, "trail_http_timeouts_total",
          "Connections dropped by header_timeout or idle_timeout.", http.timeouts.load());
  Counter(&out, "trail_http_write_stalls_total",
          "Responses and streams dropped after write_timeout without progress.",
          http.write_stalls.load());
  Counter(&out, "trail_http_streams_refused_total",
          "Streams and exports refused with 429: the principal had max_streams_per_principal open.",
          streams_refused.load());
  RenderHttpResponses(&out);
  RenderProcessMetrics(&out);
  return out;
}

void Metrics::RenderHttpResponses(std::string* out) const {
  auto o = std::back_inserter(*out);
  *out +=
      "# HELP trail_http_requests_total Requests answered, by route template (route=\"other\": "
      "no route) and status class.\n"
      "# TYPE trail_http_requests_total counter\n";
  for (size_t r = 0; r <= kRoutes.size(); ++r) {
    const bool known = r < kRoutes.size();
    const std::string_view method = known ? kRoutes[r].method : "other";
    const std::string_view route = known ? kRoutes[r].path : "other";
    for (size_t c = 0; c < kStatusClasses.size(); ++c) {
      const uint64_t n = http_responses[r][c].load(std::memory_order_relaxed);
      // Every route's 2xx, 4xx and 5xx are always present: rate() and alerts see them from 0.
      if (n == 0 && (c == 0 || c == 2)) continue;
      fmt::format_to(o, "trail_http_requests_total{{method=\"{}\",route=\"{}\",code=\"{}\"}} {}\n",
                     method, route, kStatusClasses[c], n);
    }
  }
  Counter(out, "trail_http_responses_5xx_total",
          "Requests answered with a 5xx status (500, 503, …), every route.",
          http_responses_5xx.load());
}

}  // namespace trail
