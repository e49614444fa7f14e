// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// PostgresStore: start-up (connect, migrate, check the stored tree against the last
// checkpoint), the threads' lifetime, and the small accessors. The work itself is in
// pg_writer.cc (group commit), pg_sequencer.cc (seq, tree, checkpoints), pg_listener.cc
// (what every node knows, read-your-writes), pg_query.cc (reads, keys), pg_tiles.cc and
// pg_retention.cc.
#include "store/postgres/postgres_store.h"

#include <cstdio>

#include "core/codec.h"
#include "core/restarting_loop.h"
#include "store/postgres/pg_internal.h"

namespace trail {

using pg::PgConn;

PostgresStore::PostgresStore(const PostgresOptions& options)
    : opt_(options), queue_(options.queue_limit) {}

Result<std::unique_ptr<PostgresStore>> PostgresStore::Open(const PostgresOptions& options) {
  std::unique_ptr<PostgresStore> s(new PostgresStore(options));
  TRAIL_RETURN_IF_ERROR(s->Init());
  s->writer_thread_ =
      std::thread([p = s.get()] { RunRestarting("writer", [p] { p->WriterLoop(); }); });
  s->listener_thread_ =
      std::thread([p = s.get()] { RunRestarting("listener", [p] { p->ListenerLoop(); }); });
  if (options.sequencer)
    s->sequencer_thread_ =
        std::thread([p = s.get()] { RunRestarting("sequencer", [p] { p->SequencerLoop(); }); });
  return s;
}

PostgresStore::~PostgresStore() { Drain(); }

void PostgresStore::Log(const std::string& msg) const {
  if (opt_.log) {
    opt_.log(msg);
    return;
  }
  std::fprintf(stderr, "trail: %s\n", msg.c_str());
  std::fflush(stderr);
}

Status PostgresStore::Init() {
  params_ = std::make_unique<pg::ConnectParams>();
  params_->url = opt_.url;
  pool_ = std::make_unique<pg::PgPool>(*params_, opt_.pool_size);
  writer_backoff_ = std::make_unique<pg::Backoff>();
  delay_ = std::make_unique<DelayStats>();

  // A node may start before its database: keep trying for a while.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  auto lease = pool_->Acquire();
  while (!lease.ok()) {
    if (lease.status().code() != Code::kUnavailable || std::chrono::steady_clock::now() > deadline)
      return lease.status();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    lease = pool_->Acquire();
  }
  PgConn& c = **lease;
  TRAIL_RETURN_IF_ERROR(pg::Migrate(c));

  if (!opt_.origin.empty()) {
    auto r =
        c.Query("INSERT INTO meta(key, value) VALUES('origin', $1) ON CONFLICT (key) DO NOTHING",
                {opt_.origin});
    if (!r.ok()) return r.status();
    auto origin = pg::ReadMeta(c, "origin");
    if (!origin.ok()) return origin.status();
    if (*origin && **origin != opt_.origin)
      return Status::Invalid("invalid_config", "this log's name is '" + **origin +
                                                   "'; it cannot become '" + opt_.origin +
                                                   "' (verifiers know it by its name)");
  }

  // Refuse to serve (and later to sign) if the stored tree does not extend the last signed
  // checkpoint, or if this node's key is not the one that signed it.
  auto cp = pg::ReadMeta(c, "checkpoint");
  if (!cp.ok()) return cp.status();
  if (*cp) {
    if (opt_.signer) {
      auto ok = tlog::VerifyNote(**cp, opt_.signer->VerifierKey());
      if (!ok.ok())
        return Status::Invalid(
            "invalid_config",
            "log.key is not the key that signed this log's checkpoints: every node of a "
            "deployment needs the same log.key (" +
                ok.status().message() + ")");
    }
    const std::string& note = **cp;
    auto sep = note.find("\n\n");
    auto body = tlog::ParseCheckpoint(sep == std::string::npos ? note : note.substr(0, sep + 1));
    if (!body.ok())
      return Status::Corruption("the last checkpoint cannot be parsed: " + body.status().message());
    auto tree = pg::ReadMeta(c, "tree");
    if (!tree.ok()) return tree.status();
    uint64_t size = 0;
    if (*tree) {
      auto bytes = Base64Decode(**tree);
      if (!bytes) return Status::Corruption("meta.tree is not base64");
      auto range = tlog::CompactRange::Parse(*bytes);
      if (!range.ok()) return range.status();
      size = range->size();
    }
    if (body->size > size)
      return Status::Corruption("the stored tree (" + std::to_string(size) +
                                " leaves) is older than the last signed checkpoint (" +
                                std::to_string(body->size) +
                                "): refusing to start rather than sign an inconsistent checkpoint");
    pg::PgTiles tiles(c);
    auto root = tlog::RootAt(body->size, tiles);
    if (!root.ok()) return root.status();
    if (*root != body->root)
      return Status::Corruption("the tree's root at size " + std::to_string(body->size) +
                                " differs from the last signed checkpoint");
  }
  // Read-your-writes across a restart: what the previous process on this database (this node
  // before a crash, say) acknowledged may still be pending; reads wait for it as for this
  // node's own writes, so nothing acknowledged is ever missing from a read.
  auto pending = c.Query("SELECT COALESCE(max(arrival), 0) FROM pending");
  if (!pending.ok()) return pending.status();
  pg::AtomicMax(acked_arrival_, pending->Int(0, 0));
  return Refresh(c, true);
}

void PostgresStore::Drain() {
  if (drained_.exchange(true)) return;
  queue_.Close();
  if (writer_thread_.joinable()) writer_thread_.join();
  // Everything accepted is committed; the sequencer (if this node is it) sequences what is
  // pending, signs a last checkpoint and ends its session, handing the role over.
  sequencer_stop_ = true;
  if (sequencer_thread_.joinable()) sequencer_thread_.join();
  listener_stop_ = true;
  if (listener_thread_.joinable()) listener_thread_.join();
}

bool PostgresStore::Healthy() { return db_ok_.load() && !drained_.load(); }

uint64_t PostgresStore::ReadableEnd() { return readable_end_.load(); }

uint64_t PostgresStore::WaitForEvents(uint64_t end, int timeout_ms) {
  std::unique_lock<std::mutex> l(end_mu_);
  end_cv_.wait_for(l, std::chrono::milliseconds(timeout_ms),
                   [&] { return readable_end_.load() > end; });
  return readable_end_.load();
}

StoreStats PostgresStore::Stats() {
  StoreStats out;
  {
    std::lock_guard<std::mutex> l(stats_mu_);
    out = stats_;
  }
  out.events = readable_end_.load();
  out.queue_depth = queue_.pending();
  out.shared = true;
  out.sequencer = leader_.load();
  // Arrivals are numbered by a sequence: those past the sequencer's progress are committed
  // and waiting (or, briefly, still being committed, or lost to a rolled-back transaction).
  out.pending_events = static_cast<uint64_t>(std::max<int64_t>(
      0, std::max(last_arrival_.load(), acked_arrival_.load()) - sequenced_arrival_.load()));
  const IntegrationDelay d = Delay();
  out.integration_events = d.events;
  out.integration_p50_seconds = d.p50_ms / 1e3;
  out.integration_p99_seconds = d.p99_ms / 1e3;
  out.integration_max_seconds = d.max_ms / 1e3;
  out.integration_sum_seconds = d.sum_ms / 1e3;
  return out;
}

IntegrationDelay PostgresStore::Delay() const {
  std::lock_guard<std::mutex> l(delay_mu_);
  IntegrationDelay d;
  d.events = delay_->count;
  d.p50_ms = delay_->Percentile(0.50);
  d.p99_ms = delay_->Percentile(0.99);
  d.max_ms = delay_->max_us / 1000.0;
  d.sum_ms = static_cast<double>(delay_->sum_us) / 1000.0;
  return d;
}

bool PostgresStore::WaitSequenced(int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (acked_arrival_.load() > caught_up_arrival_.load() &&
         std::chrono::steady_clock::now() < deadline) {
    WaitOwnWrites(100);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return acked_arrival_.load() <= caught_up_arrival_.load();
}

}  // namespace trail
