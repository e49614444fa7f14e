// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// trail_bench_store: trail's embedded store in process — the store's own ingest ceiling, with
// no HTTP, no JSON parsing and no client on the clock.
//
// Events come from the Workload, prepared exactly as the HTTP ingest path prepares them
// (PrepareEvent with the warehouse types), in batches of --batch (1000). They are prepared
// before the clock starts; what is timed is SqliteStore alone: seq and recorded_at assignment,
// leaf hash (SHA-256), the INSERTs, COMMIT with fsync (WAL, synchronous=FULL), the posting
// index, and sealing segments as they fill. SqliteStore runs with the server's defaults
// (65,536-event segments, queue 100,000, commits of at most 20,000 events).
//
//   append_sync  — one batch at a time: AppendSync(batch), wait for the ack, next batch
//                  (also reports each batch's latency: p50, p99, max).
//   append_async — Append() with up to --inflight batches outstanding, so that the writer's
//                  group commit joins several batches per transaction (what a busy server
//                  sees).
//
// Each mode runs --reps times on one store that starts empty (reps alternate modes); the
// median is reported. One JSON line per figure, plus the store's bytes per event at the end.
//
// --integrity instead compares pipelined Append into a store keeping the tree and signed
// checkpoints with one that does not (SqliteOptions::maintain_tree), reps alternating.
#include <condition_variable>
#include <filesystem>
#include <mutex>

#include "bench_common.h"
#include "store/sqlite/sqlite_store.h"
#include "tlog/note.h"

namespace trail::bench {
namespace {

namespace fs = std::filesystem;

std::vector<std::vector<PreparedEvent>> MakeBatches(Workload& w, const TypeRegistry& types,
                                                    Uuid7Generator& ids, size_t events,
                                                    size_t batch) {
  std::vector<std::vector<PreparedEvent>> out(events / batch);
  for (auto& b : out) {
    b.reserve(batch);
    for (size_t i = 0; i < batch; ++i) b.push_back(NextPrepared(w, types, ids));
  }
  return out;
}

double RunSync(Store& store, std::vector<std::vector<PreparedEvent>> batches, size_t* n,
               std::vector<double>* latency_ms) {
  double t0 = Now();
  for (auto& b : batches) {
    size_t k = b.size();
    double s = Now();
    auto r = store.AppendSync(std::move(b));
    latency_ms->push_back((Now() - s) * 1e3);
    if (!r.ok()) Die("AppendSync: " + r.status().ToString());
    *n += k;
  }
  return Now() - t0;
}

double RunAsync(Store& store, std::vector<std::vector<PreparedEvent>> batches, size_t inflight,
                size_t* n) {
  std::mutex mu;
  std::condition_variable cv;
  size_t outstanding = 0;
  std::string error;
  double t0 = Now();
  for (auto& b : batches) {
    {
      std::unique_lock l(mu);
      cv.wait(l, [&] { return outstanding < inflight; });
      ++outstanding;
    }
    *n += b.size();
    store.Append(std::move(b), [&](Status s, std::vector<Ack>) {
      std::lock_guard l(mu);
      if (!s.ok() && error.empty()) error = s.ToString();
      --outstanding;
      cv.notify_all();
    });
  }
  std::unique_lock l(mu);
  cv.wait(l, [&] { return outstanding == 0; });
  double secs = Now() - t0;
  if (!error.empty()) Die("Append: " + error);
  return secs;
}

uint64_t DirBytes(const std::string& dir) {
  uint64_t n = 0;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file()) n += e.file_size();
  return n;
}

// Tree cost: the same pipelined batches into two stores side by side, one keeping the Merkle
// tree, its tiles and signed checkpoints (as trail always does), one with maintain_tree off.
// Reps alternate between the stores so that drift on a shared machine hits both alike.
int CompareIntegrity(const TypeRegistry& types, const std::string& dir, size_t per_rep,
                     size_t batch, int reps, size_t inflight) {
  Uuid7Generator ids(SystemClock::Get());
  Workload w(12);
  auto signer = tlog::NoteSigner::FromSeed(std::string(32, '\x07'), "bench.trail");
  if (!signer.ok()) Die("signer: " + signer.status().ToString());
  std::unique_ptr<SqliteStore> stores[2];
  for (int k = 0; k < 2; ++k) {
    fs::create_directories(dir + (k ? "/without" : "/with"));
    SqliteOptions o;
    o.path = dir + (k ? "/without" : "/with") + "/trail.db";
    if (k == 0) {
      o.signer = &signer.value();
      o.origin = "bench.trail";
    } else {
      o.maintain_tree = false;
    }
    auto opened = SqliteStore::Open(o);
    if (!opened.ok()) Die("open store: " + opened.status().ToString());
    stores[k] = std::move(opened.value());
  }
  std::vector<double> rates[2];
  for (int i = 0; i < reps; ++i) {
    for (int k : {i % 2, 1 - i % 2}) {
      size_t n = 0;
      double secs = RunAsync(*stores[k], MakeBatches(w, types, ids, per_rep, batch), inflight, &n);
      rates[k].push_back(static_cast<double>(n) / secs);
      Progress(std::string(k ? "without" : "with") + " tree and checkpoints: rep " +
               std::to_string(i + 1) + ": " + std::to_string(static_cast<int>(rates[k].back())) +
               " events/s");
    }
  }
  const uint64_t tree_size =
      stores[0]->LatestCheckpoint() ? stores[0]->LatestCheckpoint()->size : 0;
  stores[0].reset();
  stores[1].reset();
  JsonObj j;
  j.Str("figure", "store_integrity_ratio")
      .Num("with_events_per_s", Median(rates[0]))
      .Num("without_events_per_s", Median(rates[1]))
      .Num("ratio", Median(rates[0]) / Median(rates[1]))
      .Nums("with_reps", rates[0])
      .Nums("without_reps", rates[1])
      .Int("batch", batch)
      .Int("inflight", inflight)
      .Int("events_per_rep", per_rep)
      .Int("last_checkpoint_size", tree_size);
  Emit(j);
  fs::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace trail::bench

int main(int argc, char** argv) {
  using namespace trail;
  using namespace trail::bench;
  Flags f(argc, argv);
  const std::string types_file = f.Str("events-file", "examples/warehouse/events.toml");
  const std::string dir = f.Str("workdir", "/tmp/trail-bench-store");
  const size_t batch = static_cast<size_t>(f.Num("batch", 1000));
  const size_t per_rep = static_cast<size_t>(f.Num("events", 300000));
  const int reps = static_cast<int>(f.Num("reps", 3));
  const size_t inflight = static_cast<size_t>(f.Num("inflight", 16));
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto types = LoadTypes(types_file);
  if (f.Has("integrity")) return CompareIntegrity(*types, dir, per_rep, batch, reps, inflight);
  Uuid7Generator ids(SystemClock::Get());
  Workload w(11);

  SqliteOptions o;
  o.path = dir + "/trail.db";
  o.segment_bits = static_cast<int>(f.Num("segment-bits", o.segment_bits));  // diagnostics
  const bool keep = f.Has("keep");  // leave the store in --workdir (diagnostics)
  auto opened = SqliteStore::Open(o);
  if (!opened.ok()) Die("open store: " + opened.status().ToString());
  std::unique_ptr<SqliteStore> store = std::move(opened.value());

  std::vector<double> sync_rates, async_rates, sync_latency;
  size_t total = 0;
  uint64_t async_commits = 0, async_committed = 0;
  for (int i = 0; i < reps; ++i) {
    size_t n = 0;
    double secs = RunSync(*store, MakeBatches(w, *types, ids, per_rep, batch), &n, &sync_latency);
    sync_rates.push_back(static_cast<double>(n) / secs);
    total += n;
    Progress("AppendSync " + std::to_string(batch) + "/batch: rep " + std::to_string(i + 1) + ": " +
             std::to_string(static_cast<int>(sync_rates.back())) + " events/s");
    n = 0;
    auto batches = MakeBatches(w, *types, ids, per_rep, batch);
    StoreStats s0 = store->Stats();
    secs = RunAsync(*store, std::move(batches), inflight, &n);
    StoreStats s1 = store->Stats();
    async_commits += s1.commits - s0.commits;
    async_committed += s1.committed_events - s0.committed_events;
    async_rates.push_back(static_cast<double>(n) / secs);
    total += n;
    Progress("Append x" + std::to_string(inflight) + " in flight: rep " + std::to_string(i + 1) +
             ": " + std::to_string(static_cast<int>(async_rates.back())) + " events/s");
  }
  const size_t index_entries = store->index().memory_entries();
  store.reset();  // drain and close: the WAL is checkpointed into the database
  {
    JsonObj j;
    j.Str("figure", "store_append_sync")
        .Num("events_per_s", Median(sync_rates))
        .Nums("reps", sync_rates)
        .Int("batch", batch)
        .Int("events_per_rep", per_rep)
        .Num("batch_p50_ms", Percentile(sync_latency, 0.5))
        .Num("batch_p99_ms", Percentile(sync_latency, 0.99))
        .Num("batch_max_ms", Percentile(sync_latency, 1.0));
    Emit(j);
  }
  {
    JsonObj j;
    j.Str("figure", "store_append_async")
        .Num("events_per_s", Median(async_rates))
        .Nums("reps", async_rates)
        .Int("batch", batch)
        .Int("inflight", inflight)
        .Int("events_per_rep", per_rep)
        .Int("commits", async_commits)
        .Num("events_per_commit", async_commits ? static_cast<double>(async_committed) /
                                                      static_cast<double>(async_commits)
                                                : 0);
    Emit(j);
  }
  {
    JsonObj j;
    j.Str("figure", "store_size")
        .Int("events", total)
        .Int("bytes", DirBytes(dir))
        .Num("bytes_per_event", static_cast<double>(DirBytes(dir)) / static_cast<double>(total))
        .Int("open_index_entries", index_entries);
    Emit(j);
  }
  if (!keep) fs::remove_all(dir);
  return 0;
}
