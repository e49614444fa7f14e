// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// The `q` search syntax (SPEC §3), after GitHub's audit log search:
//
//   tag:project:role:*  actor:alice  subject:project:requests  ip:203.0.113.7
//   created:>=2026-01-01  created:2026-01-01..2026-02-01  -tag:account:login:*
//   webauthn  "bad password"  -"bad password"
//
// Terms are separated by whitespace; a double-quoted stretch, anywhere in a term, keeps its
// whitespace (`actor:"a b"`). A term is a qualifier when the text before its first ':' is a
// qualifier name and unquoted; every other term is a word or phrase matched against the
// description. A leading unquoted '-' negates the term.
#include <algorithm>
#include <string_view>

#include "core/names.h"
#include "core/time_format.h"
#include "query/query.h"

namespace trail {
namespace {

Status InvalidSearch(std::string msg) {
  return Status::Invalid("invalid_query", "q: " + std::move(msg));
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// The first bytes of `s` for an error message, cut on a UTF-8 character boundary.
std::string Excerpt(const std::string& s, size_t n) {
  if (s.size() <= n) return s;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n) + "…";
}

struct Term {
  std::string text;                        // with the quotes removed
  size_t first_quote = std::string::npos;  // offset in `text` where the first quote was
  bool negated = false;
};

// Reads the term starting at q[*pos] (not whitespace) and advances *pos past it.
Result<Term> NextTerm(std::string_view q, size_t* pos) {
  Term term;
  size_t i = *pos;
  if (q[i] == '-' && i + 1 < q.size() && !IsSpace(q[i + 1])) {
    term.negated = true;
    ++i;
  }
  const size_t start = i;
  while (i < q.size() && !IsSpace(q[i])) {
    if (q[i] != '"') {
      term.text += q[i++];
      continue;
    }
    if (term.first_quote == std::string::npos) term.first_quote = term.text.size();
    size_t close = q.find('"', i + 1);
    if (close == q.npos) {
      return InvalidSearch("unterminated quote in '" + std::string(q.substr(start)) + "'");
    }
    term.text.append(q.substr(i + 1, close - i - 1));
    i = close + 1;
  }
  *pos = i;
  return term;
}

// One end of a `created:` expression: a bare date stands for the whole day [start, end), a
// full time for the single microsecond [start, start + 1).
struct Span {
  Micros start, end;
};

std::optional<Span> ParseSpan(std::string_view s) {
  if (std::optional<Micros> t = ParseRfc3339(s)) return Span{*t, *t + 1};
  if (std::optional<Micros> d = ParseDateOrTime(s)) return Span{*d, *d + kMicrosPerDay};
  return std::nullopt;
}

void NarrowWindow(std::optional<Micros> since, std::optional<Micros> until, Query* query) {
  if (since) query->since = query->since ? std::max(*query->since, *since) : *since;
  if (until) query->until = query->until ? std::min(*query->until, *until) : *until;
}

// created:>=D, >D, <=D, <D, D, D1..D2 (inclusive; `*` for an open end).
Status ApplyCreated(std::string_view expr, Query* query) {
  auto bad_date = [](std::string_view d) {
    return InvalidSearch("created: '" + std::string(d) +
                         "' is not a date (YYYY-MM-DD) or RFC 3339 time");
  };
  if (size_t dots = expr.find(".."); dots != expr.npos) {
    std::string_view from = expr.substr(0, dots), to = expr.substr(dots + 2);
    if (from.empty() || to.empty()) {
      return InvalidSearch("created: '" + std::string(expr) +
                           "' needs a date on both sides of '..' ('*' for an open end)");
    }
    std::optional<Micros> since, until;
    if (from != "*") {
      std::optional<Span> span = ParseSpan(from);
      if (!span) return bad_date(from);
      since = span->start;
    }
    if (to != "*") {
      std::optional<Span> span = ParseSpan(to);
      if (!span) return bad_date(to);
      until = span->end;
    }
    NarrowWindow(since, until, query);
    return Status::Ok();
  }
  size_t op_len = expr.starts_with(">=") || expr.starts_with("<=") ? 2
                  : expr.starts_with(">") || expr.starts_with("<") ? 1
                                                                   : 0;
  std::string_view op = expr.substr(0, op_len), date = expr.substr(op_len);
  if (date.empty()) return InvalidSearch("created: '" + std::string(expr) + "' needs a date");
  std::optional<Span> span = ParseSpan(date);
  if (!span) return bad_date(date);
  if (op == ">=") {
    NarrowWindow(span->start, std::nullopt, query);
  } else if (op == ">") {
    NarrowWindow(span->end, std::nullopt, query);
  } else if (op == "<=") {
    NarrowWindow(std::nullopt, span->end, query);
  } else if (op == "<") {
    NarrowWindow(std::nullopt, span->start, query);
  } else {
    NarrowWindow(span->start, span->end, query);
  }
  return Status::Ok();
}

Status ApplyQualifier(std::string_view name, std::string value, bool negated, Query* query) {
  if (value.empty()) {
    std::string term = negated ? "'-" : "'";
    term += name;
    term += ":' needs a value";
    return InvalidSearch(std::move(term));
  }
  if (name == "created") {
    if (negated) return InvalidSearch("'-created:' is not supported; use created:<D or >D");
    return ApplyCreated(value, query);
  }
  if (name == "tag") {
    Result<TagMatch> tag = ParseTagPattern(value);
    if (!tag.ok()) return tag.status().Prefixed("q: tag: ");
    (negated ? query->not_tags : query->tags).push_back(std::move(*tag));
  } else if (name == "subject") {
    if (!IsValidSubject(value)) {
      return InvalidSearch("subject: '" + value + "' is not kind:id (e.g. project:requests)");
    }
    (negated ? query->not_subjects : query->subjects).push_back(std::move(value));
  } else if (name == "actor") {
    (negated ? query->not_actors : query->actors).push_back(std::move(value));
  } else {  // ip
    (negated ? query->not_ips : query->ips).push_back(std::move(value));
  }
  return Status::Ok();
}

bool IsQualifierName(std::string_view name) {
  return name == "tag" || name == "actor" || name == "subject" || name == "ip" || name == "created";
}

}  // namespace

Status ParseSearch(std::string_view q, Query* query) {
  size_t pos = 0, terms = 0;
  while (true) {
    while (pos < q.size() && IsSpace(q[pos])) ++pos;
    if (pos == q.size()) return Status::Ok();
    Result<Term> term = NextTerm(q, &pos);
    if (!term.ok()) return term.status();
    // Every term is checked on every candidate row: their number and the words' length are
    // bounded (query.h), so that a row costs a bounded amount of matching.
    if (++terms > kMaxSearchTerms) {
      return InvalidSearch("at most " + std::to_string(kMaxSearchTerms) +
                           " terms (this one has more)");
    }
    size_t colon = term->text.find(':');
    if (colon != std::string::npos && colon < term->first_quote &&
        IsQualifierName(std::string_view(term->text).substr(0, colon))) {
      std::string name = term->text.substr(0, colon);
      TRAIL_RETURN_IF_ERROR(
          ApplyQualifier(name, term->text.substr(colon + 1), term->negated, query));
    } else if (!term->text.empty()) {  // an empty phrase ("") constrains nothing
      if (term->text.size() > kMaxSearchWordBytes) {
        return InvalidSearch("the word or phrase '" + Excerpt(term->text, 32) + "' is " +
                             std::to_string(term->text.size()) + " bytes long; at most " +
                             std::to_string(kMaxSearchWordBytes) + " are allowed");
      }
      if (query->words.size() + query->not_words.size() >= kMaxSearchWords) {
        return InvalidSearch("at most " + std::to_string(kMaxSearchWords) +
                             " words or phrases (negated ones included)");
      }
      (term->negated ? query->not_words : query->words).push_back(std::move(term->text));
    }
  }
}

}  // namespace trail
