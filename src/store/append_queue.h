// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// AppendQueue: the bounded hand-off between request threads and a store's single writer.
//
// Push() never blocks: it fails with kResourceExhausted (429) when the events accepted but not
// yet durable would exceed the bound, and kUnavailable (503) once closed. The writer takes all
// waiting requests at once (up to a batch bound) so that they share one commit, and calls
// Release() after their commit so the bound counts "accepted, not yet durable". Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "store/store.h"

namespace trail {

struct AppendRequest {
  std::vector<PreparedEvent> events;
  AppendCallback done;
  std::chrono::steady_clock::time_point enqueued;
};

class AppendQueue {
 public:
  explicit AppendQueue(size_t max_events) : max_events_(max_events) {}

  // Moves from `r` only when it accepts it; on failure `r` is left untouched (the caller
  // still owns its callback).
  Status Push(AppendRequest& r) {
    std::lock_guard<std::mutex> l(mu_);
    if (closed_) return Status::Unavailable("the store is shutting down");
    size_t n = r.events.size();
    if (pending_ > 0 && pending_ + n > max_events_)
      return Status::Exhausted("ingest queue is full (" + std::to_string(pending_) +
                               " events pending)");
    pending_ += n;
    r.enqueued = std::chrono::steady_clock::now();
    q_.push_back(std::move(r));
    cv_.notify_one();
    return Status::Ok();
  }

  // Queues a request, or answers `done` at once with the refusal (queue full, closed).
  void Enqueue(std::vector<PreparedEvent> events, AppendCallback done) {
    AppendRequest r{std::move(events), std::move(done), {}};
    Status s = Push(r);
    if (!s.ok()) r.done(s, {});  // Push leaves r intact when it refuses
  }

  // Maintenance work (retention batches) that must run on the writer between commits, so
  // that it interleaves with ingest instead of competing for the database's write lock.
  using Task = std::function<void()>;
  Status PushTask(Task t) {
    std::lock_guard<std::mutex> l(mu_);
    if (closed_) return Status::Unavailable("the store is shutting down");
    tasks_.push_back(std::move(t));
    cv_.notify_one();
    return Status::Ok();
  }

  // A store's own follow-up work (acknowledging commits once durable): taken before requests
  // and maintenance tasks, and accepted after Close() too (the writer finishes what it started).
  void PushCompletion(Task t) {
    std::lock_guard<std::mutex> l(mu_);
    completions_.push_back(std::move(t));
    cv_.notify_one();
  }
  // Waits for requests or a task; moves whole requests into *out until max_events is reached
  // (at least one request if any wait), at most one maintenance task into *task and at most
  // one completion into *completion (merged into *task when null). Returns false when closed
  // and empty.
  bool PopBatch(size_t max_events, std::vector<AppendRequest>* out, Task* task,
                Task* completion = nullptr) {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return closed_ || !q_.empty() || !tasks_.empty() || !completions_.empty(); });
    if (!completions_.empty() && completion != nullptr) {
      *completion = std::move(completions_.front());
      completions_.pop_front();
    } else if (!completions_.empty()) {
      *task = std::move(completions_.front());
      completions_.pop_front();
    }
    if (!*task && !tasks_.empty()) {
      *task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    if (q_.empty())
      return static_cast<bool>(*task) || (completion != nullptr && static_cast<bool>(*completion));
    size_t n = 0;
    while (!q_.empty() && (out->empty() || n + q_.front().events.size() <= max_events)) {
      n += q_.front().events.size();
      out->push_back(std::move(q_.front()));
      q_.pop_front();
    }
    return true;
  }
  void Release(size_t events) {
    std::lock_guard<std::mutex> l(mu_);
    pending_ -= std::min(pending_, events);
  }

  void Close() {
    std::lock_guard<std::mutex> l(mu_);
    closed_ = true;
    cv_.notify_all();
  }

  // True when requests are queued that the writer has not taken yet.
  bool waiting() const {
    std::lock_guard<std::mutex> l(mu_);
    return !q_.empty();
  }

  size_t pending() const {
    std::lock_guard<std::mutex> l(mu_);
    return pending_;
  }

 private:
  const size_t max_events_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<AppendRequest> q_;
  std::deque<Task> tasks_;
  std::deque<Task> completions_;
  size_t pending_ = 0;
  bool closed_ = false;
};

}  // namespace trail
