// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "http/server.h"

// GCC 12 under -fsanitize=address warns that Beast's parser reads an uninitialised
// boost::optional inside content_length() (basic_parser.hpp:66); a false positive of the
// sanitizer's instrumentation that only the ASan build shows, and -Werror would stop it.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "http/errors.h"

namespace trail {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace {
constexpr size_t kHeaderLimit = 16 * 1024;
constexpr uint64_t kMaxDiscard = 256ull * 1024 * 1024;  // oversize bodies read and dropped
constexpr int kMaxStreams = 256;                        // live tails at once
constexpr size_t kStreamSlice = 64 * 1024;              // a stream's unit of write progress
constexpr auto kAcceptBackoff = std::chrono::milliseconds(100);

std::chrono::steady_clock::duration Seconds(double s) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(s));
}

int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// accept() failed for want of a descriptor or kernel memory: retrying at once would spin.
bool OutOfResources(const boost::system::error_code& ec) {
  const int v = ec.value();
  return ec.category() == boost::system::system_category() &&
         (v == EMFILE || v == ENFILE || v == ENOBUFS || v == ENOMEM);
}

// A running stream's write, watched so that a client that stopped reading is cut off.
struct StreamWatch {
  std::atomic<int64_t> writing_since{0};         // steady nanos; 0 while not writing
  bool cut = false;                              // guarded by Impl::mu
  std::shared_ptr<std::atomic<bool>> cancelled;  // the response's, when it has one
};
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
  std::atomic<size_t> connections{0};
  size_t max_connections = 0;
  HttpServerStats own_stats;
  HttpServerStats* stats = nullptr;
  net::steady_timer accept_backoff{ioc};
  net::steady_timer watchdog{ioc};
  std::mutex mu;
  std::condition_variable idle_cv;
  int in_flight = 0;

  Impl(ServerOptions o, HttpHandler h)
      : opt(std::move(o)), handler(std::move(h)), workers(std::max(1, opt.worker_threads)) {
    stats = opt.stats ? opt.stats : &own_stats;
    max_connections = opt.max_connections ? opt.max_connections : DefaultMaxConnections();
  }

  void Log(const std::string& line) {
    if (opt.log) return opt.log(line);
    std::fprintf(stderr, "trail: %s\n", line.c_str());
    std::fflush(stderr);
  }

  // Runs the handler; an exception it throws is answered 500 with a request id (unless it
  // answered already), logged with the request line and counted. Never throws.
  void Dispatch(HttpRequest req, Respond respond) {
    HttpRequest line;  // what the log needs, not the body
    line.method = req.method;
    line.path = req.path;
    line.raw_query = req.raw_query;
    line.remote_ip = req.remote_ip;
    if (opt.on_response) {
      respond = [this, line, t0 = std::chrono::steady_clock::now(),
                 inner = std::move(respond)](HttpResponse r) {
        try {
          opt.on_response(
              line, r,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        } catch (...) {  // an observer's failure must not lose the answer
        }
        inner(std::move(r));
      };
    }
    auto answered = std::make_shared<std::atomic<bool>>(false);
    Respond once = [answered, respond](HttpResponse r) {
      if (!answered->exchange(true)) respond(std::move(r));
    };
    try {
      handler(std::move(req), once);
      return;
    } catch (const std::exception& e) {
      Failed(line, e.what(), answered, respond);
    } catch (...) {
      Failed(line, "unknown exception", answered, respond);
    }
  }

  void Failed(const HttpRequest& line, const char* what,
              const std::shared_ptr<std::atomic<bool>>& answered, const Respond& respond) {
    try {
      const std::string id = NewRequestId();
      stats->internal_errors++;
      Log("internal error " + id + " on " + RequestLine(line) + ": " + what);
      if (answered->exchange(true)) return;
      HttpResponse r;
      try {
        r = opt.internal_error ? opt.internal_error(line, id) : InternalErrorResponse(id);
      } catch (...) {
        r = InternalErrorResponse(id);
      }
      bool has_id = false;
      for (const auto& [k, v] : r.headers) has_id = has_id || k == "X-Request-Id";
      if (!has_id) r.headers.emplace_back("X-Request-Id", id);
      respond(std::move(r));
    } catch (...) {  // out of memory while reporting: the connection ends, the process stays
    }
  }

  // Every half second: cut off streams stuck writing to a client that stopped reading.
  void Watch() {
    watchdog.expires_after(std::chrono::milliseconds(500));
    watchdog.async_wait([this](beast::error_code ec) {
      if (ec) return;
      const int64_t limit = static_cast<int64_t>(opt.write_timeout * 1e9), now = NowNanos();
      {
        std::lock_guard<std::mutex> l(mu);
        for (auto& [fd, w] : stream_fds) {
          if (w->cut) continue;
          const int64_t since = w->writing_since.load();
          bool stalled = since != 0 && now - since >= limit;
          // A client that closed or reset its end: the producer stops waiting for data now
          // rather than at its next write (which frees its per-principal slot).
          pollfd p{fd, POLLRDHUP, 0};
          bool gone = ::poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
          if (!stalled && !gone) continue;
          w->cut = true;
          if (stalled) stats->write_stalls++;
          if (w->cancelled) *w->cancelled = true;
          ::shutdown(fd, SHUT_RDWR);
        }
      }
      Watch();
    });
  }

  void Begin() {
    std::lock_guard<std::mutex> l(mu);
    ++in_flight;
  }
  std::map<int, std::shared_ptr<StreamWatch>>
      stream_fds;  // sockets of running streams (guarded by mu)
  void AddStreamFd(int fd, std::shared_ptr<StreamWatch> watch) {
    std::lock_guard<std::mutex> l(mu);
    stream_fds[fd] = std::move(watch);
  }
  void RemoveStreamFd(int fd) {
    std::lock_guard<std::mutex> l(mu);
    stream_fds.erase(fd);
  }
  // Unblocks streams stuck writing to clients that stopped reading.
  void ShutdownStreams() {
    std::lock_guard<std::mutex> l(mu);
    for (const auto& [fd, w] : stream_fds) ::shutdown(fd, SHUT_RDWR);
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
  // The connection was counted in srv->connections when it was accepted; it is uncounted here.
  Session(HttpServer::Impl* srv, Stream&& stream, std::string remote)
      : srv_(srv), stream_(std::move(stream)), remote_(std::move(remote)) {}
  ~Session() {
    srv_->connections.fetch_sub(1);
    srv_->stats->connections_open.fetch_sub(1);
  }

  void Start() {
    if constexpr (kTls) {
      Expire(srv_->opt.header_timeout);
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) {  // no TLS session to close politely
                                  if (ec == beast::error::timeout) self->srv_->stats->timeouts++;
                                  beast::error_code e;
                                  beast::get_lowest_layer(self->stream_).socket().close(e);
                                  return;
                                }
                                self->ReadHeader();
                              });
    } else {
      ReadHeader();
    }
  }

 private:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  void Expire(double seconds) { beast::get_lowest_layer(stream_).expires_after(Seconds(seconds)); }

  // A keep-alive connection may wait idle_timeout for its next request; from its first byte
  // on, the header must be complete within header_timeout (a client trickling it is dropped).
  void ReadHeader() {
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    // No limit while reading the header (Beast would fail on a large Content-Length before we
    // can drain and answer it); the limit is set before the body is read.
    parser_->body_limit(boost::none);
    if (buffer_.size() > 0) return ReadRestOfHeader();  // pipelined: already here
    Expire(srv_->opt.idle_timeout);
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                              if (ec) return self->Close(ec);
                              self->buffer_.commit(n);
                              self->ReadRestOfHeader();
                            });
  }

  void ReadRestOfHeader() {
    Expire(srv_->opt.header_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return Close(ec);
    keep_alive_ = parser_->get().keep_alive();
    auto len = parser_->content_length();
    if (len && *len > srv_->opt.max_body) {
      discard_left_ = *len;
      Expire(srv_->opt.idle_timeout);  // for all of the discarding: one deadline, not one per read
      return Discard();
    }
    parser_->body_limit(srv_->opt.max_body);
    Expire(srv_->opt.idle_timeout);  // the whole body, however slowly it comes
    http::async_read(
        stream_, buffer_, *parser_,
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
    stream_.async_read_some(buffer_.prepare(64 * 1024),
                            [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                              if (ec) return self->Close(ec);
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
    if (ec) return Close(ec);
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
      net::post(self->stream_.get_executor(),
                [self, res = std::move(res)]() mutable { self->Send(std::move(res)); });
    };
    bool inline_ok = false;
    try {
      inline_ok = srv_->opt.run_inline && srv_->opt.run_inline(req);
    } catch (...) {
    }
    if (inline_ok) return srv_->Dispatch(std::move(req), std::move(respond));
    net::post(srv_->workers,
              [srv = srv_, req = std::move(req), respond = std::move(respond)]() mutable {
                srv->Dispatch(std::move(req), std::move(respond));
              });
  }

  void Send(HttpResponse r) {
    bool close = r.close || !keep_alive_;
    if (r.stream) return SendStream(std::move(r), close);
    auto res = std::make_shared<http::response<http::string_body>>();
    try {
      res->version(11);
      res->result(static_cast<unsigned>(r.status));
      res->set(http::field::server, "trail");
      res->set(http::field::content_type, r.content_type);
      for (auto& [k, v] : r.headers) res->set(k, v);
      res->keep_alive(!close);
      res->body() = std::move(r.body);
      res->prepare_payload();
    } catch (const std::exception& e) {
      // A response Beast cannot serialize (a bad header): the client sees the connection end.
      srv_->stats->internal_errors++;
      srv_->Log(std::string("internal error: an answer could not be sent: ") + e.what());
      return AfterResponse(net::error::operation_aborted, true);
    }
    Expire(srv_->opt.write_timeout);
    http::async_write(stream_, *res,
                      [self = this->shared_from_this(), res, close](beast::error_code ec, size_t) {
                        if (ec == beast::error::timeout) self->srv_->stats->write_stalls++;
                        self->AfterResponse(ec, close);
                      });
  }

  // Chunked streaming: runs the producer on a thread of its own with blocking writes; the
  // connection has no other operation pending meanwhile. Each 64 KiB is one chunk, so a
  // client that reads slowly makes progress; one that stops reading for write_timeout is cut
  // off by the server's watchdog (Impl::Watch), which shuts its socket down.
  void SendStream(HttpResponse r, bool close) {
    auto self = this->shared_from_this();
    auto watch = std::make_shared<StreamWatch>();
    watch->cancelled = r.cancelled;
    auto body = [self, watch, r = std::move(r), close]() mutable {
      beast::error_code ec;
      HttpServer::Impl* srv = self->srv_;
      auto guarded = [&](auto&& write) {
        watch->writing_since = NowNanos();
        write();
        watch->writing_since = 0;
      };
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
      guarded([&] { http::write_header(self->stream_, sr, ec); });
      std::string chunk;
      bool failed = false;
      while (!ec) {
        chunk.clear();
        bool more = false;
        try {
          more = r.stream(&chunk, &failed);
        } catch (const std::exception& e) {
          // The head (200) is gone: end without the last chunk, so the client sees it is cut.
          srv->stats->internal_errors++;
          srv->Log("internal error " + NewRequestId() + " in a stream: " + e.what());
          failed = true;
        } catch (...) {
          srv->stats->internal_errors++;
          srv->Log("internal error " + NewRequestId() + " in a stream");
          failed = true;
        }
        for (size_t off = 0; off < chunk.size() && !ec && !failed; off += kStreamSlice) {
          const size_t n = std::min(kStreamSlice, chunk.size() - off);
          guarded([&] {
            net::write(self->stream_, http::make_chunk(net::buffer(chunk.data() + off, n)), ec);
          });
        }
        if (!more || failed) break;
      }
      if (failed && !ec) ec = net::error::operation_aborted;
      if (!ec) guarded([&] { net::write(self->stream_, http::make_chunk_last(), ec); });
      net::post(self->stream_.get_executor(),
                [self, ec, close] { self->AfterResponse(ec, close); });
    };
    // Streams run on threads of their own, not workers: a client that stops reading blocks
    // only its own thread, and Stop() can unblock it by shutting its socket down.
    auto busy = [&](const char* why) {
      HttpResponse r503;
      r503.status = 503;
      r503.body = std::string(R"({"error":{"code":"unavailable","message":")") + why + "\"}}";
      r503.headers.emplace_back("Retry-After", "2");
      r503.close = true;
      Send(std::move(r503));
    };
    if (srv_->streams.fetch_add(1) >= kMaxStreams) {
      srv_->streams.fetch_sub(1);
      return busy("too many streams");
    }
    const int fd = beast::get_lowest_layer(stream_).socket().native_handle();
    srv_->AddStreamFd(fd, watch);
    try {
      std::thread([srv = srv_, fd, body = std::move(body)]() mutable {
        try {
          body();
        } catch (const std::exception& e) {
          srv->stats->internal_errors++;
          srv->Log(std::string("internal error in a stream: ") + e.what());
        } catch (...) {
          srv->stats->internal_errors++;
        }
        srv->RemoveStreamFd(fd);
        srv->streams.fetch_sub(1);
      }).detach();
    } catch (const std::system_error&) {  // no thread to be had
      srv_->RemoveStreamFd(fd);
      srv_->streams.fetch_sub(1);
      busy("no thread for another stream");
    }
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

  void Close(beast::error_code why = {}) {
    if (why == beast::error::timeout) srv_->stats->timeouts++;
    beast::error_code ec;
    if constexpr (kTls) {
      if (why == beast::error::timeout) {  // no polite TLS close with a client that stalls
        beast::get_lowest_layer(stream_).socket().close(ec);
        return;
      }
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
      if (OutOfResources(ec)) {
        // Out of descriptors: the pending connection stays queued; try again shortly rather
        // than spin on accept() at full CPU.
        if (stats->accept_backoffs++ % 100 == 0) Log("accept: " + ec.message() + "; backing off");
        accept_backoff.expires_after(kAcceptBackoff);
        accept_backoff.async_wait([this](beast::error_code e) {
          if (!e) Accept();
        });
        return;
      }
      return Accept();
    }
    beast::error_code e;
    if (draining.load()) {
      sock.close(e);
      return;
    }
    if (connections.load() >= max_connections) {
      // Refused at once, with a plain answer where one can be given without waiting.
      stats->connections_refused++;
      if (!tls) {
        static constexpr std::string_view kBusy =
            "HTTP/1.1 503 Service Unavailable\r\nServer: trail\r\nContent-Type: "
            "application/json\r\n"
            "Retry-After: 1\r\nConnection: close\r\nContent-Length: 76\r\n\r\n"
            R"({"error":{"code":"unavailable","message":"too many connections; try again"}})";
        sock.non_blocking(true, e);
        if (!e) sock.send(net::buffer(kBusy), 0, e);
        sock.shutdown(tcp::socket::shutdown_send, e);
      }
      sock.close(e);
      return Accept();
    }
    connections.fetch_add(1);
    stats->connections_open.fetch_add(1);
    sock.set_option(tcp::no_delay(true), e);
    auto ep = sock.remote_endpoint(e);
    std::string remote = e ? "" : ep.address().to_string();
    try {
      if (tls) {
        using S = beast::ssl_stream<beast::tcp_stream>;
        std::make_shared<Session<S>>(this, S(beast::tcp_stream(std::move(sock)), *tls), remote)
            ->Start();
      } else {
        std::make_shared<Session<beast::tcp_stream>>(this, beast::tcp_stream(std::move(sock)),
                                                     remote)
            ->Start();
      }
    } catch (const std::exception& ex) {  // the session uncounted itself when it went
      Log(std::string("accept: ") + ex.what());
    }
    Accept();
  });
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
                          ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                          ssl::context::no_tlsv1_1);
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
  im.Watch();
  for (int i = 0; i < std::max(1, im.opt.io_threads); ++i) {
    im.threads.emplace_back([&im] {
      // An exception from a completion handler unwinds run(): log it and carry on serving.
      while (true) {
        try {
          im.ioc.run();
          return;
        } catch (const std::exception& e) {
          im.stats->internal_errors++;
          im.Log(std::string("internal error on an I/O thread: ") + e.what());
        } catch (...) {
          im.stats->internal_errors++;
          im.Log("internal error on an I/O thread");
        }
      }
    });
  }
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
  const auto noticed =
      im.drain_began.value_or(std::chrono::steady_clock::now()) + std::chrono::seconds(2);
  while (im.streams.load() > 0 && std::chrono::steady_clock::now() < noticed)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  im.ShutdownStreams();
  for (int i = 0; i < 30 && im.streams.load() > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  im.work.reset();
  im.ioc.stop();
  for (auto& t : im.threads) t.join();
  im.threads.clear();
  im.workers.join();
}

}  // namespace trail
