#include "store/histogram.h"

#include <limits>

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
