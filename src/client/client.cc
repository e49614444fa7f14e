// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// trail::Client: the caller's side (Record, Flush, Stats) and the dispatcher thread, which
// cuts batches for the senders in direct mode and owns the spool in spool mode.
// The sending half is in delivery.cc; the state and its rules in client_impl.h.
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "client/client_impl.h"

namespace trail {

using client::Batch;
using client::Item;
using client::Line;
using SteadyClock = std::chrono::steady_clock;

namespace {
constexpr size_t kMaxBatchBytes = 4 << 20;  // half the server's default body limit
}

// ---- the caller's side ----

std::unique_ptr<Client> Client::Open(Options o, std::string* error) {
  auto fail = [&](const std::string& m) {
    if (error) *error = m;
    return std::unique_ptr<Client>();
  };
  auto u = ParseUrl(o.url);
  if (!u.ok()) return fail(u.status().message());
  if (o.key.empty()) return fail("an API key is required");
  if (o.spool_path.empty()) return fail("spool_path is required");
  o.batch_size = std::clamp<size_t>(o.batch_size, 1, 10000);
  o.connections = std::clamp(o.connections, 1, 64);
  o.max_spool_bytes = std::max<uint64_t>(o.max_spool_bytes, 1 << 20);
  o.max_queue = std::max(o.max_queue, o.batch_size);
  auto m = std::make_unique<Impl>();
  m->opt = std::move(o);
  m->url = *u;
  m->target = m->url.base_path + "/v1/events";
  m->headers = {{"Authorization", "Bearer " + m->opt.key}, {"User-Agent", "trail-client-cpp/0.1"}};
  m->backoff = {m->opt.backoff_initial, m->opt.backoff_max};
  auto spool = client::OpenSpoolSlot(m->opt.spool_path, m->opt.max_spool_bytes, &m->lock_fd);
  if (!spool.ok()) return fail("spool: " + spool.status().message());
  m->spool = std::move(spool.value());
  m->spool_dir = m->spool->dir();
  m->spool_foreign = m->spool->pending();
  m->mode = m->spool_foreign ? Impl::Mode::kSpooling : Impl::Mode::kDirect;
  m->MirrorSpool();
  m->incoming.Init(m->opt.batch_size);
  m->work_chunks.reserve(256);
  Impl* p = m.get();
  m->dispatcher = std::thread([p] { p->DispatcherLoop(); });
  for (int i = 0; i < m->opt.connections; ++i) m->senders.emplace_back([p] { p->SenderLoop(); });
  return std::unique_ptr<Client>(new Client(std::move(m)));
}

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Client::~Client() {
  Impl& m = *impl_;
  Flush(m.opt.close_timeout);
  {
    std::lock_guard l(m.mu);
    m.closing = true;
  }
  m.sender_cv.notify_all();
  m.work_cv.notify_all();
  m.done_cv.notify_all();
  for (auto& t : m.senders) t.join();
  m.dispatcher.join();
  if (m.lock_fd >= 0) ::close(m.lock_fd);
}

std::future<Client::Ack> Client::Record(Event event) {
  Impl& m = *impl_;
  Item item{std::move(event), {}, 0};
  if (!item.event.occurred_at) item.event.occurred_at = std::chrono::system_clock::now();
  std::future<Ack> f = item.promise.get_future();
  std::unique_lock l(m.mu);
  if (m.closing ||
      (m.queued >= m.opt.max_queue &&
       !m.done_cv.wait_for(l, m.opt.full_wait,
                           [&] { return m.closing || m.queued < m.opt.max_queue; })) ||
      m.closing) {
    uint64_t dropped = ++m.counts.dropped;
    std::string why = m.closing ? "the client is closing" : "the queue and the spool are full";
    l.unlock();
    if ((dropped & (dropped - 1)) == 0)  // the 1st, 2nd, 4th, … time
      m.Log("trail client: event rejected, " + why + " (" + std::to_string(dropped) + " so far)");
    item.promise.set_value(Ack{Ack::State::kRejected, "", std::nullopt, why});
    return f;
  }
  item.n = ++m.recorded;
  m.queued++;
  if (m.incoming.empty()) m.incoming_since = SteadyClock::now();
  m.incoming.Push(std::move(item));
  size_t n = m.incoming.size();
  l.unlock();
  if (n == 1 || n == m.opt.batch_size) m.work_cv.notify_one();
  return f;
}

bool Client::Flush(std::chrono::milliseconds timeout) {
  Impl& m = *impl_;
  std::unique_lock l(m.mu);
  uint64_t target = m.recorded;
  uint64_t gen = ++m.flush_gen;
  m.flushers++;
  m.work_cv.notify_one();
  m.sender_cv.notify_all();
  bool done = m.done_cv.wait_for(l, timeout, [&] {
    return (m.LowestUndelivered() > target && m.spool_foreign == 0) ||
           (m.failed_gen >= gen && m.LowestUnsettled() > target);
  });
  m.flushers--;
  return done;
}

Client::Counters Client::Stats() const {
  std::lock_guard l(impl_->mu);
  Counters c = impl_->counts;
  c.queued = impl_->queued;
  return c;
}

const std::string& Client::spool_dir() const { return impl_->spool_dir; }

// ---- shared helpers (under mu) ----

void Client::Impl::Log(const std::string& line) const {
  if (opt.log) {
    opt.log(line);
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
}

uint64_t Client::Impl::LowestUnsettled() const {
  uint64_t low = recorded + 1;
  auto take = [&](uint64_t n) {
    if (n) low = std::min(low, n);
  };
  if (!incoming.empty()) take(incoming.front_n());
  take(dispatching_low);
  if (!open_ranges.empty()) take(open_ranges.begin()->second);
  take(moving_low);
  if (!overflow.empty()) take(overflow.front().n);
  return low;
}

uint64_t Client::Impl::LowestUndelivered() const {
  uint64_t low = LowestUnsettled();
  if (!spool_waiters.empty()) low = std::min(low, spool_waiters.front().n);
  return low;
}

void Client::Impl::MirrorSpool() {
  counts.spooled = spool->pending();
  counts.spool_bytes = spool->disk_bytes();
  counts.torn = spool->torn();
  counts.corrupt = spool->corrupt();
}

void Client::Impl::Failed(uint64_t gen, const std::string& reason,
                          std::optional<double> retry_after) {
  auto now = SteadyClock::now();
  if (!failing_since) {
    failing_since = now;
    Log("trail client: delivery failed (" + reason + "); retrying");
  }
  failed_gen = std::max(failed_gen, gen);
  auto delay = backoff.Delay(attempt++, std::uniform_real_distribution<double>(0, 1)(rng));
  if (retry_after) {
    auto ra = std::chrono::microseconds(static_cast<int64_t>(std::min(*retry_after, 60.0) * 1e6));
    delay = std::max(delay, ra);
  }
  retry_at = std::max(retry_at, now + delay);
  counts.retries++;
  done_cv.notify_all();
}

void Client::Impl::Healthy() {
  if (failing_since) Log("trail client: server reachable again");
  failing_since.reset();
  attempt = 0;
  retry_at = {};
  sender_cv.notify_all();
  done_cv.notify_all();
}

// ---- the dispatcher ----

void Client::Impl::DispatcherLoop() {
  HttpConnection conn(url, opt.ca_file, opt.insecure);
  std::unique_lock l(mu);
  while (true) {
    if (size_t want = incoming.SparesWanted()) {
      size_t chunk = incoming.chunk();
      l.unlock();
      client::ItemQueue::Chunks fresh;
      for (size_t i = 0; i < want; ++i) fresh.push_back(client::ItemQueue::FreshChunk(chunk));
      l.lock();
      for (auto& c : fresh) incoming.Give(std::move(c));
    }
    if (!failed.empty() && mode == Mode::kDirect) mode = Mode::kSpooling;
    if (mode == Mode::kSpooling || closing) {
      if (at_senders > 0) {  // they put their batches down at the next step
        sender_cv.notify_all();
        work_cv.wait(l);
        continue;
      }
      if (closing) return FinalSpool(l);
      SpoolStep(l, conn);
      continue;
    }
    if (incoming.empty()) {
      work_cv.wait(l);
      continue;
    }
    auto due = incoming_since + opt.flush_interval;
    if (incoming.size() < opt.batch_size && flushers == 0 && SteadyClock::now() < due) {
      work_cv.wait_until(l, due);
      continue;
    }
    CutBatches(l);
  }
}

// Takes everything queued and turns it into lines (outside the lock); events that can never
// be sent are refused here. Returns the lines in record order.
std::vector<Line> Client::Impl::TakeIncoming(std::unique_lock<std::mutex>& l) {
  if (incoming.empty()) return {};
  dispatching_low = incoming.front_n();
  incoming.TakeAll(&work_chunks);
  l.unlock();
  std::vector<Line> lines;
  uint64_t refused = 0;
  std::string error;
  for (auto& chunk : work_chunks) {
    for (Item& it : chunk) {
      Line line;
      line.n = it.n;
      if (!Serialize(it, &line.text, &error)) {
        Log("trail client: event refused: " + error);
        it.promise.set_value(Ack{Ack::State::kRefused, "", std::nullopt, error});
        refused++;
        continue;
      }
      line.promise = std::move(it.promise);
      line.has_promise = true;
      lines.push_back(std::move(line));
    }
    chunk.clear();  // keeps its buffer for the queue
  }
  l.lock();
  incoming.Recycle(&work_chunks);
  dispatching_low = 0;
  counts.failed += refused;
  queued -= refused;
  return lines;
}

void Client::Impl::CutBatches(std::unique_lock<std::mutex>& l) {
  std::vector<Line> lines = TakeIncoming(l);
  std::unique_ptr<Batch> b;
  size_t bytes = 0;
  auto close_batch = [&] {
    if (!b) return;
    b->id = next_batch_id++;
    open_ranges[b->id] = b->lines.front().n;
    ready.push_back(std::move(b));
  };
  for (Line& line : lines) {
    if (b && (b->lines.size() >= opt.batch_size || bytes + line.text.size() + 1 > kMaxBatchBytes))
      close_batch();
    if (!b) {
      b = std::make_unique<Batch>();
      b->lines.reserve(std::min(opt.batch_size, lines.size()));
      bytes = 0;
    }
    bytes += line.text.size() + 1;
    b->lines.push_back(std::move(line));
  }
  close_batch();
  sender_cv.notify_all();
  done_cv.notify_all();
}

void Client::Impl::SpoolStep(std::unique_lock<std::mutex>& l, HttpConnection& conn) {
  auto now = SteadyClock::now();
  auto incoming_due_at = incoming_since + opt.flush_interval;
  bool incoming_due = !incoming.empty() &&
                      (incoming.size() >= opt.batch_size || flushers > 0 || now >= incoming_due_at);
  if (!spool_full && (!failed.empty() || !ready.empty() || !overflow.empty() || incoming_due)) {
    MoveToSpool(l);
    return;
  }
  if (spool->pending() == 0 && !replay) {
    // Everything spooled is delivered (or the disk took nothing): back to direct mode, with
    // what still waits in memory first.
    std::vector<std::unique_ptr<Batch>> front;
    while (!overflow.empty()) {
      auto b = std::make_unique<Batch>();
      while (!overflow.empty() && b->lines.size() < opt.batch_size) {
        b->lines.push_back(std::move(overflow.front()));
        overflow.pop_front();
      }
      b->id = next_batch_id++;
      open_ranges[b->id] = b->lines.front().n;
      front.push_back(std::move(b));
    }
    for (auto it = front.rbegin(); it != front.rend(); ++it) ready.push_front(std::move(*it));
    spool_full = false;
    mode = Mode::kDirect;
    sender_cv.notify_all();
    return;
  }
  if (now >= retry_at || flush_gen > handled_gen) {
    ReplayOne(l, conn);
    return;
  }
  auto wake = retry_at;
  if (!incoming.empty() && !spool_full) wake = std::min(wake, incoming_due_at);
  work_cv.wait_until(l, wake);
}

// Appends everything waiting in memory to the spool, oldest first: what did not fit before,
// the batches the senders gave back (by id), then the queue.
void Client::Impl::MoveToSpool(std::unique_lock<std::mutex>& l) {
  std::vector<Line> lines;
  for (Line& x : overflow) lines.push_back(std::move(x));
  overflow.clear();
  std::vector<std::unique_ptr<Batch>> batches;
  for (auto& b : failed) batches.push_back(std::move(b));
  for (auto& b : ready) batches.push_back(std::move(b));
  failed.clear();
  ready.clear();
  std::sort(batches.begin(), batches.end(),
            [](const auto& a, const auto& b) { return a->id < b->id; });
  for (auto& b : batches) {
    open_ranges.erase(b->id);
    for (Line& x : b->lines) lines.push_back(std::move(x));
  }
  moving_low = lines.empty() ? 0 : lines.front().n;
  std::vector<Line> more = TakeIncoming(l);  // unlocks while it serializes
  if (!moving_low && !more.empty()) moving_low = more.front().n;
  for (Line& x : more) lines.push_back(std::move(x));
  l.unlock();
  size_t appended = 0;
  if (!lines.empty()) {
    std::vector<std::string_view> texts;
    texts.reserve(lines.size());
    for (const Line& x : lines) texts.push_back(x.text);
    auto r = spool->Append(texts);
    if (r.ok()) {
      appended = *r;
    } else {
      Log("trail client: cannot write the spool: " + r.status().message() +
          "; events wait in memory");
    }
  }
  l.lock();
  moving_low = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i < appended) {
      lines[i].text = std::string();
      spool_waiters.push_back(std::move(lines[i]));
    } else {
      overflow.push_back(std::move(lines[i]));
    }
  }
  queued -= appended;
  counts.spooled_total += appended;
  bool was_full = spool_full;
  spool_full = appended < lines.size();
  if (spool_full && !was_full)
    Log("trail client: spool full (" + std::to_string(spool->max_bytes()) + " bytes); " +
        std::to_string(overflow.size()) + " events wait in memory");
  MirrorSpool();
  done_cv.notify_all();
}

// Sends the oldest spooled records once; on success moves the cursor past them and answers
// the futures of this process's events among them.
void Client::Impl::ReplayOne(std::unique_lock<std::mutex>& l, HttpConnection& conn) {
  uint64_t gen = handled_gen = flush_gen;
  l.unlock();
  if (!replay) {
    Replay r;
    std::vector<std::string> payloads;
    Status s = spool->Peek(opt.batch_size, kMaxBatchBytes, &payloads, &r.end);
    if (!s.ok()) {
      l.lock();
      Log("trail client: cannot read the spool: " + s.message());
      Failed(gen, "spool: " + s.message(), std::nullopt);
      return;
    }
    for (std::string& p : payloads) {
      r.bytes += p.size();
      Line line;
      line.text = std::move(p);
      r.lines.push_back(std::move(line));
    }
    replay = std::move(r);
  }
  client::Delivery d;
  d.ok = true;
  if (!replay->lines.empty()) d = Deliver(conn, replay->lines);  // only the lines not done
  Status committed;
  if (d.ok) committed = spool->Commit(replay->end, replay->lines.size(), replay->bytes);
  l.lock();
  counts.sent += d.sent;
  counts.replayed += d.sent;
  counts.failed += d.refused;
  if (!d.ok) {
    Failed(gen, d.reason, d.retry_after);
    return;
  }
  if (!committed.ok()) {  // delivered, but the cursor stays: the commit is tried again
    Log("trail client: cannot move the spool cursor: " + committed.message());
    Failed(gen, "spool: " + committed.message(), std::nullopt);
    return;
  }
  size_t k = 0, count = replay->lines.size();
  uint64_t foreign = std::min<uint64_t>(count, spool_foreign);
  spool_foreign -= foreign;
  for (k = foreign; k < count && !spool_waiters.empty(); ++k) {
    Resolve(spool_waiters.front(), std::move(replay->lines[k].ack));
    spool_waiters.pop_front();
  }
  if (spool->pending() == 0) {  // what is left can only be stale bookkeeping
    spool_waiters.clear();
    spool_foreign = 0;
  }
  replay.reset();
  spool_full = false;
  MirrorSpool();
  Healthy();
}

// Closing, the senders gone: what is still in memory goes to the spool; the futures of
// spooled events resolve kSpooled (the next client on this spool sends them).
void Client::Impl::FinalSpool(std::unique_lock<std::mutex>& l) {
  spool_full = false;
  MoveToSpool(l);
  for (Line& w : spool_waiters) Resolve(w, Ack{Ack::State::kSpooled, "", std::nullopt, ""});
  spool_waiters.clear();
  if (!overflow.empty()) {
    Log("trail client: spool full at close; " + std::to_string(overflow.size()) + " events lost");
    counts.dropped += overflow.size();
    for (Line& w : overflow)
      Resolve(w, Ack{Ack::State::kRejected, "", std::nullopt, "spool full when the client closed"});
    overflow.clear();
  }
}

}  // namespace trail
