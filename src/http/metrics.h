// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// Metrics: the process's counters and latency histograms, rendered in the Prometheus text
// format by /metrics together with the store's figures. Lock-free counters; thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

#include "http/routes.h"
#include "http/server.h"
#include "store/store.h"

namespace trail {

class Histogram {
 public:
  static constexpr std::array<double, 14> kBounds = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5};
  void Observe(double seconds);
  void Render(const std::string& name, const std::string& help, std::string* out) const;

 private:
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_micros_{0};
};

struct Metrics {
  std::atomic<uint64_t> ingest_requests{0};
  std::atomic<uint64_t> ingest_events{0};  // acknowledged (new or replayed)
  std::atomic<uint64_t> ingest_replayed{0};
  std::atomic<uint64_t> ingest_invalid{0};      // 4xx refusals
  std::atomic<uint64_t> ingest_queue_full{0};   // 429
  std::atomic<uint64_t> ingest_unavailable{0};  // 503
  std::atomic<uint64_t> query_requests{0};
  std::atomic<uint64_t> query_rows_examined{0};
  std::atomic<uint64_t> query_rows_returned{0};
  std::atomic<uint64_t> export_requests{0};
  std::atomic<uint64_t> auth_failures{0};
  std::atomic<uint64_t> gc_runs{0};
  std::atomic<uint64_t> gc_pruned{0};
  std::atomic<uint64_t> gc_scrubbed{0};
  std::atomic<uint64_t> gc_running{0};          // 1 while a run is in progress
  std::atomic<uint64_t> gc_progress_pruned{0};  // of the run in progress
  std::atomic<uint64_t> gc_progress_scrubbed{0};
  std::atomic<uint64_t> gc_last_micros{0};
  std::atomic<int64_t> gc_last_run_micros{0};  // wall clock at the end of the last run; 0: none
  std::atomic<uint64_t> redactions{0};
  std::atomic<uint64_t> redacted_events{0};
  std::atomic<uint64_t> streams_refused{
      0};                    // 429: the principal's streams and exports at their cap
  HttpServerStats http;      // the server's defences (http/server.h)
  Histogram ingest_seconds;  // request received -> durable ack
  Histogram query_seconds;

  // Requests a handler answered, by route (http/routes.h) and status class.
  void CountResponse(std::optional<size_t> route, int status);
  // [kRoutes.size()]: no route; [..][0..4]: 1xx..5xx.
  std::array<std::array<std::atomic<uint64_t>, 5>, kRoutes.size() + 1> http_responses{};
  std::atomic<uint64_t> http_responses_5xx{0};

  // The whole exposition: these counters plus the store's per-tag totals and figures.
  std::string Render(Store& store, size_t queue_limit) const;

 private:
  void RenderHttpResponses(std::string* out) const;
};

}  // namespace trail
