// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// Commands that talk to a running server over the HTTP API: record, query, keys; and
// `types check`, which reads a file alone.
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <thread>

#include "auth/secret_file.h"
#include "cli/commands.h"
#include "client/http_connection.h"
#include "core/event_types.h"
#include "core/jcs.h"
#include "query/query.h"

namespace trail {
namespace {

int Fail(const std::string& msg) {
  std::fprintf(stderr, "trail: %s\n", msg.c_str());
  return 1;
}

// The server's error message, or the body.
std::string ErrorText(const HttpResult& r) {
  boost::json::error_code ec;
  auto v = boost::json::parse(r.body, ec);
  if (!ec && v.is_object() && v.as_object().contains("error") &&
      v.as_object().at("error").is_object()) {
    const auto& e = v.as_object().at("error").as_object();
    std::string out = "HTTP " + std::to_string(r.status);
    if (auto c = e.if_contains("code"); c && c->is_string())
      out += " " + std::string(c->get_string());
    if (auto m = e.if_contains("message"); m && m->is_string())
      out += ": " + std::string(m->get_string());
    return out;
  }
  return "HTTP " + std::to_string(r.status) + ": " + r.body.substr(0, 300);
}

struct Client {
  std::unique_ptr<HttpConnection> conn;
  std::map<std::string, std::string> auth;
};

Result<Client> Connect(const Remote& r) {
  auto url = ParseUrl(r.url);
  if (!url.ok()) return url.status();
  std::string key = r.ResolveKey();
  if (key.empty()) return Status::Unauthenticated("no key: pass --key or --data with an admin.key");
  Client c;
  c.conn = std::make_unique<HttpConnection>(*url, r.cacert, r.insecure);
  c.auth["Authorization"] = "Bearer " + key;
  return c;
}

// --meta key=value: typed by the event type's declared field (fetched from /v1/types).
Result<boost::json::value> MetaValue(const std::string& raw, std::string_view type) {
  if (type == "string" || type.empty()) return boost::json::value(raw);
  boost::json::error_code ec;
  auto v = ParseJsonExact(raw, ec);
  if (ec) return Status::Invalid("invalid_meta", "'" + raw + "' is not a " + std::string(type));
  return v;
}

int Record(const Remote& remote, const std::string& tag, const std::string& subject,
           const std::string& actor, const std::string& ip, const std::string& ua,
           const std::string& occurred, const std::string& idem,
           const std::vector<std::string>& metas) {
  auto c = Connect(remote);
  if (!c.ok()) return Fail(c.status().message());
  std::map<std::string, std::string> field_types;
  if (!metas.empty()) {
    auto t = c->conn->Request("GET", "/v1/types", "", "", c->auth);
    if (t.ok() && t->status == 200) {
      boost::json::error_code ec;
      auto v = boost::json::parse(t->body, ec);
      if (!ec && v.is_object() && v.as_object().contains("types")) {
        for (const auto& ty : v.as_object().at("types").as_array()) {
          const auto& o = ty.as_object();
          if (o.at("tag").as_string() != tag) continue;
          for (const auto& f : o.at("fields").as_object()) {
            std::string tn(f.value().as_string());
            if (!tn.empty() && tn.back() == '?') tn.pop_back();
            field_types[std::string(f.key())] = tn;
          }
        }
      }
    }
  }
  boost::json::object ev{{"tag", tag}, {"subject", subject}};
  if (!actor.empty()) ev["actor"] = actor;
  if (!ip.empty()) ev["ip"] = ip;
  if (!ua.empty()) ev["user_agent"] = ua;
  if (!occurred.empty()) ev["occurred_at"] = occurred;
  if (!idem.empty()) ev["idempotency_key"] = idem;
  boost::json::object meta;
  for (const auto& m : metas) {
    auto eq = m.find('=');
    if (eq == std::string::npos || eq == 0) return Fail("--meta takes key=value, not '" + m + "'");
    std::string k = m.substr(0, eq);
    auto v = MetaValue(m.substr(eq + 1), field_types.count(k) ? field_types[k] : "string");
    if (!v.ok()) return Fail("--meta " + k + ": " + v.status().message());
    meta[k] = *v;
  }
  if (!meta.empty()) ev["metadata"] = meta;
  auto r = c->conn->Request("POST", "/v1/events", boost::json::serialize(ev), "application/json",
                            c->auth);
  if (!r.ok()) return Fail(r.status().message());
  if (r->status != 201 && r->status != 200) return Fail(ErrorText(*r));
  std::cout << r->body << "\n";
  return 0;
}

struct QueryFlags {
  std::string subject, actor, tag, ip, since, until, q, order = "desc", format = "table", cursor;
  int limit = 50;
};

std::string Cell(const boost::json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_null()) return "";
  return boost::json::serialize(v);
}

void PrintTable(const std::vector<boost::json::object>& rows) {
  std::printf("%-27s  %-28s  %-24s  %-14s  %-15s  %s\n", "TIME", "TAG", "SUBJECT", "ACTOR", "IP",
              "DESCRIPTION");
  for (const auto& e : rows) {
    auto get = [&](const char* k) { return e.contains(k) ? Cell(e.at(k)) : std::string(); };
    std::printf("%-27s  %-28s  %-24s  %-14s  %-15s  %s\n", get("recorded_at").c_str(),
                get("tag").c_str(), get("subject").c_str(), get("actor").c_str(), get("ip").c_str(),
                get("description").c_str());
  }
}

int RunQuery(const Remote& remote, const QueryFlags& f) {
  if (f.format != "table" && f.format != "json" && f.format != "ndjson" && f.format != "csv")
    return Fail("--format is table, json, ndjson or csv");
  auto c = Connect(remote);
  if (!c.ok()) return Fail(c.status().message());
  std::string params;
  auto add = [&](const char* k, const std::string& v) {
    if (v.empty()) return;
    params += params.empty() ? "?" : "&";
    params += std::string(k) + "=" + UrlEncodeComponent(v, true);
  };
  add("subject", f.subject);
  add("actor", f.actor);
  add("tag", f.tag);
  add("ip", f.ip);
  add("since", f.since);
  add("until", f.until);
  add("q", f.q);
  add("order", f.order);
  if (f.format == "csv") {
    // CSV comes from the export endpoint, which streams every match.
    HttpResult error;
    auto st = c->conn->Stream(
        "/v1/export" + params + (params.empty() ? "?" : "&") + "format=csv", c->auth,
        [](std::string_view chunk) {
          return std::fwrite(chunk.data(), 1, chunk.size(), stdout) == chunk.size();
        },
        &error.body);
    if (!st.ok()) return Fail(st.status().message());
    error.status = *st;
    return *st == 200 ? 0 : Fail(ErrorText(error));
  }
  std::vector<boost::json::object> rows;
  std::string cursor = f.cursor;
  std::string next;
  while (static_cast<int>(rows.size()) < f.limit) {
    int want = std::min(1000, f.limit - static_cast<int>(rows.size()));
    std::string target =
        "/v1/events" + params + (params.empty() ? "?" : "&") + "limit=" + std::to_string(want);
    if (!cursor.empty()) target += "&cursor=" + UrlEncodeComponent(cursor);
    auto r = c->conn->Request("GET", target, "", "", c->auth);
    if (!r.ok()) return Fail(r.status().message());
    if (r->status != 200) return Fail(ErrorText(*r));
    boost::json::error_code ec;
    auto v = ParseJsonExact(r->body, ec);
    if (ec || !v.is_object()) return Fail("the server sent malformed JSON");
    for (const auto& e : v.as_object().at("events").as_array()) rows.push_back(e.as_object());
    const auto& nc = v.as_object().at("next_cursor");
    next = nc.is_string() ? std::string(nc.get_string()) : "";
    if (next.empty()) break;
    cursor = next;
  }
  if (f.format == "json") {
    boost::json::array arr;
    for (auto& r : rows) arr.push_back(r);
    boost::json::object out{
        {"events", arr},
        {"next_cursor", next.empty() ? boost::json::value(nullptr) : boost::json::value(next)}};
    std::cout << boost::json::serialize(out) << "\n";
  } else if (f.format == "ndjson") {
    for (const auto& r : rows) std::cout << boost::json::serialize(r) << "\n";
  } else {
    PrintTable(rows);
    if (!next.empty()) std::fprintf(stderr, "more: --cursor %s\n", next.c_str());
  }
  return 0;
}

int KeysCreate(const Remote& remote, const std::string& role, const std::string& name) {
  auto c = Connect(remote);
  if (!c.ok()) return Fail(c.status().message());
  boost::json::object body{{"role", role}, {"name", name}};
  auto r = c->conn->Request("POST", "/v1/admin/keys", boost::json::serialize(body),
                            "application/json", c->auth);
  if (!r.ok()) return Fail(r.status().message());
  if (r->status != 201) return Fail(ErrorText(*r));
  std::cout << r->body << "\n";
  return 0;
}

int KeysList(const Remote& remote) {
  auto c = Connect(remote);
  if (!c.ok()) return Fail(c.status().message());
  auto r = c->conn->Request("GET", "/v1/admin/keys", "", "", c->auth);
  if (!r.ok()) return Fail(r.status().message());
  if (r->status != 200) return Fail(ErrorText(*r));
  auto v = boost::json::parse(r->body);
  std::printf("%-16s  %-8s  %-27s  %-27s  %s\n", "ID", "ROLE", "CREATED", "REVOKED", "NAME");
  for (const auto& k : v.as_object().at("keys").as_array()) {
    const auto& o = k.as_object();
    std::printf("%-16s  %-8s  %-27s  %-27s  %s\n", Cell(o.at("id")).c_str(),
                Cell(o.at("role")).c_str(), Cell(o.at("created_at")).c_str(),
                Cell(o.at("revoked_at")).c_str(), Cell(o.at("name")).c_str());
  }
  return 0;
}

int KeysRevoke(const Remote& remote, const std::string& id) {
  auto c = Connect(remote);
  if (!c.ok()) return Fail(c.status().message());
  auto r = c->conn->Request("DELETE", "/v1/admin/keys/" + UrlEncodeComponent(id), "", "", c->auth);
  if (!r.ok()) return Fail(r.status().message());
  if (r->status != 200) return Fail(ErrorText(*r));
  std::cout << r->body << "\n";
  return 0;
}

// Reads one gauge from the Prometheus text of /metrics.
double MetricValue(const std::string& text, const std::string& name) {
  size_t pos = 0;
  while ((pos = text.find(name + " ", pos)) != std::string::npos) {
    if (pos == 0 || text[pos - 1] == '\n') return std::atof(text.c_str() + pos + name.size() + 1);
    pos += name.size();
  }
  return 0;
}

int Gc(const Remote& remote, const std::string& as_of, bool dry_run) {
  auto c = Connect(remote);
  if (!c.ok()) return Fail(c.status().message());
  boost::json::object body{{"dry_run", dry_run}};
  if (!as_of.empty()) body["as_of"] = as_of;
  std::atomic<bool> done{false};
  std::thread progress;
  if (isatty(STDERR_FILENO)) {
    // Progress from a second connection while the run is in flight.
    progress = std::thread([&] {
      auto watcher = Connect(remote);
      auto t0 = std::chrono::steady_clock::now();
      while (!done.load() && watcher.ok()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        auto m = watcher->conn->Request("GET", "/metrics", "", "", watcher->auth);
        if (!m.ok() || m->status != 200 || done.load()) continue;
        double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::fprintf(stderr, "\r%5.1f s  pruned %.0f  scrubbed %.0f", el,
                     MetricValue(m->body, "trail_gc_progress_pruned"),
                     MetricValue(m->body, "trail_gc_progress_scrubbed"));
      }
    });
  }
  auto r = c->conn->Request("POST", "/v1/admin/gc", boost::json::serialize(body),
                            "application/json", c->auth, 3600);
  done = true;
  if (progress.joinable()) {
    progress.join();
    std::fprintf(stderr, "\n");
  }
  if (!r.ok()) return Fail(r.status().message());
  if (r->status != 200) return Fail(ErrorText(*r));
  std::cout << r->body << "\n";
  return 0;
}

int Redact(const Remote& remote, const std::string& subject, const std::string& actor) {
  if (subject.empty() == actor.empty())
    return Fail("redact takes exactly one of --subject or --actor");
  auto c = Connect(remote);
  if (!c.ok()) return Fail(c.status().message());
  boost::json::object body;
  if (!subject.empty()) body["subject"] = subject;
  if (!actor.empty()) body["actor"] = actor;
  auto r = c->conn->Request("POST", "/v1/admin/redact", boost::json::serialize(body),
                            "application/json", c->auth, 3600);
  if (!r.ok()) return Fail(r.status().message());
  if (r->status != 200) return Fail(ErrorText(*r));
  std::cout << r->body << "\n";
  return 0;
}

int TypesCheck(const std::string& file) {
  auto reg = TypeRegistry::FromFile(file);
  if (!reg.ok()) {
    std::fprintf(stderr, "trail: %s\n", reg.status().message().c_str());
    return 1;
  }
  std::printf("%s: ok, %zu event types\n", file.c_str(), (*reg)->user_type_count());
  return 0;
}

}  // namespace

void Remote::AddTo(CLI::App* cmd) {
  cmd->add_option("--url", url, "Server URL (default http://127.0.0.1:8420)");
  cmd->add_option("--key", key, "API key (default: DATA/admin.key)");
  cmd->add_option("--data", data, "Data directory whose admin.key to use (default ./data)");
  cmd->add_option("--cacert", cacert, "CA certificate (PEM) to trust for https");
  cmd->add_flag("--insecure", insecure, "Do not verify the server's TLS certificate");
}

std::string Remote::ResolveKey() const {
  if (!key.empty()) return key;
  auto k = ReadSecretFile(data + "/admin.key");
  return k.ok() ? *k : "";
}

void AddClientCommands(CLI::App& app) {
  {
    struct F {
      Remote remote;
      std::string tag, subject, actor, ip, ua, occurred, idem;
      std::vector<std::string> metas;
    };
    auto f = std::make_shared<F>();
    CLI::App* cmd = app.add_subcommand("record", "Record one event");
    f->remote.AddTo(cmd);
    cmd->add_option("--tag", f->tag, "Event tag, e.g. project:role:add")->required();
    cmd->add_option("--subject", f->subject, "Subject kind:id, e.g. project:requests")->required();
    cmd->add_option("--actor", f->actor, "Who did it");
    cmd->add_option("--ip", f->ip, "Client IP address");
    cmd->add_option("--user-agent", f->ua, "Client user agent");
    cmd->add_option("--occurred-at", f->occurred, "RFC 3339 time it happened (default: now)");
    cmd->add_option("--idempotency-key", f->idem, "Retry-safe key");
    cmd->add_option("--meta", f->metas, "Metadata key=value (typed by the event type); repeatable");
    cmd->callback([f] {
      std::exit(Record(f->remote, f->tag, f->subject, f->actor, f->ip, f->ua, f->occurred, f->idem,
                       f->metas));
    });
  }
  {
    struct F {
      Remote remote;
      QueryFlags q;
    };
    auto f = std::make_shared<F>();
    CLI::App* cmd = app.add_subcommand("query", "Search events");
    f->remote.AddTo(cmd);
    cmd->add_option("--subject", f->q.subject, "kind:id");
    cmd->add_option("--actor", f->q.actor, "Actor");
    cmd->add_option("--tag", f->q.tag, "Tag, or a prefix like project:*");
    cmd->add_option("--ip", f->q.ip, "IP address");
    cmd->add_option("--since", f->q.since, "RFC 3339, inclusive");
    cmd->add_option("--until", f->q.until, "RFC 3339, exclusive");
    cmd->add_option("--q", f->q.q,
                    "Search: tag:x:* actor:a -tag:… created:>=2026-01-01 \"phrase\"");
    cmd->add_option("--order", f->q.order, "desc (default) or asc");
    cmd->add_option("--limit", f->q.limit, "Events to print (default 50)");
    cmd->add_option("--cursor", f->q.cursor, "Continue from a previous page");
    cmd->add_option("--format", f->q.format, "table (default), json, ndjson or csv");
    cmd->callback([f] { std::exit(RunQuery(f->remote, f->q)); });
  }
  {
    CLI::App* keys = app.add_subcommand("keys", "Manage API keys");
    keys->require_subcommand(1);
    struct F {
      Remote remote;
      std::string role, name, id;
    };
    auto f = std::make_shared<F>();
    CLI::App* create = keys->add_subcommand("create", "Create a key (shown once)");
    f->remote.AddTo(create);
    create->add_option("--role", f->role, "writer, auditor, admin or metrics (reads /metrics only)")
        ->required()
        ->check(CLI::IsMember({"writer", "auditor", "admin", "metrics"}));
    create->add_option("--name", f->name, "A name for the key")->required();
    create->callback([f] { std::exit(KeysCreate(f->remote, f->role, f->name)); });
    auto g = std::make_shared<F>();
    CLI::App* list = keys->add_subcommand("list", "List keys");
    g->remote.AddTo(list);
    list->callback([g] { std::exit(KeysList(g->remote)); });
    auto h = std::make_shared<F>();
    CLI::App* revoke = keys->add_subcommand("revoke", "Revoke a key");
    h->remote.AddTo(revoke);
    revoke->add_option("id", h->id, "Key id")->required();
    revoke->callback([h] { std::exit(KeysRevoke(h->remote, h->id)); });
  }
  {
    struct F {
      Remote remote;
      std::string as_of;
      bool dry_run = false;
    };
    auto f = std::make_shared<F>();
    CLI::App* cmd = app.add_subcommand(
        "gc", "Run retention now: prune expired events, scrub old ip/user agents");
    f->remote.AddTo(cmd);
    cmd->add_option("--as-of", f->as_of,
                    "Evaluate retention as if it were this RFC 3339 time (default now)");
    cmd->add_flag("--dry-run", f->dry_run, "Count, change nothing");
    cmd->callback([f] { std::exit(Gc(f->remote, f->as_of, f->dry_run)); });
  }
  {
    struct F {
      Remote remote;
      std::string subject, actor;
    };
    auto f = std::make_shared<F>();
    CLI::App* cmd = app.add_subcommand(
        "redact", "Erasure request: prune every event of a subject or an actor now");
    f->remote.AddTo(cmd);
    cmd->add_option("--subject", f->subject, "kind:id, e.g. user:alice");
    cmd->add_option("--actor", f->actor, "Actor, e.g. alice");
    cmd->callback([f] { std::exit(Redact(f->remote, f->subject, f->actor)); });
  }
  {
    CLI::App* types = app.add_subcommand("types", "Event types");
    types->require_subcommand(1);
    auto file = std::make_shared<std::string>();
    CLI::App* check = types->add_subcommand("check", "Validate an events.toml without a server");
    check->add_option("file", *file, "events.toml")->required();
    check->callback([file] { std::exit(TypesCheck(*file)); });
  }
}

}  // namespace trail
