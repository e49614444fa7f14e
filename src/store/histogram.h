// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// HistogramCounter: folds events, newest first, into the buckets of Store::CountByTime —
// counts per (bucket start, tag prefix), keeping only the newest `max_buckets` bucket starts.
// The engines' slow paths feed it from a query; their fast paths use BucketStart and
// TagPrefixOf to fold pre-aggregated counts the same way. A plain value; not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"

namespace trail {

// One bar segment of the web viewer's chart (SPEC §9): how many events matching a query were
// recorded in [start, start + bucket) whose tag begins with `prefix` (the tag's first part and
// ':', e.g. "project:").
struct HistogramBucket {
  Micros start = 0;
  std::string prefix;
  uint64_t count = 0;
  bool operator==(const HistogramBucket&) const = default;
};

// What the default (paged) CountByTime reads at most before it gives up on the older
// buckets: rows examined, and time (milliseconds).
inline constexpr uint64_t kHistogramRowBudget = 250000;
inline constexpr int kHistogramMillisBudget = 150;

// The first tag part with its ':' ("project:" of "project:role:add"); the tag itself if it
// has no ':'.
std::string_view TagPrefixOf(std::string_view tag);

// Start of the bucket holding t: floor(t / bucket) * bucket, also for times before 1970.
Micros BucketStart(Micros t, Micros bucket);

// The web viewer chart's time window: whole buckets ending with the one that holds `until - 1`
// (or `now`), starting at the bucket that holds `since` but spanning at most `most` buckets
// (`fallback` without `since`). A window with nothing in it (`since` at or after its end: an
// inverted or future range) has no buckets. Times are clamped to the RFC 3339 years first, so
// no input overflows; the count is at most max(most, fallback), and 0 when `bucket` <= 0.
struct ChartWindow {
  Micros start = 0;
  size_t buckets = 0;
};
ChartWindow ChartWindowOf(std::optional<Micros> since, std::optional<Micros> until, Micros now,
                          Micros bucket, size_t fallback, size_t most);

class HistogramCounter {
 public:
  HistogramCounter(Micros bucket_micros, size_t max_buckets)
      : bucket_(bucket_micros), max_buckets_(max_buckets) {}

  // Adds `count` events of one bucket and prefix. Fed newest bucket first (non-increasing
  // `recorded_at`); returns false once an event falls before the newest max_buckets bucket
  // starts, when the caller can stop.
  bool Add(Micros recorded_at, std::string_view tag, uint64_t count = 1);

  // The counts ordered by (start, prefix). `complete` false: the caller stopped early (a
  // budget), so the oldest bucket seen may be partial: it is left out, and the result starts
  // with the marker of Store::CountByTime, {start of the oldest whole bucket, "", 0}.
  std::vector<HistogramBucket> Finish(bool complete) const;

 private:
  Micros bucket_;
  size_t max_buckets_;
  std::map<Micros, std::map<std::string, uint64_t, std::less<>>> counts_;  // start -> prefix -> n
};

}  // namespace trail
