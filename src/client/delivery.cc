// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// The sending half of trail::Client: an event's NDJSON line, one POST with the server's
// refusals narrowed down to single events, and the sender threads of direct mode.
#include <openssl/rand.h>

#include <boost/json.hpp>
#include <cstring>

#include "client/client_impl.h"
#include "core/json_text.h"
#include "core/time_format.h"

namespace trail {

using client::Delivery;
using client::Line;
using SteadyClock = std::chrono::steady_clock;

namespace {

constexpr size_t kMaxEventBytes = 65536;

std::optional<int64_t> IntField(const boost::json::object& o, std::string_view k) {
  auto it = o.find(k);
  if (it == o.end() || !it->value().is_int64()) return std::nullopt;
  return it->value().as_int64();
}

}  // namespace

// A UUIDv7 (RFC 9562) in 32 hex digits: 48 bits of Unix milliseconds, then 74 random bits.
// Time-ordered keys land at the end of the server's idempotency index instead of on a random
// page of it; with UUIDv4 keys the server ingested about a third as fast (docs/DELIVERY.md).
std::string Client::Impl::NewIdempotencyKey() {
  if (key_used + 10 > key_bytes.size()) {
    key_bytes.resize(4000);
    if (RAND_bytes(reinterpret_cast<unsigned char*>(key_bytes.data()),
                   static_cast<int>(key_bytes.size())) != 1) {
      for (char& c : key_bytes)
        c = static_cast<char>(rng());  // OpenSSL failed: still unique enough
    }
    key_used = 0;
  }
  uint64_t ms = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
  unsigned char b[16];
  for (int i = 0; i < 6; ++i) b[i] = static_cast<unsigned char>(ms >> (8 * (5 - i)));
  std::memcpy(b + 6, key_bytes.data() + key_used, 10);
  key_used += 10;
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x70);  // version 7
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 9562 variant
  static const char* kHex = "0123456789abcdef";
  std::string out(32, '0');
  for (int i = 0; i < 16; ++i) {
    out[2 * i] = kHex[b[i] >> 4];
    out[2 * i + 1] = kHex[b[i] & 15];
  }
  return out;
}

bool Client::Impl::Serialize(client::Item& item, std::string* line, std::string* error) {
  const Event& e = item.event;
  if (e.tag.empty() || e.subject.empty()) {
    *error = "tag and subject are required";
    return false;
  }
  std::string& b = *line;
  b.clear();
  b += "{\"tag\":";
  AppendJsonString(e.tag, &b);
  b += ",\"subject\":";
  AppendJsonString(e.subject, &b);
  for (auto [k, v] : {std::pair<std::string_view, const std::string*>{"actor", &e.actor},
                      {"ip", &e.ip},
                      {"user_agent", &e.user_agent}}) {
    if (v->empty()) continue;
    b += ",\"";
    b += k;
    b += "\":";
    AppendJsonString(*v, &b);
  }
  if (!e.metadata_json.empty()) {
    std::string_view m = e.metadata_json;
    size_t first = m.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos || m[first] != '{') {
      *error = "metadata_json: expected a JSON object";
      return false;
    }
    b += ",\"metadata\":";
    if (m.find_first_of("\r\n") != std::string_view::npos) {  // NDJSON: one line per event
      boost::json::error_code ec;
      auto v = boost::json::parse(m, ec);
      if (ec || !v.is_object()) {
        *error = "metadata_json: not a JSON object";
        return false;
      }
      b += boost::json::serialize(v);
    } else {
      b += m;
    }
  }
  b += ",\"occurred_at\":\"";
  b += FormatRfc3339Micros(
      std::chrono::duration_cast<std::chrono::microseconds>(e.occurred_at->time_since_epoch())
          .count());
  b += "\",\"idempotency_key\":";
  AppendJsonString(e.idempotency_key.empty() ? NewIdempotencyKey() : e.idempotency_key, &b);
  b += '}';
  if (b.size() > kMaxEventBytes) {
    *error = "event is " + std::to_string(b.size()) + " bytes; trail takes at most 65536";
    return false;
  }
  return true;
}

void Client::Impl::Resolve(Line& line, Ack ack) {
  if (line.has_promise) {
    line.promise.set_value(std::move(ack));
    line.has_promise = false;
  }
}

// Sends the lines not yet done until each is acknowledged or refused, or a transient failure
// stops it (the lines still owed are those not done).
Delivery Client::Impl::Deliver(HttpConnection& conn, std::vector<Line>& lines) {
  Delivery out;
  std::vector<std::vector<size_t>> work(1);
  for (size_t i = 0; i < lines.size(); ++i)
    if (!lines[i].done) work[0].push_back(i);
  std::string body;
  while (!work.empty()) {
    std::vector<size_t> part = std::move(work.back());
    work.pop_back();
    if (part.empty()) continue;
    body.clear();
    for (size_t i : part) {
      body += lines[i].text;
      body += '\n';
    }
    auto r =
        conn.Request("POST", target, body, "application/x-ndjson", headers, opt.timeout_seconds);
    if (!r.ok()) {
      out.reason = r.status().message();
      return out;
    }
    int status = r->status;
    boost::json::error_code ec;
    boost::json::value reply = boost::json::parse(r->body, ec);
    if (status == 200 || status == 201) {
      const boost::json::array* acks = nullptr;
      if (!ec && reply.is_object()) {
        if (auto* ev = reply.as_object().if_contains("events"); ev && ev->is_array())
          acks = &ev->as_array();
      }
      for (size_t k = 0; k < part.size(); ++k) {
        Line& l = lines[part[k]];
        l.done = true;
        l.ack = Ack{};
        if (acks && k < acks->size() && (*acks)[k].is_object()) {
          const auto& a = (*acks)[k].as_object();
          if (auto* id = a.if_contains("id"); id && id->is_string())
            l.ack.id = std::string(id->as_string());
          if (auto seq = IntField(a, "seq"); seq && *seq >= 0)
            l.ack.seq = static_cast<uint64_t>(*seq);
        }
      }
      out.sent += part.size();
      continue;
    }
    std::string message = "HTTP " + std::to_string(status);
    std::optional<int64_t> index;
    if (!ec && reply.is_object()) {
      if (auto* err = reply.as_object().if_contains("error"); err && err->is_object()) {
        const auto& eo = err->as_object();
        if (auto* c = eo.if_contains("code"); c && c->is_string())
          message += " " + std::string(c->as_string());
        if (auto* m = eo.if_contains("message"); m && m->is_string())
          message += ": " + std::string(m->as_string());
        index = IntField(eo, "index");
      }
    }
    if (status == 400 || status == 413) {
      auto refuse = [&](size_t i) {
        Line& l = lines[i];
        l.done = true;
        l.ack = Ack{Ack::State::kRefused, "", std::nullopt, message};
        out.refused++;
        Log("trail client: event refused by the server and dropped: " + message +
            "; event: " + l.text.substr(0, 300));
      };
      if (index && *index >= 0 && static_cast<size_t>(*index) < part.size()) {
        refuse(part[static_cast<size_t>(*index)]);
        part.erase(part.begin() + *index);
        work.push_back(std::move(part));
      } else if (part.size() == 1) {
        refuse(part[0]);
      } else {  // a refusal naming no event: halve until it does
        std::vector<size_t> second(part.begin() + static_cast<std::ptrdiff_t>(part.size() / 2),
                                   part.end());
        part.resize(part.size() / 2);
        work.push_back(std::move(second));
        work.push_back(std::move(part));
      }
      continue;
    }
    if (status == 401 || status == 403)
      Log("trail client: " + message + " — check the API key; events are kept");
    if (auto it = r->headers.find("retry-after"); it != r->headers.end()) {
      out.retry_after = client::ParseRetryAfter(
          it->second, std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count());
    }
    out.reason = message;
    return out;
  }
  out.ok = true;
  return out;
}

void Client::Impl::SenderLoop() {
  HttpConnection conn(url, opt.ca_file, opt.insecure);
  std::unique_lock l(mu);
  while (true) {
    sender_cv.wait(l, [&] { return closing || (mode == Mode::kDirect && !ready.empty()); });
    if (closing) return;
    std::unique_ptr<client::Batch> b = std::move(ready.front());
    ready.pop_front();
    at_senders++;
    while (true) {
      while (SteadyClock::now() < retry_at && !closing && mode == Mode::kDirect &&
             flush_gen <= handled_gen)
        sender_cv.wait_until(l, retry_at);
      if (closing || mode != Mode::kDirect) {  // the dispatcher spools it, in order
        failed.push_back(std::move(b));
        break;
      }
      uint64_t gen = handled_gen = flush_gen;
      l.unlock();
      Delivery d = Deliver(conn, b->lines);
      size_t settled = 0;
      for (auto& line : b->lines) {
        if (line.done) {
          Resolve(line, std::move(line.ack));
          settled++;
        }
      }
      std::erase_if(b->lines, [](const Line& x) { return x.done; });
      l.lock();
      counts.sent += d.sent;
      counts.failed += d.refused;
      queued -= settled;
      if (d.ok) {
        open_ranges.erase(b->id);
        Healthy();
        break;
      }
      Failed(gen, d.reason, d.retry_after);
      bool give_up = flushers > 0 || closing || mode != Mode::kDirect ||
                     SteadyClock::now() - *failing_since >= opt.spool_after ||
                     queued >= opt.max_queue / 2;
      if (give_up) {
        failed.push_back(std::move(b));
        break;
      }
    }
    at_senders--;
    work_cv.notify_one();
    done_cv.notify_all();
  }
}

}  // namespace trail
