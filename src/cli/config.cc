// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "cli/config.h"

#include <toml++/toml.h>

#include <cctype>
#include <set>

#include "core/log_line.h"
#include "core/time_format.h"
#include "http/api.h"
#include "store/retention_policy.h"

namespace trail {
namespace {

Status Bad(const std::string& path, const std::string& msg) {
  return Status::Invalid("invalid_config", path + ": " + msg);
}

// A CSP source expression for frame-ancestors that cannot smuggle in another directive:
// 'self', or scheme://host[:port] with an optional leading "*." in the host.
bool IsFrameAncestor(const std::string& v) {
  if (v == "'self'") return true;
  size_t scheme = v.find("://");
  if (scheme == std::string::npos || scheme == 0 || v.size() == scheme + 3 || v.size() > 255)
    return false;
  for (size_t i = 0; i < scheme; ++i) {
    if (!std::isalnum(static_cast<unsigned char>(v[i])) && v[i] != '+' && v[i] != '-' &&
        v[i] != '.')
      return false;
  }
  std::string host = v.substr(scheme + 3);
  if (host.rfind("*.", 0) == 0) host = host.substr(2);
  if (host.empty()) return false;
  for (char c : host) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != ':')
      return false;
  }
  return true;
}

}  // namespace

Status LoadConfigFile(const std::string& path, ServeConfig* cfg) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return Bad(path + ":" + std::to_string(e.source().begin.line), std::string(e.description()));
  }
  static const std::map<std::string, std::set<std::string>> kKnown = {
      {"server",
       {"listen", "tls_cert", "tls_key", "max_body", "queue", "metrics_listen", "trusted_proxies",
        "max_connections", "header_timeout", "idle_timeout", "write_timeout",
        "max_streams_per_principal"}},
      {"store", {"url"}},
      {"events", {"file"}},
      {"log", {"name"}},
      {"logging", {"access", "format"}},
      {"auth", {"viewer_secret_file", "audience", "issuer", "max_token_lifetime"}},
      {"retention", {"interval", "personal_data", "writer_share"}},
      {"ui", {"frame_ancestors", "secure_cookies"}},
      {"query", {"max_rows_examined", "max_millis"}},
  };
  for (const auto& [section, node] : root) {
    auto it = kKnown.find(std::string(section.str()));
    if (it == kKnown.end())
      return Bad(path, "unknown section [" + std::string(section.str()) + "]");
    const toml::table* t = node.as_table();
    if (!t) return Bad(path, "[" + std::string(section.str()) + "] must be a table");
    for (const auto& [k, v] : *t) {
      if (section.str() == "retention" && IsRetentionPattern(k.str()))
        continue;  // a tag rule, below
      if (!it->second.count(std::string(k.str())))
        return Bad(path, "unknown key " + std::string(section.str()) + "." + std::string(k.str()));
    }
  }
  auto str = [&](const char* sec, const char* key, std::string* out) -> Status {
    if (const toml::node* n = root[sec][key].node()) {
      auto v = n->value<std::string>();
      if (!v) return Bad(path, std::string(sec) + "." + key + " must be a string");
      *out = *v;
    }
    return Status::Ok();
  };
  auto num = [&](const char* sec, const char* key, size_t* out) -> Status {
    if (const toml::node* n = root[sec][key].node()) {
      auto v = n->value<int64_t>();
      if (!v || *v <= 0)
        return Bad(path, std::string(sec) + "." + key + " must be a positive integer");
      *out = static_cast<size_t>(*v);
    }
    return Status::Ok();
  };
  auto dur = [&](const char* sec, const char* key, Micros* out) -> Status {
    std::string s;
    TRAIL_RETURN_IF_ERROR(str(sec, key, &s));
    if (s.empty()) return Status::Ok();
    auto d = ParseDuration(s);
    if (!d)
      return Bad(path, std::string(sec) + "." + key + " is not a duration like \"1h\" or \"90d\"");
    *out = *d;
    return Status::Ok();
  };
  TRAIL_RETURN_IF_ERROR(str("server", "listen", &cfg->listen));
  TRAIL_RETURN_IF_ERROR(str("server", "tls_cert", &cfg->tls_cert));
  TRAIL_RETURN_IF_ERROR(str("server", "tls_key", &cfg->tls_key));
  TRAIL_RETURN_IF_ERROR(num("server", "max_body", &cfg->max_body));
  TRAIL_RETURN_IF_ERROR(num("server", "queue", &cfg->queue));
  // Limits: whole numbers and durations within sane bounds, so a typo cannot disable a defence.
  auto bounded = [&](const char* key, int64_t lo, int64_t hi, size_t* out) -> Status {
    if (const toml::node* n = root["server"][key].node()) {
      auto v = n->value_exact<int64_t>();
      if (!v || *v < lo || *v > hi)
        return Bad(path, std::string("server.") + key + " must be a whole number from " +
                             std::to_string(lo) + " to " + std::to_string(hi));
      *out = static_cast<size_t>(*v);
    }
    return Status::Ok();
  };
  auto seconds = [&](const char* key, Micros* out) -> Status {
    const toml::node* n = root["server"][key].node();
    if (!n) return Status::Ok();
    Micros d = 0;
    TRAIL_RETURN_IF_ERROR(dur("server", key, &d));
    if (d < kMicrosPerSecond || d > kMicrosPerDay)
      return Bad(path,
                 std::string("server.") + key + " must be a duration from 1s to 1d, like \"30s\"");
    *out = d;
    return Status::Ok();
  };
  TRAIL_RETURN_IF_ERROR(bounded("max_connections", 1, 1000000, &cfg->max_connections));
  TRAIL_RETURN_IF_ERROR(
      bounded("max_streams_per_principal", 1, 256, &cfg->max_streams_per_principal));
  TRAIL_RETURN_IF_ERROR(seconds("header_timeout", &cfg->header_timeout));
  TRAIL_RETURN_IF_ERROR(seconds("idle_timeout", &cfg->idle_timeout));
  TRAIL_RETURN_IF_ERROR(seconds("write_timeout", &cfg->write_timeout));
  TRAIL_RETURN_IF_ERROR(str("store", "url", &cfg->store));
  TRAIL_RETURN_IF_ERROR(str("events", "file", &cfg->events_file));
  TRAIL_RETURN_IF_ERROR(str("log", "name", &cfg->log_name));
  TRAIL_RETURN_IF_ERROR(str("auth", "viewer_secret_file", &cfg->viewer_secret_file));
  TRAIL_RETURN_IF_ERROR(str("auth", "audience", &cfg->token_audience));
  TRAIL_RETURN_IF_ERROR(str("auth", "issuer", &cfg->token_issuer));
  TRAIL_RETURN_IF_ERROR(dur("auth", "max_token_lifetime", &cfg->max_token_lifetime));
  TRAIL_RETURN_IF_ERROR(str("server", "metrics_listen", &cfg->metrics_listen));
  if (const toml::node* n = root["logging"]["access"].node()) {
    auto v = n->value_exact<bool>();
    if (!v) return Bad(path, "logging.access must be true or false");
    cfg->access_log = *v;
  }
  TRAIL_RETURN_IF_ERROR(str("logging", "format", &cfg->log_format));
  if (!ParseLogFormat(cfg->log_format))
    return Bad(path, "logging.format must be \"text\" or \"json\"");
  if (const toml::node* n = root["ui"]["secure_cookies"].node()) {
    auto v = n->value<bool>();
    if (!v) return Bad(path, "ui.secure_cookies must be true or false");
    cfg->secure_cookies = *v;
  }
  if (const toml::node* n = root["server"]["trusted_proxies"].node()) {
    const toml::array* list = n->as_array();
    if (!list) return Bad(path, "server.trusted_proxies must be a list of IP addresses");
    cfg->trusted_proxies.clear();
    for (const auto& item : *list) {
      auto v = item.value<std::string>();
      std::string ip = v ? NormalizeIp(*v) : "";
      if (ip.empty())
        return Bad(path, "server.trusted_proxies: each entry is an IP address like \"127.0.0.1\"");
      cfg->trusted_proxies.push_back(ip);
    }
  }
  TRAIL_RETURN_IF_ERROR(dur("retention", "interval", &cfg->retention_interval));
  TRAIL_RETURN_IF_ERROR(dur("retention", "personal_data", &cfg->personal_data));
  if (const toml::node* n = root["retention"]["writer_share"].node()) {
    auto v = n->value<double>();
    if (!v || !(*v > 0 && *v <= 1))
      return Bad(path,
                 "retention.writer_share must be a number greater than 0 and at most 1, like 0.2");
    cfg->gc_writer_share = *v;
  }
  // Tag rules: "account:*" = "30d", "trail:*" = "10y" (store/retention_policy.h).
  if (const toml::table* t = root["retention"].as_table()) {
    cfg->retention_rules.clear();
    for (const auto& [k, v] : *t) {
      if (!IsRetentionPattern(k.str())) continue;
      auto text = v.value<std::string>();
      if (!text)
        return Bad(path, "retention.\"" + std::string(k.str()) +
                             "\" must be \"forever\" or a duration like \"90d\"");
      auto e = ParseRetentionEntry(k.str(), *text);
      if (!e.ok()) return Bad(path, e.status().message());
      cfg->retention_rules.push_back(std::move(e.value()));
    }
  }
  // A bound of 0 or none at all would let one search walk the whole log (four `q=`
  // searches matching nothing once stalled every other reader): only positive, bounded values.
  auto query_bounded = [&](const char* key, int64_t most, int64_t* out) -> Status {
    if (const toml::node* n = root["query"][key].node()) {
      auto v = n->value_exact<int64_t>();
      if (!v || *v < 1 || *v > most)
        return Bad(path, std::string("query.") + key + " must be a whole number from 1 to " +
                             std::to_string(most));
      *out = *v;
    }
    return Status::Ok();
  };
  int64_t max_rows = static_cast<int64_t>(cfg->query_max_rows);
  TRAIL_RETURN_IF_ERROR(query_bounded("max_rows_examined", 1'000'000'000, &max_rows));
  cfg->query_max_rows = static_cast<uint64_t>(max_rows);
  TRAIL_RETURN_IF_ERROR(query_bounded("max_millis", 60'000, &cfg->query_max_millis));
  if (const toml::node* n = root["ui"]["frame_ancestors"].node()) {
    const toml::array* list = n->as_array();
    if (!list) return Bad(path, "ui.frame_ancestors must be a list of origins");
    cfg->ui_frame_ancestors.clear();
    for (const auto& item : *list) {
      auto v = item.value<std::string>();
      if (!v || !IsFrameAncestor(*v))
        return Bad(path,
                   "ui.frame_ancestors: each entry is an origin like \"https://app.example.org\" "
                   "or \"'self'\"");
      cfg->ui_frame_ancestors.push_back(*v);
    }
  }
  return Status::Ok();
}

}  // namespace trail
