// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// ServeConfig: what `trail serve` runs with — trail.toml (SPEC §8) overlaid by flags.
#pragma once

#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "store/retention_policy.h"

namespace trail {

struct ServeConfig {
  std::string data_dir = "./data";
  std::string listen = "127.0.0.1:8420";
  std::string tls_cert, tls_key;
  size_t max_body = 8 * 1024 * 1024;
  size_t queue = 100000;
  // [server] limits (docs/OPERATIONS.md, "Limits"). max_connections 0: from RLIMIT_NOFILE.
  size_t max_connections = 0;
  Micros header_timeout = 10LL * 1000000;
  Micros idle_timeout = 60LL * 1000000;
  Micros write_timeout = 30LL * 1000000;
  size_t max_streams_per_principal = 4;
  std::string store;        // "" = sqlite:<data>/trail.db
  std::string events_file;  // "" = built-in types only
  std::string log_name = "trail.local/log";
  std::string viewer_secret_file;  // "" = <data>/viewer.secret
  Micros retention_interval = 3600LL * 1000000;
  Micros personal_data = 90LL * 86400 * 1000000;
  // [retention] writer_share: the part of the embedded store's writer a GC or redaction may
  // take while ingest waits behind it (0 < share <= 1). 0.2 keeps ingest at >= 0.77 of its rate
  // on 2 cores; 0.5 prunes ~2.5x faster at ~0.63 (docs/PERFORMANCE.md).
  double gc_writer_share = 0.2;
  // [retention] "<tag>" / "<prefix>:*" / "*" = "<duration>|forever": overrides of the types'
  // retention. trail:* records only by an entry naming them (store/retention_policy.h).
  std::vector<RetentionEntry> retention_rules;
  int segment_bits = 16;
  // [query] max_rows_examined, max_millis: what one read request (a page of GET /v1/events,
  // a viewer list page, a slice of an export or live tail) may examine before it answers the
  // page so far as partial (Query::budget), whichever runs out first.
  uint64_t query_max_rows = 100000;
  int64_t query_max_millis = 250;
  // [ui] frame_ancestors: origins allowed to frame the embed page, e.g. "https://pypi.org"
  // (CSP source expressions: scheme://host[:port], with '*.' for subdomains, or 'self').
  std::vector<std::string> ui_frame_ancestors;
  // [server] metrics_listen: a second address serving GET /metrics without credentials.
  std::string metrics_listen;
  // [server] trusted_proxies: addresses whose X-Forwarded-Proto is believed; [ui]
  // secure_cookies: always behind HTTPS (http/api.h, ApiServices::secure_cookies).
  std::vector<std::string> trusted_proxies;
  bool secure_cookies = false;
  // [auth] audience, issuer, max_token_lifetime (auth/viewer_token.h, ViewerTokenPolicy).
  std::string token_audience, token_issuer;
  Micros max_token_lifetime = 24LL * 3600 * 1000000;
  // [logging] access: one line per request (http/access_log.h); format: "text" or "json"
  // (core/log_line.h), for every line trail logs.
  bool access_log = false;
  std::string log_format = "text";
};

// Reads trail.toml into *cfg (keys absent from the file keep their values). Unknown sections
// or keys are errors: a typo must not silently change behaviour.
Status LoadConfigFile(const std::string& path, ServeConfig* cfg);

}  // namespace trail
