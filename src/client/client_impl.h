// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// Client::Impl: the state behind trail::Client (include/trail/client.h) and its threads.
//
// Threads: callers of Record()/Flush()/Stats(); one dispatcher (cuts the queue into batches,
// owns the spool and replays it on its own connection); `connections` senders (POST batches
// in direct mode). Everything below `mu` is guarded by it; the spool, `replay` and the key
// generator belong to the dispatcher alone.
//
// Where an event can be, in order of its life: incoming → (dispatching) → a Batch in ready /
// at a sender / failed (open_ranges) → (moving) → overflow → the spool (spool_waiters) →
// acknowledged or refused. Flush() takes the lowest record number still in any of them.
#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "client/backoff.h"
#include "client/http_connection.h"
#include "client/spool.h"
#include "trail/client.h"

namespace trail {

namespace client {

// One event as sent: its NDJSON line and, for events of this process, who waits for it.
struct Line {
  std::string text;
  uint64_t n = 0;  // record number; 0 for records an earlier process spooled
  bool has_promise = false;
  std::promise<Client::Ack> promise;
  bool done = false;  // acknowledged or refused
  Client::Ack ack;
};

struct Batch {
  uint64_t id = 0;
  std::vector<Line> lines;
};

struct Item {
  Client::Event event;
  std::promise<Client::Ack> promise;
  uint64_t n = 0;
};

// The callers' queue: chunks of `chunk` items whose buffers are recycled, so that Record()
// neither moves queued events nor allocates in steady state, however long the queue grows.
// Guarded by Impl::mu.
class ItemQueue {
 public:
  using Chunks = std::vector<std::vector<Item>>;
  void Init(size_t chunk) {
    chunk_ = chunk;
    chunks_.reserve(256);
    for (size_t i = 0; i < kMinSpare; ++i) spare_.push_back(FreshChunk(chunk));
  }
  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  uint64_t front_n() const { return chunks_.front().front().n; }
  void Push(Item&& item) {
    if (chunks_.empty() || chunks_.back().size() >= chunk_) {
      if (!spare_.empty()) {
        chunks_.push_back(std::move(spare_.back()));
        spare_.pop_back();
      } else {
        chunks_.emplace_back().reserve(chunk_);
      }
    }
    chunks_.back().push_back(std::move(item));
    size_++;
  }
  // Everything queued, in O(1); `out` must hold no items.
  void TakeAll(Chunks* out) {
    out->clear();
    out->swap(chunks_);
    size_ = 0;
  }
  // Emptied chunks (cleared by the caller, outside the lock) for reuse.
  void Recycle(Chunks* chunks) {
    for (auto& c : *chunks)
      if (spare_.size() < kMaxSpare && c.capacity() >= chunk_) spare_.push_back(std::move(c));
    chunks->clear();
  }
  // How many fresh chunks the dispatcher should make (outside the lock) and Give: Record()
  // then never takes a page fault on new memory while the queue grows.
  size_t SparesWanted() const { return spare_.size() < kMinSpare ? kMinSpare - spare_.size() : 0; }
  void Give(std::vector<Item>&& chunk) { spare_.push_back(std::move(chunk)); }
  static std::vector<Item> FreshChunk(size_t chunk) {
    std::vector<Item> c;
    c.reserve(chunk);
    volatile char* p = reinterpret_cast<volatile char*>(c.data());  // touch every page now
    for (size_t i = 0; i < chunk * sizeof(Item); i += 4096) p[i] = 0;
    return c;
  }
  size_t chunk() const { return chunk_; }

 private:
  static constexpr size_t kMinSpare = 8, kMaxSpare = 32;

  size_t chunk_ = 1000;
  size_t size_ = 0;
  Chunks chunks_, spare_;
};

// What a delivery attempt came to.
struct Delivery {
  bool ok = false;     // every line done
  std::string reason;  // otherwise: the transient failure
  std::optional<double> retry_after;
  uint64_t sent = 0, refused = 0;
};

}  // namespace client

struct Client::Impl {
  enum class Mode { kDirect, kSpooling };

  Options opt;
  ParsedUrl url;
  std::string target;  // base path + /v1/events
  std::map<std::string, std::string> headers;
  client::Backoff backoff;
  std::unique_ptr<client::Spool> spool;
  int lock_fd = -1;
  std::string spool_dir;

  mutable std::mutex mu;
  std::condition_variable work_cv;    // the dispatcher waits here
  std::condition_variable sender_cv;  // senders wait here
  std::condition_variable done_cv;    // Flush() and a Record() that waits for room

  client::ItemQueue incoming;
  std::chrono::steady_clock::time_point incoming_since;
  uint64_t recorded = 0;  // record numbers handed out
  uint64_t queued = 0;    // events in memory, not acknowledged, refused nor spooled
  Mode mode = Mode::kDirect;
  std::deque<std::unique_ptr<client::Batch>> ready;
  std::vector<std::unique_ptr<client::Batch>> failed;
  std::map<uint64_t, uint64_t> open_ranges;  // batch id -> its lowest record number
  int at_senders = 0;
  uint64_t dispatching_low = 0, moving_low = 0;  // 0: none
  std::deque<client::Line> overflow;             // waiting for room in the spool
  std::deque<client::Line> spool_waiters;        // this process's spooled lines, in order
  uint64_t spool_foreign = 0;                    // records at the spool's head from before
  bool spool_full = false;
  uint64_t next_batch_id = 1;

  uint64_t flush_gen = 0, handled_gen = 0, failed_gen = 0;
  int flushers = 0;
  bool closing = false;
  std::optional<std::chrono::steady_clock::time_point> failing_since;
  int attempt = 0;
  std::chrono::steady_clock::time_point retry_at;
  Counters counts;
  std::mt19937_64 rng{std::random_device{}()};

  std::thread dispatcher;
  std::vector<std::thread> senders;

  // Dispatcher-only state.
  struct Replay {
    std::vector<client::Line> lines;
    client::SpoolPosition end;
    uint64_t bytes = 0;
  };
  std::optional<Replay> replay;
  client::ItemQueue::Chunks work_chunks;  // what TakeIncoming took, recycled after
  std::string key_bytes;
  size_t key_used = 0;

  void Log(const std::string& line) const;
  uint64_t LowestUnsettled() const;  // under mu
  uint64_t LowestUndelivered() const;
  void MirrorSpool();  // under mu: spool figures into counts
  void Failed(uint64_t gen, const std::string& reason, std::optional<double> retry_after);
  void Healthy();

  // The dispatcher's steps: called and returning with `l` locked; they unlock for I/O.
  void DispatcherLoop();
  std::vector<client::Line> TakeIncoming(std::unique_lock<std::mutex>& l);
  void CutBatches(std::unique_lock<std::mutex>& l);
  void SpoolStep(std::unique_lock<std::mutex>& l, HttpConnection& conn);
  void MoveToSpool(std::unique_lock<std::mutex>& l);
  void ReplayOne(std::unique_lock<std::mutex>& l, HttpConnection& conn);
  void FinalSpool(std::unique_lock<std::mutex>& l);
  void SenderLoop();

  // Without the lock.
  bool Serialize(client::Item& item, std::string* line, std::string* error);
  std::string NewIdempotencyKey();
  client::Delivery Deliver(HttpConnection& conn, std::vector<client::Line>& lines);
  static void Resolve(client::Line& line, Ack ack);
};

}  // namespace trail
