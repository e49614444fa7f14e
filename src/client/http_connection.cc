// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "client/http_connection.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>

namespace trail {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

Result<ParsedUrl> ParseUrl(const std::string& url) {
  ParsedUrl u;
  std::string rest;
  if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else if (url.rfind("https://", 0) == 0) {
    rest = url.substr(8);
    u.tls = true;
  } else {
    return Status::Invalid("invalid_url", "url must start with http:// or https://: " + url);
  }
  auto slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  if (slash != std::string::npos) u.base_path = rest.substr(slash);
  while (!u.base_path.empty() && u.base_path.back() == '/') u.base_path.pop_back();
  if (!hostport.empty() && hostport[0] == '[') {
    auto close = hostport.find(']');
    if (close == std::string::npos)
      return Status::Invalid("invalid_url", "bad IPv6 host in " + url);
    u.host = hostport.substr(1, close - 1);
    if (close + 1 < hostport.size() && hostport[close + 1] == ':')
      u.port = hostport.substr(close + 2);
  } else {
    auto colon = hostport.rfind(':');
    u.host = hostport.substr(0, colon);
    if (colon != std::string::npos) u.port = hostport.substr(colon + 1);
  }
  if (u.host.empty()) return Status::Invalid("invalid_url", "no host in " + url);
  if (u.port.empty()) u.port = u.tls ? "443" : "80";
  return u;
}

struct HttpConnection::Impl {
  ParsedUrl url;
  net::io_context ioc;
  std::optional<ssl::context> ctx;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;

  beast::tcp_stream& lowest() { return secure ? beast::get_lowest_layer(*secure) : *plain; }

  Status Connect(double timeout) {
    if (plain || secure) return Status::Ok();
    beast::error_code ec;
    tcp::resolver resolver(ioc);
    auto results = resolver.resolve(url.host, url.port, ec);
    if (ec) return Status::Unavailable("resolve " + url.host + ": " + ec.message());
    buffer.clear();
    auto to = std::chrono::milliseconds(static_cast<int64_t>(timeout * 1000));
    if (url.tls) {
      secure.emplace(ioc, *ctx);
      beast::get_lowest_layer(*secure).expires_after(to);
      beast::get_lowest_layer(*secure).connect(results, ec);
      if (!ec) {
        if (!SSL_set_tlsext_host_name(secure->native_handle(), url.host.c_str()))
          ec = beast::error_code(static_cast<int>(::ERR_get_error()),
                                 net::error::get_ssl_category());
      }
      if (!ec) secure->handshake(ssl::stream_base::client, ec);
    } else {
      plain.emplace(ioc);
      plain->expires_after(to);
      plain->connect(results, ec);
    }
    if (ec) {
      Reset();
      return Status::Unavailable("connect " + url.host + ":" + url.port + ": " + ec.message());
    }
    beast::error_code nd;
    lowest().socket().set_option(tcp::no_delay(true), nd);
    return Status::Ok();
  }

  void Reset() {
    beast::error_code ec;
    if (plain) plain->socket().close(ec);
    if (secure) beast::get_lowest_layer(*secure).socket().close(ec);
    plain.reset();
    secure.reset();
  }

  template <class F>
  void WithStream(F&& f) {
    if (secure) {
      f(*secure);
    } else {
      f(*plain);
    }
  }
};

HttpConnection::HttpConnection(ParsedUrl url, std::string ca_file, bool insecure)
    : impl_(std::make_unique<Impl>()) {
  impl_->url = std::move(url);
  if (impl_->url.tls) {
    impl_->ctx.emplace(ssl::context::tls_client);
    if (insecure) {
      impl_->ctx->set_verify_mode(ssl::verify_none);
    } else {
      impl_->ctx->set_verify_mode(ssl::verify_peer);
      beast::error_code ec;
      if (!ca_file.empty()) {
        impl_->ctx->load_verify_file(ca_file, ec);
      } else {
        impl_->ctx->set_default_verify_paths(ec);
      }
    }
  }
}

HttpConnection::~HttpConnection() { Close(); }

void HttpConnection::Close() { impl_->Reset(); }

Result<HttpResult> HttpConnection::Request(const std::string& method, const std::string& target,
                                           const std::string& body, const std::string& content_type,
                                           const std::map<std::string, std::string>& headers,
                                           double timeout_seconds) {
  // One retry on a fresh connection: a keep-alive connection may have been closed by the
  // server since the last call.
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool reused = impl_->plain || impl_->secure;
    TRAIL_RETURN_IF_ERROR(impl_->Connect(timeout_seconds));
    http::request<http::string_body> req{http::string_to_verb(method),
                                         impl_->url.base_path + target, 11};
    req.set(http::field::host, impl_->url.host);
    req.set(http::field::user_agent, "trail-cli/0.1");
    for (const auto& [k, v] : headers) req.set(k, v);
    if (!content_type.empty()) req.set(http::field::content_type, content_type);
    req.body() = body;
    req.prepare_payload();
    beast::error_code ec;
    http::response_parser<http::string_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    impl_->lowest().expires_after(
        std::chrono::milliseconds(static_cast<int64_t>(timeout_seconds * 1000)));
    impl_->WithStream([&](auto& s) {
      http::write(s, req, ec);
      if (!ec) http::read(s, impl_->buffer, parser, ec);
    });
    if (ec) {
      impl_->Reset();
      if (reused && attempt == 0) continue;
      return Status::Unavailable("HTTP " + method + " " + target + ": " + ec.message());
    }
    auto res = parser.release();
    HttpResult out;
    out.status = static_cast<int>(res.result_int());
    out.body = std::move(res.body());
    for (const auto& f : res) {
      std::string name(f.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers[name] = std::string(f.value());
    }
    if (!res.keep_alive()) impl_->Reset();
    return out;
  }
  return Status::Unavailable("HTTP " + method + " " + target + ": connection lost");
}

Result<int> HttpConnection::Stream(const std::string& target,
                                   const std::map<std::string, std::string>& headers,
                                   const std::function<bool(std::string_view)>& sink,
                                   std::string* error_body) {
  TRAIL_RETURN_IF_ERROR(impl_->Connect(60));
  http::request<http::empty_body> req{http::verb::get, impl_->url.base_path + target, 11};
  req.set(http::field::host, impl_->url.host);
  for (const auto& [k, v] : headers) req.set(k, v);
  beast::error_code ec;
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  impl_->lowest().expires_never();
  int status = 0;
  impl_->WithStream([&](auto& s) {
    http::write(s, req, ec);
    if (ec) return;
    http::read_header(s, impl_->buffer, parser, ec);
    if (ec) return;
    status = static_cast<int>(parser.get().result_int());
    const bool ok = status / 100 == 2;
    char buf[64 * 1024];
    while (!parser.is_done()) {
      parser.get().body().data = buf;
      parser.get().body().size = sizeof buf;
      http::read(s, impl_->buffer, parser, ec);
      if (ec == http::error::need_buffer) ec = {};
      if (ec) return;
      std::string_view chunk(buf, sizeof buf - parser.get().body().size);
      if (!ok) {
        if (error_body && error_body->size() < (1 << 20)) error_body->append(chunk);
      } else if (!sink(chunk)) {
        return;
      }
    }
  });
  impl_->Reset();
  if (ec) return Status::Unavailable("HTTP GET " + target + ": " + ec.message());
  return status;
}

}  // namespace trail
