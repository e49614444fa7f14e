// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "store/query_executor.h"

#include <algorithm>

namespace trail {
namespace {

bool Equals(const std::optional<std::string>& field, const std::string& want) {
  return field && *field == want;
}

void IntersectInto(std::vector<uint64_t>* acc, const std::vector<uint64_t>& other) {
  std::vector<uint64_t> out;
  std::set_intersection(acc->begin(), acc->end(), other.begin(), other.end(),
                        std::back_inserter(out));
  acc->swap(out);
}

// Seqs of one OR-group of keys in [lo, hi), ascending.
Status GroupList(const std::vector<std::string>& keys, uint64_t seg, uint64_t lo, uint64_t hi,
                 const PostingIndex::View& view, EventSource& src, std::vector<uint64_t>* out) {
  out->clear();
  std::vector<uint64_t> part;
  for (const auto& key : keys) {
    const std::vector<uint64_t>* list = nullptr;
    if (seg >= view.first_open_segment) {
      auto it = view.lists.find(key);
      if (it == view.lists.end()) continue;
      list = &it->second;
    } else {
      TRAIL_RETURN_IF_ERROR(src.SealedPostings(seg, key, &part));
      list = &part;
    }
    auto b = std::lower_bound(list->begin(), list->end(), lo);
    auto e = std::lower_bound(b, list->end(), hi);
    if (out->empty()) {
      out->assign(b, e);
    } else {
      std::vector<uint64_t> merged;
      std::set_union(out->begin(), out->end(), b, e, std::back_inserter(merged));
      out->swap(merged);
    }
  }
  return Status::Ok();
}

}  // namespace

Status FirstSeqAtOrAfter(EventSource& src, uint64_t end, Micros t, uint64_t* out) {
  uint64_t lo = 0, hi = end;
  while (lo < hi) {
    uint64_t mid = lo + (hi - lo) / 2;
    Micros at = 0;
    TRAIL_RETURN_IF_ERROR(src.RecordedAt(mid, &at));
    if (at >= t) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  *out = lo;
  return Status::Ok();
}

QueryMatcher::QueryMatcher(const Query& q) : q_(q) {
  for (const auto& w : q.words) words_.emplace_back(w);
  for (const auto& w : q.not_words) not_words_.emplace_back(w);
}

bool EventMatches(const Query& q, const Event& e) { return QueryMatcher(q).Matches(e); }

bool QueryMatcher::Matches(const Event& e) const {
  const Query& q = q_;
  if (e.pruned && !q.include_pruned) return false;
  for (const auto& s : q.subjects)
    if (!Equals(e.subject, s)) return false;
  for (const auto& a : q.actors)
    if (!Equals(e.actor, a)) return false;
  for (const auto& ip : q.ips)
    if (!Equals(e.ip, ip)) return false;
  for (const auto& t : q.tags)
    if (!t.Matches(e.tag)) return false;
  for (const auto& s : q.not_subjects)
    if (Equals(e.subject, s)) return false;
  for (const auto& a : q.not_actors)
    if (Equals(e.actor, a)) return false;
  for (const auto& ip : q.not_ips)
    if (Equals(e.ip, ip)) return false;
  for (const auto& t : q.not_tags)
    if (t.Matches(e.tag)) return false;
  for (const auto& w : words_)
    if (!w.FoundIn(e.description)) return false;
  for (const auto& w : not_words_)
    if (w.FoundIn(e.description)) return false;
  if (q.since && e.recorded_at < *q.since) return false;
  if (q.until && e.recorded_at >= *q.until) return false;
  return true;
}

Result<QueryPage> ExecuteQuery(const Query& q, const PostingIndex& index, EventSource& src,
                               const AccessFilter* access) {
  std::vector<std::vector<std::string>> groups;
  for (const auto& s : q.subjects) groups.push_back({SubjectKey(s)});
  for (const auto& a : q.actors) groups.push_back({ActorKey(a)});
  for (const auto& ip : q.ips) groups.push_back({IpKey(ip)});
  for (const auto& t : q.tags)
    groups.push_back({t.prefix ? TagPrefixKey(t.value) : TagKey(t.value)});
  if (access && !access->any_of_keys.empty()) groups.push_back(access->any_of_keys);
  std::vector<std::string> all_keys;
  for (const auto& g : groups) all_keys.insert(all_keys.end(), g.begin(), g.end());

  PostingIndex::View view = index.Snapshot(all_keys);
  QueryPage page;
  uint64_t lo = 0, hi = view.end;
  if (q.after_seq) {
    if (q.ascending) {
      lo = std::max(lo, *q.after_seq + 1);
    } else {
      hi = std::min(hi, *q.after_seq);
    }
  }
  if (q.since && lo < hi) {
    uint64_t s = 0;
    TRAIL_RETURN_IF_ERROR(FirstSeqAtOrAfter(src, view.end, *q.since, &s));
    lo = std::max(lo, s);
  }
  if (q.until && lo < hi) {
    uint64_t u = 0;
    TRAIL_RETURN_IF_ERROR(FirstSeqAtOrAfter(src, view.end, *q.until, &u));
    hi = std::min(hi, u);
  }
  if (lo >= hi) return page;

  const size_t need = static_cast<size_t>(q.limit) + 1;
  const QueryMatcher matcher(q);
  const BudgetMeter meter(q.budget);
  // `covered`: everything up to it, in the query's order, has been examined (a cursor value).
  std::optional<uint64_t> covered;
  bool stopped = false;  // the budget ran out with more left to examine
  auto spent = [&] {
    stopped = stopped || meter.Spent(page.rows_examined, covered.has_value());
    return stopped;
  };
  auto consider = [&](Event& e) {
    ++page.rows_examined;
    covered = e.seq;
    if (!matcher.Matches(e)) return;
    if (access && access->allows && !access->allows(e)) return;
    page.events.push_back(std::move(e));
  };

  if (groups.empty()) {
    Status s = src.Scan(lo, hi, q.ascending, [&](Event& e) {
      if (spent()) return false;
      consider(e);
      return page.events.size() < need;
    });
    if (!s.ok()) return s;
  } else {
    const uint64_t first = index.SegmentOf(lo), last = index.SegmentOf(hi - 1);
    std::vector<uint64_t> acc, list;
    for (uint64_t i = 0; i <= last - first && page.events.size() < need && !spent(); ++i) {
      const uint64_t seg = q.ascending ? first + i : last - i;
      const uint64_t seg_lo = std::max(lo, index.SegmentStart(seg));
      const uint64_t seg_hi = std::min(hi, index.SegmentStart(seg + 1));
      acc.clear();
      for (size_t g = 0; g < groups.size(); ++g) {
        TRAIL_RETURN_IF_ERROR(GroupList(groups[g], seg, seg_lo, seg_hi, view, src, &list));
        if (g == 0) {
          acc.swap(list);
        } else {
          IntersectInto(&acc, list);
        }
        if (acc.empty()) break;
      }
      size_t k = 0;
      for (; k < acc.size() && page.events.size() < need && !spent(); ++k) {
        uint64_t seq = q.ascending ? acc[k] : acc[acc.size() - 1 - k];
        Event e;
        bool found = false;
        TRAIL_RETURN_IF_ERROR(src.Fetch(seq, &e, &found));
        if (found) {
          consider(e);
        } else {
          covered = seq;
        }
      }
      // The whole segment's range is covered once every candidate in it has been examined.
      if (k == acc.size() && !stopped) covered = q.ascending ? seg_hi - 1 : seg_lo;
    }
  }
  if (page.events.size() > static_cast<size_t>(q.limit)) {
    page.events.resize(q.limit);
    page.next_after = page.events.back().seq;
  } else if (stopped) {
    page.partial = true;
    page.next_after = covered;
  }
  return page;
}

}  // namespace trail
