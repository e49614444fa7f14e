// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "store/store.h"

#include <algorithm>
#include <chrono>
#include <future>

#include "store/histogram.h"

namespace trail {

Result<std::vector<Ack>> Store::AppendSync(std::vector<PreparedEvent> events) {
  std::promise<Result<std::vector<Ack>>> p;
  auto f = p.get_future();
  Append(std::move(events), [&p](Status s, std::vector<Ack> acks) {
    if (s.ok()) {
      p.set_value(std::move(acks));
    } else {
      p.set_value(std::move(s));
    }
  });
  return f.get();
}

// Correct for any engine, but it reads every matching row: engines override it.
Result<std::vector<HistogramBucket>> Store::CountByTime(const trail::Query& query,
                                                        const AccessFilter* access,
                                                        Micros bucket_micros, size_t max_buckets) {
  if (bucket_micros <= 0 || max_buckets == 0)
    return Status::Invalid("invalid_query", "a histogram needs a positive bucket size and count");
  trail::Query q = query;
  q.ascending = false;
  q.limit = kMaxLimit;
  q.after_seq.reset();
  HistogramCounter counter(bucket_micros, max_buckets);
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(kHistogramMillisBudget);
  uint64_t examined = 0;
  while (true) {
    // Each page gets what is left of the chart's budget (and no more than the caller's own),
    // so that one page of a query matching nothing cannot outrun it.
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    q.budget.max_rows = kHistogramRowBudget - examined;
    if (query.budget.max_rows != 0)
      q.budget.max_rows = std::min(q.budget.max_rows, query.budget.max_rows);
    q.budget.max_millis = std::max<int64_t>(1, left.count());
    if (query.budget.max_millis != 0)
      q.budget.max_millis = std::min(q.budget.max_millis, query.budget.max_millis);
    auto page = Query(q, access);
    if (!page.ok()) return page.status();
    examined += page->rows_examined;
    for (const Event& e : page->events) {
      if (!counter.Add(e.recorded_at, e.tag)) return counter.Finish(true);
    }
    if (!page->next_after) return counter.Finish(true);
    if (examined >= kHistogramRowBudget || std::chrono::steady_clock::now() >= deadline)
      return counter.Finish(false);
    q.after_seq = page->next_after;
  }
}

}  // namespace trail
