// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// A read query (SPEC §3): the filters of GET /v1/events and /v1/export, parsed from URL
// parameters and the `q` search syntax into one normalized form that the stores execute.
//
// All terms are ANDed. Index terms (subject, actor, ip, tag, tag prefix) are answered from the
// store's posting lists; the rest (negations, description words, pruned) are checked on each
// candidate row. Plain values; thread-compatible.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace trail {

struct TagMatch {
  std::string value;    // a full tag, or a prefix ending in ':' ("project:role:")
  bool prefix = false;  // written as `project:role:*`
  bool Matches(std::string_view tag) const {
    return prefix ? tag.size() >= value.size() && tag.compare(0, value.size(), value) == 0
                  : tag == value;
  }
  bool operator==(const TagMatch&) const = default;
};

// How much one execution of a query may read before it answers the page it has so far
// (QueryPage::partial): rows examined and wall time, whichever runs out first. Set by the
// server from `[query]` (never from the URL); 0 = no bound on that measure.
struct QueryBudget {
  uint64_t max_rows = 0;
  int64_t max_millis = 0;
  bool operator==(const QueryBudget&) const = default;
};

struct Query {
  // Positive terms.
  std::vector<std::string> subjects;
  std::vector<std::string> actors;
  std::vector<std::string> ips;
  std::vector<TagMatch> tags;
  // Negated terms (`-tag:…`, `-actor:…`, `-subject:…`, `-ip:…`).
  std::vector<std::string> not_subjects, not_actors, not_ips;
  std::vector<TagMatch> not_tags;
  // Bare words and "quoted phrases": case-insensitive (ASCII) substrings of the description.
  std::vector<std::string> words;
  std::vector<std::string> not_words;
  // recorded_at window: since inclusive, until exclusive (microseconds).
  std::optional<Micros> since, until;
  bool ascending = false;  // order=asc
  int limit = 50;          // 1..1000
  // Paging: continue after this seq in the query's order (exclusive).
  std::optional<uint64_t> after_seq;
  bool include_pruned = false;  // pruned=include
  QueryBudget budget;

  bool operator==(const Query&) const = default;
};

constexpr int kDefaultLimit = 50;
constexpr int kMaxLimit = 1000;
// Bounds of `q` (SPEC §3), so that matching stays cheap per row: at most kMaxSearchTerms
// terms, of which at most kMaxSearchWords description words or phrases (negated or not), each
// at most kMaxSearchWordBytes long. Beyond them ParseSearch answers 400 naming the limit.
constexpr size_t kMaxSearchTerms = 64;
constexpr size_t kMaxSearchWords = 16;
constexpr size_t kMaxSearchWordBytes = 256;

// Parses URL query parameters (already percent-decoded): subject, actor, tag, ip, since,
// until, q, order, limit, cursor, pruned. Unknown parameters are 400 "invalid_query" unless
// listed in `also_allowed` (e.g. "format" for export). Bad cursors are 400 "invalid_cursor".
Result<Query> ParseQuery(const std::multimap<std::string, std::string>& params,
                         const std::vector<std::string>& also_allowed = {});

// Parses the `q` search syntax into `query` (adding to what is already there).
Status ParseSearch(std::string_view q, Query* query);

// A `tag=` value: "a:b" exact, "a:b:*" or "a:*" prefix. Other patterns are 400.
Result<TagMatch> ParseTagPattern(std::string_view s);

// Opaque cursors: encode a seq and the order, so a cursor cannot be reused with the other
// order. The next page continues strictly after that seq in the query's order: the last seq
// returned, or, for a partial page (QueryPage::partial), the last seq the scan examined. Decode
// returns nullopt for anything that is not a cursor of ours.
std::string EncodeCursor(uint64_t last_seq, bool ascending);
std::optional<uint64_t> DecodeCursor(std::string_view cursor, bool ascending);

// Splits a raw URL query string ("a=1&b=x%20y") into decoded pairs; '+' decodes to ' '.
// Returns nullopt on bad percent-encoding or invalid UTF-8.
std::optional<std::multimap<std::string, std::string>> ParseUrlQuery(std::string_view raw);
// One component of it. Sets *ok (when given) to false and returns "" on bad percent-encoding
// or invalid UTF-8.
std::string UrlDecodeComponent(std::string_view s, bool* ok);
// Percent-encodes everything but RFC 3986 unreserved characters (and ':' when keep_colon,
// which keeps subjects and tags readable in URLs).
std::string UrlEncodeComponent(std::string_view s, bool keep_colon = false);

}  // namespace trail
