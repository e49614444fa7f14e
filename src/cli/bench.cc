// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// `trail bench`: drives a running server over HTTP with the Workload of loadgen/workload.h and
// reports throughput and ack latency. Batched mode posts NDJSON of --batch events per request;
// single mode posts one event per request, each connection waiting for its ack.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include "cli/commands.h"
#include "client/http_connection.h"
#include "loadgen/workload.h"

namespace trail {
namespace {

struct BenchFlags {
  Remote remote;
  std::string mode = "batch";
  int connections = 4;
  int batch = 1000;
  double duration = 10;
  uint64_t seed = 1;
  bool json = false;
};

double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  size_t k = static_cast<size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return v[k];
}

int RunBench(const BenchFlags& f) {
  if (f.mode != "batch" && f.mode != "single") {
    std::fprintf(stderr, "trail: --mode is batch or single\n");
    return 2;
  }
  auto url = ParseUrl(f.remote.url);
  if (!url.ok()) {
    std::fprintf(stderr, "trail: %s\n", url.status().message().c_str());
    return 2;
  }
  const std::string key = f.remote.ResolveKey();
  const int per_request = f.mode == "batch" ? f.batch : 1;
  std::atomic<uint64_t> events{0}, errors{0}, throttled{0};
  std::atomic<bool> stop{false};
  std::vector<std::vector<double>> lat(static_cast<size_t>(f.connections));
  std::vector<std::thread> threads;
  auto t0 = std::chrono::steady_clock::now();
  for (int c = 0; c < f.connections; ++c) {
    threads.emplace_back([&, c] {
      HttpConnection conn(*url, f.remote.cacert, f.remote.insecure);
      Workload w(f.seed * 1000003 + static_cast<uint64_t>(c));
      std::map<std::string, std::string> h{{"Authorization", "Bearer " + key}};
      std::string body;
      while (!stop.load(std::memory_order_relaxed)) {
        body.clear();
        for (int i = 0; i < per_request; ++i) {
          body += w.NextJson();
          body.push_back('\n');
        }
        auto s = std::chrono::steady_clock::now();
        auto r = conn.Request("POST", "/v1/events", body,
                              per_request > 1 ? "application/x-ndjson" : "application/json", h);
        double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - s).count();
        if (!r.ok()) {
          errors++;
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
          continue;
        }
        if (r->status == 429) {
          throttled++;
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
          continue;
        }
        if (r->status != 201) {
          errors++;
          continue;
        }
        events += static_cast<uint64_t>(per_request);
        lat[static_cast<size_t>(c)].push_back(secs);
      }
    });
  }
  const bool tty = isatty(STDERR_FILENO);
  while (true) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (tty)
      std::fprintf(stderr, "\r%5.1f s  %10llu events  %9.0f events/s", el,
                   static_cast<unsigned long long>(events.load()),
                   static_cast<double>(events.load()) / el);
    if (el >= f.duration) break;
  }
  stop = true;
  for (auto& t : threads) t.join();
  double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (tty) std::fprintf(stderr, "\n");
  std::vector<double> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  double rate = static_cast<double>(events.load()) / el;
  double p50 = Percentile(all, 0.50) * 1e3, p99 = Percentile(all, 0.99) * 1e3;
  if (f.json) {
    std::printf(
        "{\"mode\":\"%s\",\"connections\":%d,\"batch\":%d,\"seconds\":%.2f,\"events\":%llu,"
        "\"events_per_s\":%.0f,"
        "\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"errors\":%llu,\"throttled\":%llu}\n",
        f.mode.c_str(), f.connections, per_request, el,
        static_cast<unsigned long long>(events.load()), rate, p50, p99,
        static_cast<unsigned long long>(errors.load()),
        static_cast<unsigned long long>(throttled.load()));
  } else {
    std::printf(
        "%s ingest, %d connections, %d events/request: %.0f events/s over %.1f s; ack p50 %.2f ms, "
        "p99 %.2f ms; %llu errors, %llu throttled\n",
        f.mode.c_str(), f.connections, per_request, rate, el, p50, p99,
        static_cast<unsigned long long>(errors.load()),
        static_cast<unsigned long long>(throttled.load()));
  }
  return errors.load() == 0 ? 0 : 1;
}

}  // namespace

void AddBenchCommand(CLI::App& app) {
  auto f = std::make_shared<BenchFlags>();
  CLI::App* cmd = app.add_subcommand(
      "bench", "Load a running server with realistic events and report throughput");
  f->remote.AddTo(cmd);
  cmd->add_option("--mode", f->mode, "batch (NDJSON requests) or single (one event per request)");
  cmd->add_option("--connections", f->connections, "Concurrent keep-alive connections")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--batch", f->batch, "Events per request in batch mode")
      ->check(CLI::Range(1, 10000));
  cmd->add_option("--duration", f->duration, "Seconds to run")->check(CLI::Range(0.1, 3600.0));
  cmd->add_option("--seed", f->seed, "Workload seed");
  cmd->add_flag("--json", f->json, "Print one JSON line");
  cmd->callback([f] { std::exit(RunBench(*f)); });
}

}  // namespace trail
