// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// delivery_driver: trail::Client in a process of its own, for the end-to-end and fault tests
// (tests/test_cpp_client.py, tests/test_delivery_faults.py).
//
//   delivery_driver --url U --key K --spool DIR [--count N] [--start S] [--run NAME]
//                   [--every K] [--flush-ms MS] [--connections C] [--batch B] [--rate R]
//
// Records events n = S … S+N-1 (tag project:release:add, subject project:<run>, metadata
// {"run", "n", "version"}); after every K events (and at the end) calls Flush(MS) and prints
// {"stage":"durable","upto":n,"ok":…} — when ok, every event up to n is acknowledged or
// spooled, so a test that kills the process knows what the client owes. With --rate it
// records at most R events/s. Then it prints {"stage":"closed",…stats} after the destructor.
#include <trail/client.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

std::string Arg(int argc, char** argv, const char* name, const char* def) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return argv[i + 1];
  return def;
}

void PrintStats(const char* stage, const trail::Client::Counters& s, double seconds) {
  std::printf(
      "{\"stage\":\"%s\",\"seconds\":%.3f,\"queued\":%llu,\"spooled\":%llu,\"sent\":%llu,"
      "\"failed\":%llu,"
      "\"dropped\":%llu,\"retries\":%llu,\"spooled_total\":%llu,\"replayed\":%llu,\"torn\":%llu,"
      "\"corrupt\":%llu}\n",
      stage, seconds, static_cast<unsigned long long>(s.queued),
      static_cast<unsigned long long>(s.spooled), static_cast<unsigned long long>(s.sent),
      static_cast<unsigned long long>(s.failed), static_cast<unsigned long long>(s.dropped),
      static_cast<unsigned long long>(s.retries), static_cast<unsigned long long>(s.spooled_total),
      static_cast<unsigned long long>(s.replayed), static_cast<unsigned long long>(s.torn),
      static_cast<unsigned long long>(s.corrupt));
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  trail::Client::Options o;
  o.url = Arg(argc, argv, "--url", "http://127.0.0.1:8420");
  o.key = Arg(argc, argv, "--key", "");
  o.spool_path = Arg(argc, argv, "--spool", "");
  o.connections = std::atoi(Arg(argc, argv, "--connections", "4").c_str());
  o.batch_size = std::strtoull(Arg(argc, argv, "--batch", "1000").c_str(), nullptr, 10);
  o.flush_interval = std::chrono::milliseconds(50);
  o.backoff_max = std::chrono::milliseconds(1000);
  long long count = std::atoll(Arg(argc, argv, "--count", "0").c_str());
  long long start = std::atoll(Arg(argc, argv, "--start", "0").c_str());
  long long every = std::atoll(Arg(argc, argv, "--every", "0").c_str());
  double rate = std::atof(Arg(argc, argv, "--rate", "0").c_str());
  auto flush_ms =
      std::chrono::milliseconds(std::atoll(Arg(argc, argv, "--flush-ms", "30000").c_str()));
  std::string run = Arg(argc, argv, "--run", "cpp");
  o.close_timeout = flush_ms;

  std::string error;
  auto t0 = std::chrono::steady_clock::now();
  auto client = trail::Client::Open(o, &error);
  if (!client) {
    std::printf("{\"stage\":\"error\",\"error\":\"%s\"}\n", error.c_str());
    return 2;
  }
  std::printf(
      "{\"stage\":\"opened\",\"spool\":\"%s\",\"spooled\":%llu,\"torn\":%llu,\"corrupt\":%llu}\n",
      client->spool_dir().c_str(), static_cast<unsigned long long>(client->Stats().spooled),
      static_cast<unsigned long long>(client->Stats().torn),
      static_cast<unsigned long long>(client->Stats().corrupt));
  std::fflush(stdout);
  auto seconds = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  for (long long i = 0; i < count; ++i) {
    long long n = start + i;
    trail::Client::Event e;
    e.tag = "project:release:add";
    e.subject = "project:" + run;
    e.actor = "driver";
    e.metadata_json = "{\"run\":\"" + run + "\",\"n\":" + std::to_string(n) + ",\"version\":\"" +
                      std::to_string(n) + "\"}";
    client->Record(std::move(e));
    if (rate > 0) {
      auto due = t0 + std::chrono::duration<double>(static_cast<double>(i + 1) / rate);
      std::this_thread::sleep_until(
          std::chrono::time_point_cast<std::chrono::steady_clock::duration>(due));
    }
    if ((every > 0 && (i + 1) % every == 0) || i + 1 == count) {
      bool ok = client->Flush(flush_ms);
      std::printf("{\"stage\":\"durable\",\"upto\":%lld,\"ok\":%s,\"seconds\":%.3f}\n", n,
                  ok ? "true" : "false", seconds());
      std::fflush(stdout);
    }
  }
  if (count == 0) {
    bool ok = client->Flush(flush_ms);
    std::printf("{\"stage\":\"durable\",\"upto\":-1,\"ok\":%s,\"seconds\":%.3f}\n",
                ok ? "true" : "false", seconds());
  }
  PrintStats("flushed", client->Stats(), seconds());
  auto stats_before = client->Stats();
  client.reset();
  PrintStats("closed", stats_before, seconds());
  return 0;
}
