// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "store/histogram.h"

#include <algorithm>
#include <limits>

#include "core/time_format.h"

namespace trail {

std::string_view TagPrefixOf(std::string_view tag) {
  size_t colon = tag.find(':');
  return colon == std::string_view::npos ? tag : tag.substr(0, colon + 1);
}

Micros BucketStart(Micros t, Micros bucket) {
  Micros q = t / bucket;
  if (t % bucket != 0 && t < 0) --q;
  return q * bucket;
}

ChartWindow ChartWindowOf(std::optional<Micros> since, std::optional<Micros> until, Micros now,
                          Micros bucket, size_t fallback, size_t most) {
  // A week of buckets past the last RFC 3339 instant still leaves int64 ample room.
  constexpr Micros kLongest = 7 * kMicrosPerDay;
  constexpr size_t kMostBuckets = 100000;
  if (bucket <= 0 || bucket > kLongest) return {};
  auto clamp = [](Micros t) { return std::clamp(t, kMinRfc3339Micros, kMaxRfc3339Micros + 1); };
  const size_t n = std::min(since ? most : fallback, kMostBuckets);
  const Micros end = BucketStart(until ? clamp(*until) - 1 : clamp(now), bucket) + bucket;
  Micros start = end - bucket * static_cast<Micros>(n);
  if (since && clamp(*since) > start) start = BucketStart(clamp(*since), bucket);
  if (start >= end) return {end, 0};
  return {start, static_cast<size_t>((end - start) / bucket)};
}

bool HistogramCounter::Add(Micros recorded_at, std::string_view tag, uint64_t count) {
  const Micros start = BucketStart(recorded_at, bucket_);
  if (counts_.size() >= max_buckets_ && !counts_.count(start)) {
    if (start < counts_.begin()->first) return false;
    counts_.erase(counts_.begin());  // out of order input: keep the newest
  }
  auto& by_prefix = counts_[start];
  std::string_view prefix = TagPrefixOf(tag);
  auto it = by_prefix.find(prefix);
  if (it == by_prefix.end()) it = by_prefix.emplace(std::string(prefix), 0).first;
  it->second += count;
  return true;
}

std::vector<HistogramBucket> HistogramCounter::Finish(bool complete) const {
  std::vector<HistogramBucket> out;
  auto it = counts_.begin();
  if (!complete) {
    Micros from = std::numeric_limits<Micros>::max();  // nothing counted
    if (it != counts_.end()) from = (it++)->first + bucket_;
    if (it != counts_.end()) from = it->first;
    out.push_back(HistogramBucket{from, "", 0});
  }
  for (; it != counts_.end(); ++it) {
    for (const auto& [prefix, n] : it->second) out.push_back(HistogramBucket{it->first, prefix, n});
  }
  return out;
}

}  // namespace trail
