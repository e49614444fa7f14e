// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// HttpServer's defences, over real sockets on a loopback port: an exception from a handler or
// a stream is answered (500 with a request id) or cuts only its own connection, never the
// process; connections past max_connections are closed at once; a trickled header is dropped.
#include "http/server.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "http/metrics.h"
#include "http/routes.h"

namespace trail {
namespace {

// One blocking connection to the server under test.
class Conn {
 public:
  explicit Conn(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    timeval tv{5, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~Conn() { ::close(fd_); }
  bool Send(std::string_view s) {
    return ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(s.size());
  }
  // Everything until the peer closes (or 5 s pass).
  std::string ReadAll() {
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::recv(fd_, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<size_t>(n));
    return out;
  }
  std::string Get(std::string_view path) {
    Send("GET " + std::string(path) + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    return ReadAll();
  }
  bool connected() const { return connected_; }
  bool ClosedByPeer() {
    char c;
    ssize_t n = ::recv(fd_, &c, 1, MSG_DONTWAIT | MSG_PEEK);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

class ServerTest : public ::testing::Test {
 protected:
  void StartServer(ServerOptions o) {
    o.listen = "127.0.0.1:0";
    o.stats = &stats_;
    o.log = [this](const std::string& line) {
      std::lock_guard<std::mutex> l(mu_);
      log_.push_back(line);
    };
    server_ = std::make_unique<HttpServer>(o, [](HttpRequest req, Respond respond) {
      if (req.path == "/throw")
        throw std::length_error("cannot create std::vector larger than max_size()");
      if (req.path == "/throw-int") throw 42;
      if (req.path == "/throw-after-answer") {
        respond(HttpResponse{});
        throw std::runtime_error("late");
      }
      if (req.path == "/throw-in-stream") {
        HttpResponse r;
        r.stream = [n = 0](std::string* chunk, bool*) mutable -> bool {
          if (n++ == 0) {
            *chunk = "first";
            return true;
          }
          throw std::runtime_error("stream broke");
        };
        return respond(std::move(r));
      }
      HttpResponse r;
      r.body = R"({"status":"ok"})";
      respond(std::move(r));
    });
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }
  std::string Log() {
    std::lock_guard<std::mutex> l(mu_);
    std::string all;
    for (const auto& s : log_) all += s + "\n";
    return all;
  }

  HttpServerStats stats_;
  std::mutex mu_;
  std::vector<std::string> log_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(ServerTest, AThrowingHandlerIsAnswered500WithARequestIdAndTheServerGoesOn) {
  StartServer({});
  std::string r = Conn(server_->port()).Get("/throw?since=2099-01-01&token=secret.jwt.value");
  EXPECT_EQ(r.rfind("HTTP/1.1 500", 0), 0u) << r;
  auto at = r.find("\"request_id\":\"");
  ASSERT_NE(at, std::string::npos) << r;
  const std::string id = r.substr(at + 14, 16);
  EXPECT_NE(r.find("\"code\":\"internal\""), std::string::npos);
  EXPECT_NE(r.find("X-Request-Id: " + id), std::string::npos);
  // Logged with the request line (its token cut) and the id; counted.
  EXPECT_NE(
      Log().find("internal error " + id + " on GET /throw?since=2099-01-01&token=…: cannot create"),
      std::string::npos)
      << Log();
  EXPECT_EQ(Log().find("secret.jwt.value"), std::string::npos);
  EXPECT_EQ(stats_.internal_errors.load(), 1u);
  EXPECT_EQ(Conn(server_->port()).Get("/throw-int").rfind("HTTP/1.1 500", 0), 0u);
  EXPECT_EQ(Conn(server_->port()).Get("/ok").rfind("HTTP/1.1 200", 0), 0u);
}

TEST_F(ServerTest, AHandlerThatAnsweredAndThenThrewIsOnlyLogged) {
  StartServer({});
  EXPECT_EQ(Conn(server_->port()).Get("/throw-after-answer").rfind("HTTP/1.1 200", 0), 0u);
  // The answer leaves before the handler throws: the count follows a moment later.
  for (int i = 0; i < 200 && stats_.internal_errors.load() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(stats_.internal_errors.load(), 1u);
}

TEST_F(ServerTest, AThrowingStreamCutsOnlyItsConnection) {
  StartServer({});
  std::string r = Conn(server_->port()).Get("/throw-in-stream");
  EXPECT_EQ(r.rfind("HTTP/1.1 200", 0), 0u) << r;
  EXPECT_NE(r.find("first"), std::string::npos);
  EXPECT_EQ(r.find("\r\n0\r\n\r\n"), std::string::npos)
      << "no last chunk: the client sees it is cut";
  EXPECT_EQ(Conn(server_->port()).Get("/ok").rfind("HTTP/1.1 200", 0), 0u);
  EXPECT_EQ(stats_.internal_errors.load(), 1u);
}

TEST_F(ServerTest, ConnectionsPastTheBoundAreClosedAtOnce) {
  ServerOptions o;
  o.max_connections = 2;
  StartServer(o);
  Conn a(server_->port()), b(server_->port());
  ASSERT_TRUE(a.connected() && b.connected());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  Conn c(server_->port());
  const auto t0 = std::chrono::steady_clock::now();
  std::string r = c.ReadAll();  // closed by the server, not after a timeout
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  EXPECT_TRUE(r.empty() || r.rfind("HTTP/1.1 503", 0) == 0) << r;
  EXPECT_EQ(stats_.connections_refused.load(), 1u);
  EXPECT_EQ(a.Get("/ok").rfind("HTTP/1.1 200", 0), 0u);  // the first two are served
}

TEST_F(ServerTest, ATrickledHeaderIsDroppedAfterHeaderTimeout) {
  ServerOptions o;
  o.header_timeout = 1;
  StartServer(o);
  Conn slow(server_->port());
  const auto t0 = std::chrono::steady_clock::now();
  slow.Send("GET /ok HTTP/1.1\r\n");
  bool dropped = false;
  while (!dropped && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5)) {
    slow.Send("X");  // a byte every 100 ms: the header never ends
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    dropped = slow.ClosedByPeer();
  }
  EXPECT_TRUE(dropped);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(2500));
  EXPECT_EQ(stats_.timeouts.load(), 1u);
  EXPECT_EQ(Conn(server_->port()).Get("/ok").rfind("HTTP/1.1 200", 0), 0u);
}

TEST(DefaultMaxConnections, LeavesAReserve) { EXPECT_GE(DefaultMaxConnections(), 1u); }

TEST(RequestLine, CutsTokensAndControlCharacters) {
  HttpRequest r;
  r.method = "GET";
  r.path = "/embed/history";
  r.raw_query = "subject=user:a&token=eyJ.x.y&style=a\nb";
  EXPECT_EQ(RequestLine(r), "GET /embed/history?subject=user:a&token=…&style=a%0Ab");
}

}  // namespace
}  // namespace trail

namespace trail {
namespace {

// on_response sees every answer a handler gave, the 500 of one that threw included: the
// route counters and the access log count 5xx from it.
TEST_F(ServerTest, OnResponseSeesAnswersAndTheFiveHundredOfAThrowingHandler) {
  std::mutex mu;
  std::vector<std::pair<std::string, int>> seen;
  ServerOptions o;
  o.on_response = [&](const HttpRequest& req, HttpResponse& r, double seconds) {
    EXPECT_GE(seconds, 0);
    EXPECT_EQ(req.remote_ip, "127.0.0.1");
    r.headers.emplace_back("X-Seen", "1");
    std::lock_guard<std::mutex> l(mu);
    seen.emplace_back(req.path, r.status);
  };
  StartServer(o);
  EXPECT_NE(Conn(server_->port()).Get("/fine?token=x").find("X-Seen: 1"), std::string::npos);
  EXPECT_NE(Conn(server_->port()).Get("/throw").find("500"), std::string::npos);
  std::lock_guard<std::mutex> l(mu);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], std::make_pair(std::string("/fine"), 200));
  EXPECT_EQ(seen[1], std::make_pair(std::string("/throw"), 500));
}

// What `trail serve` does with on_response (cli/serve.cc): a handler that throws moves the
// 5xx counters, under route "other" for a path no route serves, under its template otherwise.
TEST_F(ServerTest, AThrowingHandlerMovesTheFiveHundredCounters) {
  Metrics metrics;
  ServerOptions o;
  o.on_response = [&](const HttpRequest& req, HttpResponse& r, double) {
    metrics.CountResponse(MatchRoute(req.method, req.path), r.status);
  };
  StartServer(o);
  Conn(server_->port()).Get("/throw");
  Conn(server_->port()).Get("/healthz");
  EXPECT_EQ(metrics.http_responses_5xx.load(), 1u);
  EXPECT_EQ(metrics.http_responses[kRoutes.size()][4].load(), 1u);  // other, 5xx
  const size_t healthz = *MatchRoute("GET", "/healthz");
  EXPECT_EQ(metrics.http_responses[healthz][1].load(), 1u);  // GET /healthz, 2xx
}

}  // namespace
}  // namespace trail
