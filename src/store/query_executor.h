// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// QueryExecutor: runs a Query over any store through the EventSource interface, so that every
// engine answers queries the same way.
//
// Plan: the query's index terms (subject, actor, ip, tag, tag prefix) become groups of
// posting-list keys, ANDed across groups and ORed within one. Segments are visited newest
// first (or oldest first for order=asc); in each, the groups' lists are intersected, and only
// the surviving seqs are fetched and checked against the remaining terms (negations,
// description words, pruned). A query with no index term scans the seq range in order.
// Time bounds become a seq range by binary search (recorded_at never decreases with seq).
// The executor reads one more match than the page holds to know if a next page exists.
//
// Cost is bounded by the query's budget (Query::budget): before each row (and each segment)
// it checks the rows examined and the time spent, and once either runs out it answers the
// page so far as partial, with next_after at the last position it covered (QueryPage).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "core/event.h"
#include "query/query.h"
#include "store/folded_search.h"
#include "store/posting_index.h"
#include "store/store.h"

namespace trail {

// One consistent read snapshot of a store. Not thread-safe; one per query.
class EventSource {
 public:
  virtual ~EventSource() = default;
  // Seqs of `key` within sealed segment `seg`, ascending (empty when absent).
  virtual Status SealedPostings(uint64_t seg, const std::string& key,
                                std::vector<uint64_t>* out) = 0;
  virtual Status Fetch(uint64_t seq, Event* e, bool* found) = 0;
  // Calls fn for events with lo <= seq < hi in order until fn returns false.
  virtual Status Scan(uint64_t lo, uint64_t hi, bool ascending,
                      const std::function<bool(Event&)>& fn) = 0;
  virtual Status RecordedAt(uint64_t seq, Micros* t) = 0;
};

// Smallest seq in [0, end) whose recorded_at >= t, or end (recorded_at never decreases
// with seq, so this is a binary search).
Status FirstSeqAtOrAfter(EventSource& src, uint64_t end, Micros t, uint64_t* out);

// The residual check of every term of a query on a fetched event, compiled once per query
// (description words become FoldedNeedles: linear in the description). Keeps a reference to
// `q`, which must outlive it. Matches() is const and may run from many threads.
class QueryMatcher {
 public:
  explicit QueryMatcher(const Query& q);
  bool Matches(const Event& e) const;

 private:
  const Query& q_;
  std::vector<FoldedNeedle> words_, not_words_;
};

// QueryMatcher(q).Matches(e), for one-off checks.
bool EventMatches(const Query& q, const Event& e);

// A query's budget (Query::budget) as it runs. Spent() is never true before `progressed` (at
// least one row or segment examined), so that every execution moves its cursor forward.
class BudgetMeter {
 public:
  explicit BudgetMeter(const QueryBudget& b)
      : budget_(b), start_(std::chrono::steady_clock::now()) {}
  bool Spent(uint64_t rows_examined, bool progressed) const {
    if (!progressed) return false;
    if (budget_.max_rows != 0 && rows_examined >= budget_.max_rows) return true;
    return budget_.max_millis != 0 && std::chrono::steady_clock::now() - start_ >=
                                          std::chrono::milliseconds(budget_.max_millis);
  }

 private:
  QueryBudget budget_;
  std::chrono::steady_clock::time_point start_;
};

// Extra restriction from the caller (viewer visibility, SPEC §6): an OR-group of index keys
// that must hold, plus a row predicate. Empty group = no restriction.
struct AccessFilter {
  std::vector<std::string> any_of_keys;
  std::function<bool(const Event&)> allows;
};

Result<QueryPage> ExecuteQuery(const Query& q, const PostingIndex& index, EventSource& source,
                               const AccessFilter* access = nullptr);

}  // namespace trail
