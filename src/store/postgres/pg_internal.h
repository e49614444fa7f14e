// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// Internals shared by the PostgresStore translation units: advisory lock keys, notification
// channels, the event row layout, the schema migrations and the tile reader. Not part of any
// public interface.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "core/event.h"
#include "store/postgres/pg_conn.h"
#include "store/postgres/postgres_store.h"
#include "tlog/tiles.h"

namespace trail::pg {

// Session advisory locks (one 64-bit key space per database): "trail" + a number.
inline constexpr int64_t kMigrationLock = 0x747261696c000001;
inline constexpr int64_t kSequencerLock = 0x747261696c000002;
inline constexpr int64_t kRetentionLock = 0x747261696c000003;

// NOTIFY channels: a node committed pending rows; the sequencer committed "<end> <cp size>".
inline constexpr const char* kPendingChannel = "trail_pending";
inline constexpr const char* kSequencedChannel = "trail_sequenced";
// Notified (payload: the key id) when a key is created or revoked: every node's key cache
// reloads at once, so a revoked key stops working everywhere, open streams included.
inline constexpr const char* kKeysChannel = "trail_keys";

inline constexpr const char* kEventColumns =
    "seq, id::text, recorded_at, occurred_at, tag, subject, actor, ip, user_agent, metadata, "
    "leaf_hash, pruned, location, salt, personal_hash, body_hash";

// A row of kEventColumns (seq NULL: not sequenced yet).
inline void ReadEvent(const PgResult& r, int row, Event* e) {
  e->has_seq = !r.IsNull(row, 0);
  e->seq = e->has_seq ? static_cast<uint64_t>(r.Int(row, 0)) : 0;
  e->id = std::string(r.Text(row, 1));
  e->recorded_at = r.Int(row, 2);
  e->occurred_at = r.IsNull(row, 3) ? e->recorded_at : r.Int(row, 3);
  e->tag = std::string(r.Text(row, 4));
  e->subject = r.OptText(row, 5);
  e->actor = r.OptText(row, 6);
  e->ip = r.OptText(row, 7);
  e->user_agent = r.OptText(row, 8);
  e->metadata_json = r.IsNull(row, 9) ? "{}" : std::string(r.Text(row, 9));
  e->leaf_hash = r.Bytes(row, 10);
  e->pruned = r.Bool(row, 11);
  e->location_json = r.OptText(row, 12);
  e->salt = r.IsNull(row, 13) ? std::nullopt : std::optional<std::string>(r.Bytes(row, 13));
  e->personal_hash = r.Bytes(row, 14);
  e->body_hash = r.Bytes(row, 15);
}

template <typename T>
bool AtomicMax(std::atomic<T>& a, T v) {
  T cur = a.load();
  while (cur < v) {
    if (a.compare_exchange_weak(cur, v)) return true;
  }
  return false;
}

inline std::string Num(int64_t v) { return std::to_string(v); }
inline std::string Num(uint64_t v) { return std::to_string(v); }

// Brings the schema to the version this build knows, under an advisory lock so that nodes
// starting together migrate once. Refuses a database whose schema is newer than this build.
Status Migrate(PgConn& c);
int SchemaVersion();

// Hash tiles from one connection: level 0 from events.leaf_hash, level L from tree_nodes(8L).
class PgTiles final : public tlog::TileSource {
 public:
  explicit PgTiles(PgConn& c) : c_(c) {}
  Status ReadTile(int level, uint64_t index, int width, std::string* hashes) override;

 private:
  PgConn& c_;
};

// Reads a meta value (nullopt when absent).
Result<std::optional<std::string>> ReadMeta(PgConn& c, const char* key);

}  // namespace trail::pg

namespace trail {

// Insert → seq delays seen by this node's sequencer: a histogram of 0.5 ms buckets up to
// 10 s since start, and the raw samples of the current one-minute window for the log line.
struct PostgresStore::DelayStats {
  static constexpr int kBuckets = 20000;
  std::vector<uint64_t> hist = std::vector<uint64_t>(kBuckets + 1);
  uint64_t count = 0;
  int64_t max_us = 0;
  int64_t sum_us = 0;
  std::vector<int64_t> window;
  uint64_t window_count = 0;
  std::chrono::steady_clock::time_point window_start = std::chrono::steady_clock::now();

  void Observe(int64_t us) {
    if (us < 0) us = 0;
    hist[std::min<int64_t>(us / 500, kBuckets)]++;
    count++;
    sum_us += us;
    max_us = std::max(max_us, us);
    window_count++;
    if (window.size() < 200000) window.push_back(us);
  }
  // Once `every` has passed: a summary of the window ("" if nothing was sequenced), and a new
  // window.
  std::string TakeWindowLine(std::chrono::seconds every) {
    if (std::chrono::steady_clock::now() - window_start < every) return {};
    std::string line;
    if (window_count > 0) {
      auto pct = [&](double q) {
        const size_t k = static_cast<size_t>(q * static_cast<double>(window.size() - 1));
        std::nth_element(window.begin(), window.begin() + static_cast<long>(k), window.end());
        return window[k] / 1000.0;
      };
      const double p50 = pct(0.5), p99 = pct(0.99);
      const double mx = *std::max_element(window.begin(), window.end()) / 1000.0;
      char buf[200];
      std::snprintf(
          buf, sizeof buf,
          "%llu events in the last %lld s; integration delay p50 %.1f ms, p99 %.1f ms, max %.1f ms",
          static_cast<unsigned long long>(window_count), static_cast<long long>(every.count()), p50,
          p99, mx);
      line = buf;
    }
    window.clear();
    window_count = 0;
    window_start = std::chrono::steady_clock::now();
    return line;
  }
  // Upper bound of the bucket holding the p-quantile, in ms.
  double Percentile(double p) const {
    if (count == 0) return 0;
    const uint64_t rank = static_cast<uint64_t>(p * static_cast<double>(count - 1)) + 1;
    uint64_t seen = 0;
    for (int i = 0; i <= kBuckets; ++i) {
      seen += hist[i];
      if (seen >= rank) return std::min((i + 1) * 0.5, max_us / 1000.0);
    }
    return max_us / 1000.0;
  }
};

}  // namespace trail
