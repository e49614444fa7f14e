// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// trail_bench_client: trail::Client (include/trail/client.h) into a running `trail serve`.
//
//   trail_bench_client --url URL --key WRITER_KEY --spool DIR [--events N] [--threads T]
//                      [--connections C] [--batch B] [--paced-rate R] [--sink]
//
// --sink measures against an in-process HTTP endpoint that acknowledges at once instead of a
// server: the client's own ceiling.
//
// Two runs, one JSON line each:
//   client_throughput  T threads call Record() as fast as they can for N events in all, then
//                      Flush(): events/s from the first Record() to the end of the Flush
//                      (every event acknowledged by the server), and Record()'s latency in
//                      the caller's thread (p50/p99/p99.9/max, ns) under that load;
//   client_record_paced  one thread records at R events/s (default 50,000) for N/4 events:
//                      Record()'s latency when the application is not saturating the client.
// The delivery targets: >= 200,000 events/s into one server from one process; Record() <= 2 µs
// p99. bench/python_client_bench.py starts a server and runs this program with it.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <trail/client.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using SteadyClock = std::chrono::steady_clock;

std::string Arg(int argc, char** argv, const char* name, const char* def) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return argv[i + 1];
  return def;
}

trail::Client::Event MakeEvent(uint64_t n) {
  trail::Client::Event e;
  e.tag = "account:login:success";
  e.subject = "user:u" + std::to_string(n % 100000);
  e.actor = e.subject.substr(5);
  e.ip = "203.0.113." + std::to_string(n % 250);
  e.user_agent = "bench/1.0";
  e.metadata_json = R"({"auth_method":"password"})";
  return e;
}

struct Latency {
  double p50 = 0, p99 = 0, p999 = 0, max = 0;
};

Latency Percentiles(std::vector<uint32_t>& ns) {
  Latency l;
  if (ns.empty()) return l;
  std::sort(ns.begin(), ns.end());
  auto at = [&](double q) {
    return static_cast<double>(ns[static_cast<size_t>(q * static_cast<double>(ns.size() - 1))]);
  };
  l.p50 = at(0.5);
  l.p99 = at(0.99);
  l.p999 = at(0.999);
  l.max = static_cast<double>(ns.back());
  return l;
}

// --sink: an HTTP server in this process that acknowledges every POST at once (201 with one
// {"id","seq"} per NDJSON line), so that the figure is the client's own ceiling, not the
// store's. It shares the machine's cores with the client, so the ceiling is a lower bound.
class AckSink {
 public:
  AckSink() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd_, 64) != 0)
      return;
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    std::thread([this] {
      while (true) {
        int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0) return;
        std::thread([c] { Serve(c); }).detach();
      }
    }).detach();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  static void Serve(int c) {
    std::string buf, reply;
    std::vector<char> tmp(1 << 20);
    while (true) {
      size_t head;
      while ((head = buf.find("\r\n\r\n")) == std::string::npos) {
        ssize_t n = ::read(c, tmp.data(), tmp.size());
        if (n <= 0) return (void)::close(c);
        buf.append(tmp.data(), static_cast<size_t>(n));
      }
      size_t cl = 0, p = buf.find("Content-Length: ");
      if (p == std::string::npos) p = buf.find("content-length: ");
      if (p != std::string::npos && p < head) cl = std::strtoull(buf.c_str() + p + 16, nullptr, 10);
      while (buf.size() < head + 4 + cl) {
        ssize_t n = ::read(c, tmp.data(), tmp.size());
        if (n <= 0) return (void)::close(c);
        buf.append(tmp.data(), static_cast<size_t>(n));
      }
      size_t lines = static_cast<size_t>(
          std::count(buf.begin() + static_cast<std::ptrdiff_t>(head + 4),
                     buf.begin() + static_cast<std::ptrdiff_t>(head + 4 + cl), '\n'));
      buf.erase(0, head + 4 + cl);
      std::string body = "{\"events\":[";
      for (size_t i = 0; i < lines; ++i)
        body += i ? ",{\"id\":\"0190d2a0-0000-7000-8000-000000000000\",\"seq\":1}"
                  : "{\"id\":\"0190d2a0-0000-7000-8000-000000000000\",\"seq\":1}";
      body += "]}";
      reply = "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: " +
              std::to_string(body.size()) + "\r\n\r\n" + body;
      if (::write(c, reply.data(), reply.size()) < 0) return (void)::close(c);
    }
  }
  int fd_ = -1;
  int port_ = 0;
};

std::string g_url;

std::unique_ptr<trail::Client> OpenClient(int argc, char** argv, const std::string& spool) {
  trail::Client::Options o;
  o.url = g_url;
  o.key = Arg(argc, argv, "--key", "");
  o.spool_path = spool;
  o.connections = std::atoi(Arg(argc, argv, "--connections", "4").c_str());
  o.batch_size = std::strtoull(Arg(argc, argv, "--batch", "2000").c_str(), nullptr, 10);
  o.max_queue = 1'000'000;
  std::string error;
  auto c = trail::Client::Open(o, &error);
  if (!c) std::fprintf(stderr, "trail_bench_client: %s\n", error.c_str());
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t events =
      std::strtoull(Arg(argc, argv, "--events", "1000000").c_str(), nullptr, 10);
  const int threads = std::max(1, std::atoi(Arg(argc, argv, "--threads", "1").c_str()));
  const double paced_rate = std::atof(Arg(argc, argv, "--paced-rate", "50000").c_str());
  const std::string spool = Arg(argc, argv, "--spool", "/tmp/trail-bench-client-spool");
  g_url = Arg(argc, argv, "--url", "http://127.0.0.1:8420");
  bool sink = false;
  for (int i = 1; i < argc; ++i) sink = sink || std::strcmp(argv[i], "--sink") == 0;
  std::unique_ptr<AckSink> ack_sink;
  if (sink) {
    ack_sink = std::make_unique<AckSink>();
    g_url = ack_sink->url();
  }
  const char* target = sink ? "sink" : "server";

  // Events are built before the clock starts: the figure is the client's, not std::to_string's.
  std::vector<std::vector<trail::Client::Event>> prepared(threads);
  for (uint64_t i = 0; i < events; ++i) prepared[i % threads].push_back(MakeEvent(i));

  {
    auto client = OpenClient(argc, argv, spool);
    if (!client) return 2;
    std::vector<std::vector<uint32_t>> lat(threads);
    auto t0 = SteadyClock::now();
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t) {
      ts.emplace_back([&, t] {
        auto& mine = prepared[t];
        lat[t].reserve(mine.size());
        for (auto& e : mine) {
          auto a = SteadyClock::now();
          client->Record(std::move(e));
          lat[t].push_back(static_cast<uint32_t>(
              std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now() - a)
                  .count()));
        }
      });
    }
    for (auto& t : ts) t.join();
    auto recorded = SteadyClock::now();
    bool flushed = client->Flush(std::chrono::minutes(5));
    auto done = SteadyClock::now();
    auto s = client->Stats();
    std::vector<uint32_t> all;
    for (auto& l : lat) all.insert(all.end(), l.begin(), l.end());
    Latency l = Percentiles(all);
    double secs = std::chrono::duration<double>(done - t0).count();
    std::printf(
        "{\"figure\":\"client_throughput\",\"into\":\"%s\",\"events\":%llu,\"threads\":%d,"
        "\"seconds\":%.3f,\"events_per_s\":%.0f,"
        "\"record_seconds\":%.3f,\"flushed\":%s,\"sent\":%llu,\"failed\":%llu,\"spooled_total\":%"
        "llu,\"retries\":%llu,"
        "\"record_p50_ns\":%.0f,\"record_p99_ns\":%.0f,\"record_p999_ns\":%.0f,\"record_max_ns\":%."
        "0f}\n",
        target, static_cast<unsigned long long>(events), threads, secs,
        static_cast<double>(events) / secs, std::chrono::duration<double>(recorded - t0).count(),
        flushed ? "true" : "false", static_cast<unsigned long long>(s.sent),
        static_cast<unsigned long long>(s.failed), static_cast<unsigned long long>(s.spooled_total),
        static_cast<unsigned long long>(s.retries), l.p50, l.p99, l.p999, l.max);
    std::fflush(stdout);
  }

  if (paced_rate > 0) {
    auto client = OpenClient(argc, argv, spool);
    if (!client) return 2;
    uint64_t n = std::max<uint64_t>(1000, events / 4);
    std::vector<trail::Client::Event> evs;
    for (uint64_t i = 0; i < n; ++i) evs.push_back(MakeEvent(i));
    std::vector<uint32_t> lat;
    lat.reserve(n);
    auto t0 = SteadyClock::now();
    for (uint64_t i = 0; i < n; ++i) {
      auto due = t0 + std::chrono::nanoseconds(
                          static_cast<int64_t>(static_cast<double>(i) * 1e9 / paced_rate));
      while (SteadyClock::now() < due) {
      }
      auto a = SteadyClock::now();
      client->Record(std::move(evs[i]));
      lat.push_back(static_cast<uint32_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now() - a).count()));
    }
    bool flushed = client->Flush(std::chrono::minutes(5));
    Latency l = Percentiles(lat);
    std::printf(
        "{\"figure\":\"client_record_paced\",\"into\":\"%s\",\"events\":%llu,\"rate\":%.0f,"
        "\"flushed\":%s,\"record_p50_ns\":%.0f,"
        "\"record_p99_ns\":%.0f,\"record_p999_ns\":%.0f,\"record_max_ns\":%.0f}\n",
        target, static_cast<unsigned long long>(n), paced_rate, flushed ? "true" : "false", l.p50,
        l.p99, l.p999, l.max);
  }
  return 0;
}
