// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// trail::Client without a trail server: a scripted HTTP server on port 0 (refusals, 429,
// 503) and a port nobody listens on (the spool). The end-to-end tests against `trail serve`
// are tests/test_cpp_client.py and tests/test_delivery_faults.py.
#include "trail/client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "testing/temp_dir.h"

namespace trail {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct Reply {
  int status = 201;
  std::string body;
  std::string extra_headers;
};

// An HTTP/1.1 server that answers each POST with handler(lines of the NDJSON body).
class ScriptedServer {
 public:
  explicit ScriptedServer(std::function<Reply(const std::vector<std::string>&)> handler)
      : handler_(std::move(handler)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    ::listen(fd_, 64);
    accept_ = std::thread([this] { AcceptLoop(); });
  }
  ~ScriptedServer() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    accept_.join();
    std::lock_guard l(mu_);
    for (int c : conns_) ::shutdown(c, SHUT_RDWR);
    for (auto& t : threads_) t.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int requests() const { return requests_.load(); }

 private:
  void AcceptLoop() {
    while (!stop_) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::lock_guard l(mu_);
      conns_.push_back(c);
      threads_.emplace_back([this, c] { Serve(c); });
    }
  }
  void Serve(int c) {
    std::string buf;
    char tmp[65536];
    while (true) {
      size_t head_end;
      while ((head_end = buf.find("\r\n\r\n")) == std::string::npos) {
        ssize_t n = ::read(c, tmp, sizeof tmp);
        if (n <= 0) return (void)::close(c);
        buf.append(tmp, static_cast<size_t>(n));
      }
      std::string head = buf.substr(0, head_end);
      size_t cl = 0;
      for (auto p = head.find("\r\n"); p != std::string::npos; p = head.find("\r\n", p + 2)) {
        std::string line = head.substr(p + 2, head.find("\r\n", p + 2) - p - 2);
        for (auto& ch : line) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (line.rfind("content-length:", 0) == 0) cl = std::stoul(line.substr(15));
      }
      while (buf.size() < head_end + 4 + cl) {
        ssize_t n = ::read(c, tmp, sizeof tmp);
        if (n <= 0) return (void)::close(c);
        buf.append(tmp, static_cast<size_t>(n));
      }
      std::string body = buf.substr(head_end + 4, cl);
      buf.erase(0, head_end + 4 + cl);
      std::vector<std::string> lines;
      for (size_t p = 0; p < body.size();) {
        size_t nl = body.find('\n', p);
        if (nl == std::string::npos) nl = body.size();
        if (nl > p) lines.push_back(body.substr(p, nl - p));
        p = nl + 1;
      }
      requests_++;
      Reply r = handler_(lines);
      std::string out = "HTTP/1.1 " + std::to_string(r.status) +
                        " X\r\nContent-Type: application/json\r\n" + r.extra_headers +
                        "Content-Length: " + std::to_string(r.body.size()) + "\r\n\r\n" + r.body;
      if (::write(c, out.data(), out.size()) < 0) return (void)::close(c);
    }
  }

  std::function<Reply(const std::vector<std::string>&)> handler_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::thread accept_;
  std::mutex mu_;
  std::vector<int> conns_;
  std::vector<std::thread> threads_;
};

// 201 with made-up ids: "id-<n>" from the event's metadata {"n":…}.
Reply Acks(const std::vector<std::string>& lines) {
  std::string b = "{\"events\":[";
  for (size_t i = 0; i < lines.size(); ++i) {
    auto p = lines[i].find("\"n\":");
    std::string n = p == std::string::npos
                        ? "x"
                        : lines[i].substr(p + 4, lines[i].find_first_of(",}", p) - p - 4);
    b += std::string(i ? "," : "") + "{\"id\":\"id-" + n + "\",\"seq\":" + std::to_string(i) + "}";
  }
  return {201, b + "]}", ""};
}

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

class ClientTest : public ::testing::Test {
 protected:
  Client::Options Opts(const std::string& url) {
    Client::Options o;
    o.url = url;
    o.key = "k";
    o.spool_path = dir_.string();
    o.flush_interval = 20ms;
    o.backoff_initial = 10ms;
    o.backoff_max = 100ms;
    o.log = [this](const std::string& s) {
      std::lock_guard l(log_mu_);
      log_.push_back(s);
    };
    return o;
  }
  std::unique_ptr<Client> Open(const Client::Options& o) {
    std::string error;
    auto c = Client::Open(o, &error);
    EXPECT_TRUE(c) << error;
    return c;
  }
  static Client::Event Ev(int n, std::string meta = "") {
    Client::Event e;
    e.tag = "project:create";
    e.subject = "project:p";
    e.metadata_json = meta.empty() ? "{\"n\":" + std::to_string(n) + "}" : meta;
    return e;
  }

  test::TempDir tmp_{"trail-client-test"};
  fs::path dir_ = tmp_.path() / "spool";  // not made yet: the client makes its spool
  std::mutex log_mu_;
  std::vector<std::string> log_;
};

TEST_F(ClientTest, OpenRefusesBadOptions) {
  std::string error;
  auto o = Opts("ftp://x");
  EXPECT_FALSE(Client::Open(o, &error));
  EXPECT_NE(error.find("http"), std::string::npos);
  o = Opts("http://127.0.0.1:1");
  o.spool_path = "";
  EXPECT_FALSE(Client::Open(o, &error));
  EXPECT_NE(error.find("spool_path"), std::string::npos);
}

TEST_F(ClientTest, AcknowledgedEventsResolveWithIdAndSeq) {
  std::mutex mu;
  std::set<std::string> keys;
  ScriptedServer srv([&](const std::vector<std::string>& lines) {
    std::lock_guard l(mu);
    for (const auto& line : lines) {
      auto p = line.find("\"idempotency_key\":\"");
      if (p != std::string::npos) keys.insert(line.substr(p + 19, 32));
    }
    return Acks(lines);
  });
  auto c = Open(Opts(srv.url()));
  std::vector<std::future<Client::Ack>> fs;
  for (int i = 0; i < 50; ++i) fs.push_back(c->Record(Ev(i)));
  ASSERT_TRUE(c->Flush(5s));
  for (int i = 0; i < 50; ++i) {
    auto a = fs[i].get();
    EXPECT_EQ(a.state, Client::Ack::State::kStored);
    EXPECT_EQ(a.id, "id-" + std::to_string(i));
    EXPECT_TRUE(a.seq.has_value());
  }
  auto s = c->Stats();
  EXPECT_EQ(s.sent, 50u);
  EXPECT_EQ(s.queued, 0u);
  EXPECT_EQ(s.spooled, 0u);
  std::lock_guard l(mu);
  EXPECT_EQ(keys.size(), 50u);  // one key per event, all different
  for (const auto& k : keys) {
    EXPECT_EQ(k.find_first_not_of("0123456789abcdef"), std::string::npos) << k;
    EXPECT_EQ(k[12], '7') << k;  // UUIDv7: time-ordered
  }
}

TEST_F(ClientTest, ARefusalNamingAnEventDropsOnlyThatEvent) {
  ScriptedServer srv([](const std::vector<std::string>& lines) {
    for (size_t i = 0; i < lines.size(); ++i)
      if (lines[i].find("\"bad\"") != std::string::npos)
        return Reply{400,
                     R"({"error":{"code":"invalid_event","message":"metadata.bad: no","index":)" +
                         std::to_string(i) + "}}",
                     ""};
    return Acks(lines);
  });
  auto o = Opts(srv.url());
  o.connections = 1;
  auto c = Open(o);
  std::vector<std::future<Client::Ack>> fs;
  for (int i = 0; i < 10; ++i)
    fs.push_back(c->Record(Ev(i, i == 3 || i == 7 ? R"({"bad":1})" : "")));
  ASSERT_TRUE(c->Flush(5s));
  for (int i = 0; i < 10; ++i) {
    auto a = fs[i].get();
    if (i == 3 || i == 7) {
      EXPECT_EQ(a.state, Client::Ack::State::kRefused) << i;
      EXPECT_NE(a.error.find("metadata.bad"), std::string::npos);
    } else {
      EXPECT_EQ(a.state, Client::Ack::State::kStored) << i;
      EXPECT_EQ(a.id, "id-" + std::to_string(i));
    }
  }
  EXPECT_EQ(c->Stats().failed, 2u);
  EXPECT_EQ(c->Stats().sent, 8u);
}

TEST_F(ClientTest, ARefusalNamingNoEventIsNarrowedDownByHalving) {
  ScriptedServer srv([](const std::vector<std::string>& lines) {
    for (const auto& l : lines)
      if (l.find("\"bad\"") != std::string::npos)
        return Reply{400, R"({"error":{"code":"x","message":"no"}})", ""};
    return Acks(lines);
  });
  auto o = Opts(srv.url());
  o.connections = 1;
  auto c = Open(o);
  std::vector<std::future<Client::Ack>> fs;
  for (int i = 0; i < 16; ++i) fs.push_back(c->Record(Ev(i, i == 11 ? R"({"bad":1})" : "")));
  ASSERT_TRUE(c->Flush(5s));
  for (int i = 0; i < 16; ++i)
    EXPECT_EQ(fs[i].get().state,
              i == 11 ? Client::Ack::State::kRefused : Client::Ack::State::kStored)
        << i;
}

TEST_F(ClientTest, RetriesAfter503And429HonouringRetryAfter) {
  std::atomic<int> calls{0};
  ScriptedServer srv([&](const std::vector<std::string>& lines) {
    int k = calls++;
    if (k == 0) return Reply{503, R"({"error":{"code":"unavailable","message":"disk full"}})", ""};
    if (k == 1)
      return Reply{429, R"({"error":{"code":"queue_full","message":"later"}})",
                   "Retry-After: 1\r\n"};
    return Acks(lines);
  });
  auto o = Opts(srv.url());
  o.connections = 1;
  o.spool_after = 10s;
  auto c = Open(o);
  auto t0 = std::chrono::steady_clock::now();
  auto f = c->Record(Ev(1));
  EXPECT_EQ(f.get().state, Client::Ack::State::kStored);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 900ms);  // Retry-After: 1
  ASSERT_TRUE(c->Flush(5s));
  auto s = c->Stats();
  EXPECT_EQ(s.retries, 2u);
  EXPECT_EQ(s.sent, 1u);
  EXPECT_EQ(s.spooled_total, 0u);  // recovered before spool_after
}

TEST_F(ClientTest, UnreachableServerSpoolsAndTheNextClientReplaysInOrder) {
  std::string url = "http://127.0.0.1:" + std::to_string(FreePort());
  std::vector<std::future<Client::Ack>> fs;
  {
    auto c = Open(Opts(url));
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 300; ++i) fs.push_back(c->Record(Ev(i)));
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);
    EXPECT_TRUE(c->Flush(5s));  // spooled: the attempt during the flush failed
    auto s = c->Stats();
    EXPECT_EQ(s.spooled, 300u);
    EXPECT_EQ(s.queued, 0u);
    EXPECT_GT(s.spool_bytes, 0u);
  }
  for (auto& f : fs) EXPECT_EQ(f.get().state, Client::Ack::State::kSpooled);

  std::mutex mu;
  std::vector<int> seen;
  ScriptedServer srv([&](const std::vector<std::string>& lines) {
    std::lock_guard l(mu);
    for (const auto& line : lines) seen.push_back(std::stoi(line.substr(line.find("\"n\":") + 4)));
    return Acks(lines);
  });
  auto c = Open(Opts(srv.url()));
  auto late = c->Record(Ev(300));  // behind the spool, or sent directly once it is drained
  ASSERT_TRUE(c->Flush(10s));
  EXPECT_EQ(late.get().state, Client::Ack::State::kStored);
  std::lock_guard l(mu);
  ASSERT_EQ(seen.size(), 301u);
  for (int i = 0; i <= 300; ++i) EXPECT_EQ(seen[i], i);
  EXPECT_EQ(c->Stats().spooled, 0u);
  EXPECT_GE(c->Stats().replayed, 300u);
}

TEST_F(ClientTest, EventsThatCanNeverBeSentAreRefusedAtOnce) {
  ScriptedServer srv(Acks);
  auto c = Open(Opts(srv.url()));
  auto no_tag = c->Record(Client::Event{});
  auto bad_meta = c->Record(Ev(1, "[1,2]"));
  auto huge = c->Record(Ev(2, "{\"x\":\"" + std::string(70000, 'a') + "\"}"));
  auto multiline = c->Record(Ev(3, "{\n\"n\": 3\n}"));  // fine: re-serialized on one line
  EXPECT_EQ(no_tag.get().state, Client::Ack::State::kRefused);
  EXPECT_EQ(bad_meta.get().state, Client::Ack::State::kRefused);
  EXPECT_EQ(huge.get().state, Client::Ack::State::kRefused);
  EXPECT_EQ(multiline.get().state, Client::Ack::State::kStored);
  EXPECT_EQ(c->Stats().failed, 3u);
}

TEST_F(ClientTest, WhenQueueAndSpoolAreFullRecordWaitsBrieflyThenRejects) {
  std::string url = "http://127.0.0.1:" + std::to_string(FreePort());
  auto o = Opts(url);
  o.max_spool_bytes = 1 << 20;  // the minimum: ~16 of these events
  o.max_queue = 20;
  o.batch_size = 10;
  o.full_wait = 50ms;
  o.spool_after = 0ms;
  auto c = Open(o);
  std::string big = "{\"pad\":\"" + std::string(60000, 'p') + "\"}";
  std::vector<std::future<Client::Ack>> fs;
  auto t0 = std::chrono::steady_clock::now();
  std::chrono::nanoseconds slowest{0};
  for (int i = 0; i < 60; ++i) {
    auto t = std::chrono::steady_clock::now();
    fs.push_back(c->Record(Ev(i, big)));
    slowest = std::max<std::chrono::nanoseconds>(slowest, std::chrono::steady_clock::now() - t);
  }
  EXPECT_LT(slowest, 1s);  // never blocked for long: at most full_wait (plus scheduling)
  int rejected = 0;
  for (auto& f : fs) {
    if (f.wait_for(0s) == std::future_status::ready &&
        f.get().state == Client::Ack::State::kRejected)
      rejected++;
  }
  EXPECT_GT(rejected, 0);
  auto s = c->Stats();
  EXPECT_EQ(s.dropped, static_cast<uint64_t>(rejected));
  EXPECT_LE(s.spool_bytes, uint64_t{1} << 20);
  EXPECT_GT(s.spooled, 0u);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 30s);
}

}  // namespace
}  // namespace trail
