// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// URL parameters → Query (SPEC §3 Read), tag patterns, cursors and URL query decoding.
// The `q` search syntax is parsed in search.cc.
#include "query/query.h"

#include <algorithm>
#include <charconv>
#include <string_view>

#include "core/codec.h"
#include "core/names.h"
#include "core/time_format.h"

namespace trail {
namespace {

constexpr std::string_view kCursorVersion = "v1";

Status InvalidQuery(std::string msg) { return Status::Invalid("invalid_query", std::move(msg)); }

std::string Quoted(std::string_view v) {
  std::string out;  // appended piecewise: "'" + s + "'" trips a GCC 12 -Wrestrict false positive
  out.reserve(v.size() + 2);
  out += '\'';
  out += v;
  out += '\'';
  return out;
}

// Parameters that may be given more than once (each occurrence is another ANDed term).
bool IsRepeatable(std::string_view name) {
  return name == "subject" || name == "actor" || name == "ip" || name == "tag";
}

bool IsKnownParameter(std::string_view name) {
  static constexpr std::string_view kKnown[] = {
      "subject", "actor", "ip", "tag", "since", "until", "q", "order", "limit", "cursor", "pruned"};
  return std::find(std::begin(kKnown), std::end(kKnown), name) != std::end(kKnown);
}

// Strict decimal: digits only, no sign, no spaces; false on overflow.
template <typename T>
bool ParseDecimal(std::string_view s, T* out) {
  if (s.empty() || s.size() > 20) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

Status ParseLimit(std::string_view v, int* limit) {
  int n = 0;
  if (!ParseDecimal(v, &n) || n < 1 || n > kMaxLimit) {
    return InvalidQuery("limit: " + Quoted(v) + " is not a whole number from 1 to " +
                        std::to_string(kMaxLimit));
  }
  *limit = n;
  return Status::Ok();
}

Status ParseTime(std::string_view name, std::string_view v, std::optional<Micros>* out) {
  std::optional<Micros> t = ParseRfc3339(v);
  if (!t) {
    return InvalidQuery(std::string(name) + ": " + Quoted(v) +
                        " is not an RFC 3339 time (e.g. 2026-01-01T00:00:00Z)");
  }
  *out = t;
  return Status::Ok();
}

// Adds one filter parameter that does not depend on other parameters.
Status AddParameter(const std::string& name, const std::string& v, Query* query) {
  if (name == "subject") {
    if (!IsValidSubject(v)) {
      return InvalidQuery("subject: " + Quoted(v) + " is not kind:id (e.g. project:requests)");
    }
    query->subjects.push_back(v);
  } else if (name == "actor" || name == "ip") {
    if (v.empty()) return InvalidQuery(name + ": must not be empty");
    (name == "actor" ? query->actors : query->ips).push_back(v);
  } else if (name == "tag") {
    Result<TagMatch> tag = ParseTagPattern(v);
    if (!tag.ok()) return tag.status().Prefixed("tag: ");
    query->tags.push_back(std::move(*tag));
  } else if (name == "limit") {
    return ParseLimit(v, &query->limit);
  } else if (name == "pruned") {
    if (v != "include" && v != "exclude") {
      return InvalidQuery("pruned: " + Quoted(v) + " must be 'include' or 'exclude'");
    }
    query->include_pruned = v == "include";
  }
  return Status::Ok();
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Result<Query> ParseQuery(const std::multimap<std::string, std::string>& params,
                         const std::vector<std::string>& also_allowed) {
  auto allowed_elsewhere = [&](const std::string& name) {
    return std::find(also_allowed.begin(), also_allowed.end(), name) != also_allowed.end();
  };
  // Names and repetition first, so the reply names the offending parameter whatever else
  // is wrong.
  for (auto it = params.begin(); it != params.end(); it = params.upper_bound(it->first)) {
    const std::string& name = it->first;
    if (!IsKnownParameter(name)) {
      if (allowed_elsewhere(name)) continue;
      return InvalidQuery("unknown parameter " + Quoted(name) +
                          " (filters: subject, actor, tag, ip, since, until, q, order, limit, "
                          "cursor, pruned)");
    }
    if (!IsRepeatable(name) && params.count(name) > 1) {
      return InvalidQuery(name + ": given more than once");
    }
  }

  Query query;
  auto single = [&](const char* name) -> const std::string* {
    auto it = params.find(name);
    return it == params.end() ? nullptr : &it->second;
  };
  // The cursor encodes the order, so the order is read first.
  if (const std::string* order = single("order")) {
    if (*order != "asc" && *order != "desc") {
      return InvalidQuery("order: " + Quoted(*order) + " must be 'asc' or 'desc'");
    }
    query.ascending = *order == "asc";
  }
  if (const std::string* cursor = single("cursor")) {
    query.after_seq = DecodeCursor(*cursor, query.ascending);
    if (!query.after_seq) {
      return Status::Invalid("invalid_cursor",
                             "cursor: not a cursor returned by this endpoint for order=" +
                                 std::string(query.ascending ? "asc" : "desc"));
    }
  }
  if (const std::string* since = single("since")) {
    TRAIL_RETURN_IF_ERROR(ParseTime("since", *since, &query.since));
  }
  if (const std::string* until = single("until")) {
    TRAIL_RETURN_IF_ERROR(ParseTime("until", *until, &query.until));
  }
  for (const auto& [name, value] : params) {
    TRAIL_RETURN_IF_ERROR(AddParameter(name, value, &query));
  }
  // Last: `created:` in q narrows the since/until window set above.
  if (const std::string* q = single("q")) {
    TRAIL_RETURN_IF_ERROR(ParseSearch(*q, &query));
  }
  return query;
}

Result<TagMatch> ParseTagPattern(std::string_view s) {
  constexpr std::string_view kWildcard = ":*";
  if (s.size() > kWildcard.size() && s.ends_with(kWildcard)) {
    std::string_view stem = s.substr(0, s.size() - kWildcard.size());
    bool valid = stem.size() <= 256;
    for (size_t start = 0; valid;) {
      size_t colon = stem.find(':', start);
      valid = IsValidTagPart(stem.substr(start, colon == stem.npos ? stem.npos : colon - start));
      if (colon == stem.npos) break;
      start = colon + 1;
    }
    if (valid) return TagMatch{std::string(stem) + ":", true};
  } else if (s.find('*') == s.npos && IsValidTag(s)) {
    return TagMatch{std::string(s), false};
  }
  return InvalidQuery(Quoted(s) +
                      " is neither a tag (noun:verb[:qualifier], parts of [a-z0-9_-]) nor a "
                      "prefix pattern (patterns end in ':*', e.g. 'project:*')");
}

std::string EncodeCursor(uint64_t last_seq, bool ascending) {
  std::string text(kCursorVersion);
  text += ascending ? ":a:" : ":d:";
  text += std::to_string(last_seq);
  return Base64UrlEncode(text);
}

std::optional<uint64_t> DecodeCursor(std::string_view cursor, bool ascending) {
  if (cursor.empty() || cursor.size() > 64) return std::nullopt;
  std::optional<std::string> text = Base64UrlDecode(cursor);
  if (!text) return std::nullopt;
  std::string prefix(kCursorVersion);
  prefix += ascending ? ":a:" : ":d:";
  if (!std::string_view(*text).starts_with(prefix)) return std::nullopt;
  std::string_view digits = std::string_view(*text).substr(prefix.size());
  // One spelling per seq: no leading zeros.
  if (digits.size() > 1 && digits[0] == '0') return std::nullopt;
  uint64_t seq = 0;
  if (!ParseDecimal(digits, &seq)) return std::nullopt;
  return seq;
}

std::string UrlEncodeComponent(std::string_view s, bool keep_colon) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~' || (keep_colon && c == ':')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string UrlDecodeComponent(std::string_view s, bool* ok) {
  std::string out;
  out.reserve(s.size());
  bool good = true;
  for (size_t i = 0; i < s.size() && good; ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] != '%') {
      out += s[i];
    } else if (i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      i += 2;
    } else {
      good = false;
    }
  }
  good = good && IsValidUtf8(out);
  if (ok != nullptr) *ok = good;
  return good ? out : std::string();
}

std::optional<std::multimap<std::string, std::string>> ParseUrlQuery(std::string_view raw) {
  std::multimap<std::string, std::string> params;
  while (!raw.empty()) {
    size_t amp = raw.find('&');
    std::string_view piece = raw.substr(0, amp);
    raw = amp == raw.npos ? std::string_view() : raw.substr(amp + 1);
    if (piece.empty()) continue;
    size_t eq = piece.find('=');
    std::string_view value = eq == piece.npos ? std::string_view() : piece.substr(eq + 1);
    bool key_ok = false, value_ok = false;
    std::string key = UrlDecodeComponent(piece.substr(0, eq), &key_ok);
    std::string decoded = UrlDecodeComponent(value, &value_ok);
    if (!key_ok || !value_ok) return std::nullopt;
    params.emplace(std::move(key), std::move(decoded));
  }
  return params;
}

}  // namespace trail
