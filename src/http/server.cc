#include "http/server.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <sys/socket.h>

#include <chrono>
#include <condition_variable>
#include <set>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace trail {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace {
constexpr auto kIdleTimeout = std::chrono::seconds(120);
constexpr size_t kHeaderLimit = 16 * 1024;
constexpr uint64_t kMaxDiscard = 256ull * 1024 * 1024;  // oversize bodies read and dropped
constexpr int kMaxStreams = 256;                          // live tails at once
}  // namespace

struct HttpServer::Impl {
  ServerOptions opt;
  HttpHandler handler;
  net::io_context ioc;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  net::thread_pool workers;
  std::optional<ssl::context> tls;
  tcp::acceptor acceptor{ioc};
  std::vector<std::thread> threads;
  std::atomic<bool> draining{false};
  std::optional<std::chrono::steady_clock::time_point> drain_began;  // set by BeginDrain
  std::atomic<uint16_t> port{0};
  std::atomic<int> streams{0};
  std::mutex mu;
  std::condition_variable idle_cv;
  int in_flight = 0;

  Impl(ServerOptions o, HttpHandler h)
      : opt(std::move(o)), handler(std::move(h)), workers(std::max(1, opt.worker_threads)) {}

  void Begin() {
    std::lock_guard<std::mutex> l(mu);
    ++in_flight;
  }
  std::set<int> stream_fds;  // sockets of running streams (guarded by mu)
  void AddStreamFd(int fd) {
    std::lock_guard<std::mutex> l(mu);
    stream_fds.insert(fd);
  }
  void RemoveStreamFd(int fd) {
    std::lock_guard<std::mutex> l(mu);
    stream_fds.erase(fd);
  }
  // Unblocks streams stuck writing to clients that stopped reading.
  void ShutdownStreams() {
    std::lock_guard<std::mutex> l(mu);
    for (int fd : stream_fds) ::shutdown(fd, SHUT_RDWR);
  }
  void End() {
    std::lock_guard<std::mutex> l(mu);
    if (--in_flight == 0) idle_cv.notify_all();
  }
  void Accept();
};

namespace {

HttpRequest ToRequest(http::request<http::string_body>&& req, const std::string& remote, bool tls) {
  HttpRequest r;
  r.method = std::string(req.method_string());
  std::string_view target = req.target();
  auto q = target.find('?');
  r.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) r.raw_query = std::string(target.substr(q + 1));
  r.content_type = std::string(req[http::field::content_type]);
  r.authorization = std::string(req[http::field::authorization]);
  r.last_event_id = std::string(req["Last-Event-ID"]);
  r.cookie = std::string(req[http::field::cookie]);
  r.host = std::string(req[http::field::host]);
  r.origin = std::string(req[http::field::origin]);
  r.sec_fetch_site = std::string(req["Sec-Fetch-Site"]);
  r.forwarded_proto = std::string(req["X-Forwarded-Proto"]);
  r.body = std::move(req.body());
  r.remote_ip = remote;
  r.tls = tls;
  return r;
}

template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(HttpServer::Impl* srv, Stream&& stream, std::string remote)
      : srv_(srv), stream_(std::move(stream)), remote_(std::move(remote)) {}

  void Start() {
    if constexpr (kTls) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(30));
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (!ec) self->ReadHeader();
                              });
    } else {
      ReadHeader();
    }
  }

 private:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  void ReadHeader() {
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    // No limit while reading the header (Beast would fail on a large Content-Length before we
    // can drain and answer it); the limit is set before the body is read.
    parser_->body_limit(boost::none);
    beast::get_lowest_layer(stream_).expires_after(kIdleTimeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = this->shared_from_this()](beast::error_code ec, size_t) {
                              self->OnHeader(ec);
                            });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return Close();
    keep_alive_ = parser_->get().keep_alive();
    auto len = parser_->content_length();
    if (len && *len > srv_->opt.max_body) {
      discard_left_ = *len;
      return Discard();
    }
    parser_->body_limit(srv_->opt.max_body);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  // Reads and drops an oversize body, then answers 413 (a client still sending would
  // otherwise see a reset instead of the answer).
  void Discard() {
    size_t have = std::min<uint64_t>(buffer_.size(), discard_left_);
    buffer_.consume(have);
    discard_left_ -= have;
    discarded_ += have;
    if (discard_left_ == 0 || discarded_ > kMaxDiscard) return SendTooLarge();
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(30));
    stream_.async_read_some(buffer_.prepare(64 * 1024),
                            [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                              if (ec) return self->Close();
                              self->buffer_.commit(n);
                              self->Discard();
                            });
  }

  void SendTooLarge() {
    HttpResponse r;
    r.status = 413;
    r.body = R"({"error":{"code":"too_large","message":"request body exceeds )" +
             std::to_string(srv_->opt.max_body) + R"( bytes"}})";
    r.close = true;
    Send(std::move(r));
  }

  void OnRead(beast::error_code ec) {
    if (ec == http::error::body_limit) return SendTooLarge();
    if (ec) return Close();
    if (srv_->draining.load()) {
      HttpResponse r;
      r.status = 503;
      r.body = R"({"error":{"code":"unavailable","message":"the server is shutting down"}})";
      r.close = true;
      return Send(std::move(r));
    }
    HttpRequest req = ToRequest(parser_->release(), remote_, kTls);
    srv_->Begin();
    counted_ = true;
    auto self = this->shared_from_this();
    Respond respond = [self](HttpResponse res) {
      net::post(self->stream_.get_executor(), [self, res = std::move(res)]() mutable {
        self->Send(std::move(res));
      });
    };
    if (srv_->opt.run_inline && srv_->opt.run_inline(req)) return srv_->handler(std::move(req), std::move(respond));
    net::post(srv_->workers, [srv = srv_, req = std::move(req), respond = std::move(respond)]() mutable {
      srv->handler(std::move(req), std::move(respond));
    });
  }

  void Send(HttpResponse r) {
    bool close = r.close || !keep_alive_;
    if (r.stream) return SendStream(std::move(r), close);
    auto res = std::make_shared<http::response<http::string_body>>();
    res->version(11);
    res->result(static_cast<unsigned>(r.status));
    res->set(http::field::server, "trail");
    res->set(http::field::content_type, r.content_type);
    for (auto& [k, v] : r.headers) res->set(k, v);
    res->keep_alive(!close);
    res->body() = std::move(r.body);
    res->prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(60));
    http::async_write(stream_, *res,
                      [self = this->shared_from_this(), res, close](beast::error_code ec, size_t) {
                        self->AfterResponse(ec, close);
                      });
  }

  // Chunked streaming: runs the producer on a worker thread with blocking writes; the
  // connection has no other operation pending meanwhile.
  void SendStream(HttpResponse r, bool close) {
    auto self = this->shared_from_this();
    const bool long_lived = r.long_lived;
    auto body = [self, r = std::move(r), close]() mutable {
      beast::error_code ec;
      http::response<http::empty_body> head;
      head.version(11);
      head.result(static_cast<unsigned>(r.status));
      head.set(http::field::server, "trail");
      head.set(http::field::content_type, r.content_type);
      for (auto& [k, v] : r.headers) head.set(k, v);
      head.keep_alive(!close);
      head.chunked(true);
      beast::get_lowest_layer(self->stream_).expires_never();
      http::response_serializer<http::empty_body> sr{head};
      http::write_header(self->stream_, sr, ec);
      std::string chunk;
      bool failed = false;
      while (!ec) {
        chunk.clear();
        bool more = r.stream(&chunk, &failed);
        if (!chunk.empty()) net::write(self->stream_, http::make_chunk(net::buffer(chunk)), ec);
        if (!more || failed) break;
      }
      if (failed && !ec) ec = net::error::operation_aborted;
      if (!ec) net::write(self->stream_, http::make_chunk_last(), ec);
      net::post(self->stream_.get_executor(), [self, ec, close] { self->AfterResponse(ec, close); });
    };
    (void)long_lived;
    // Streams run on threads of their own, not workers: a client that stops reading blocks
    // only its own thread, and Stop() can unblock it by shutting its socket down.
    if (srv_->streams.fetch_add(1) >= kMaxStreams) {
      srv_->streams.fetch_sub(1);
      HttpResponse busy;
      busy.status = 503;
      busy.body = R"({"error":{"code":"unavailable","message":"too many streams"}})";
      busy.close = true;
      return Send(std::move(busy));
    }
    const int fd = beast::get_lowest_layer(stream_).socket().native_handle();
    srv_->AddStreamFd(fd);
    std::thread([srv = srv_, fd, body = std::move(body)]() mutable {
      body();
      srv->RemoveStreamFd(fd);
      srv->streams.fetch_sub(1);
    }).detach();
  }

  void AfterResponse(beast::error_code ec, bool close) {
    // Requests that reached a handler were counted in OnRead; 413/503 answered here were not.
    if (counted_) {
      counted_ = false;
      srv_->End();
    }
    if (ec || close) return Close();
    ReadHeader();
  }

  void Close() {
    beast::error_code ec;
    if constexpr (kTls) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
        beast::error_code e;
        beast::get_lowest_layer(self->stream_).socket().close(e);
      });
    } else {
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
      stream_.socket().close(ec);
    }
  }

  HttpServer::Impl* srv_;
  Stream stream_;
  std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool keep_alive_ = true;
  uint64_t discard_left_ = 0;
  uint64_t discarded_ = 0;
  bool counted_ = false;

  friend class HttpServer;
};

}  // namespace

void HttpServer::Impl::Accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket sock) {
    if (ec) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
      return Accept();
    }
    if (draining.load()) {
      beast::error_code e;
      sock.close(e);
      return;
    }
    sock.set_option(tcp::no_delay(true), ec);
    beast::error_code rec;
    auto ep = sock.remote_endpoint(rec);
    std::string remote = rec ? "" : ep.address().to_string();
    if (tls) {
      using S = beast::ssl_stream<beast::tcp_stream>;
      std::make_shared<Session<S>>(this, S(beast::tcp_stream(std::move(sock)), *tls), remote)->Start();
    } else {
      std::make_shared<Session<beast::tcp_stream>>(this, beast::tcp_stream(std::move(sock)), remote)->Start();
    }
    Accept();
  });
}

bool SplitHostPort(const std::string& s, std::string* host, uint16_t* port) {
  std::string h, p;
  if (!s.empty() && s[0] == '[') {
    auto close = s.find(']');
    if (close == std::string::npos || close + 1 >= s.size() || s[close + 1] != ':') return false;
    h = s.substr(1, close - 1);
    p = s.substr(close + 2);
  } else {
    auto colon = s.rfind(':');
    if (colon == std::string::npos) return false;
    h = s.substr(0, colon);
    p = s.substr(colon + 1);
  }
  if (h.empty()) h = "0.0.0.0";
  if (p.empty() || p.size() > 5) return false;
  unsigned v = 0;
  for (char c : p) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  if (v > 65535) return false;
  *host = h;
  *port = static_cast<uint16_t>(v);
  return true;
}

HttpServer::HttpServer(ServerOptions options, HttpHandler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Start() {
  auto& im = *impl_;
  std::string host;
  uint16_t port = 0;
  if (!SplitHostPort(im.opt.listen, &host, &port))
    return Status::Invalid("invalid_config", "listen: '" + im.opt.listen + "' is not host:port");
  if (!im.opt.tls_cert.empty() || !im.opt.tls_key.empty()) {
    if (im.opt.tls_cert.empty() || im.opt.tls_key.empty())
      return Status::Invalid("invalid_config", "TLS needs both a certificate and a key");
    try {
      im.tls.emplace(ssl::context::tls_server);
      im.tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                          ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
      im.tls->use_certificate_chain_file(im.opt.tls_cert);
      im.tls->use_private_key_file(im.opt.tls_key, ssl::context::pem);
      if (SSL_CTX_check_private_key(im.tls->native_handle()) != 1)
        return Status::Invalid("invalid_config", "TLS: the key does not match the certificate");
    } catch (const std::exception& e) {
      return Status::Invalid("invalid_config", std::string("TLS: ") + e.what());
    }
  }
  beast::error_code ec;
  auto addr = net::ip::make_address(host, ec);
  if (ec) return Status::Invalid("invalid_config", "listen: '" + host + "' is not an IP address");
  tcp::endpoint ep(addr, port);
  im.acceptor.open(ep.protocol(), ec);
  if (!ec) im.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) im.acceptor.bind(ep, ec);
  if (!ec) im.acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return Status::Unavailable("listen on " + im.opt.listen + ": " + ec.message());
  im.port = im.acceptor.local_endpoint().port();
  im.work.emplace(im.ioc.get_executor());
  im.Accept();
  for (int i = 0; i < std::max(1, im.opt.io_threads); ++i) im.threads.emplace_back([&im] { im.ioc.run(); });
  return Status::Ok();
}

uint16_t HttpServer::port() const { return impl_->port.load(); }

void HttpServer::BeginDrain() {
  auto& im = *impl_;
  if (!im.draining.load()) im.drain_began = std::chrono::steady_clock::now();
  im.draining = true;
  net::post(im.ioc, [&im] {
    beast::error_code ec;
    im.acceptor.close(ec);
  });
}

bool HttpServer::WaitIdle(double timeout_seconds) {
  auto& im = *impl_;
  std::unique_lock<std::mutex> l(im.mu);
  return im.idle_cv.wait_for(l, std::chrono::duration<double>(timeout_seconds),
                             [&] { return im.in_flight == 0; });
}

void HttpServer::Stop() {
  auto& im = *impl_;
  if (im.threads.empty()) return;
  im.draining = true;
  // Live streams notice the drain within a second (see Api's stream loop): wait until two
  // seconds after the drain began (BeginDrain, usually long ago — the caller has waited for
  // in-flight requests since — so this costs nothing of SIGTERM's 10 s), then cut off streams
  // stuck on a client that stopped reading.
  const auto noticed = im.drain_began.value_or(std::chrono::steady_clock::now()) + std::chrono::seconds(2);
  while (im.streams.load() > 0 && std::chrono::steady_clock::now() < noticed)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  im.ShutdownStreams();
  for (int i = 0; i < 30 && im.streams.load() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  im.work.reset();
  im.ioc.stop();
  for (auto& t : im.threads) t.join();
  im.threads.clear();
  im.workers.join();
}

}  // namespace trail
