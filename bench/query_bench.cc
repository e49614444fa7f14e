// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// trail_bench_query: query latency on a large store (the target's size: 10 million events).
//
//   --build   Builds the store at --db with --events Workload events (if the marker
//             DB.done does not already name the same --events and --cache-key), through
//             SqliteStore::Append in batches of 1000 with several batches in flight — the
//             fastest path. recorded_at is spread evenly over the 365 days before the build
//             (a virtual clock advanced per batch), so time filters select realistic windows.
//   (default) Opens the store in process and times SqliteStore::Query.
//   --url U --key K  Times GET /v1/events on a server serving that store instead (one
//             keep-alive connection, requests one after another; latency = request sent to
//             whole reply read).
//
// Queries, with keys drawn from the workload's own distribution (a second Workload with
// another seed: its events' subjects, actors and tags), the newest page of 50 each:
//   subject          subject=<subject>                       (subject history, first page)
//   actor            actor=<actor>                           (actor history)
//   tag_prefix       tag=project:*                           (tag-prefix search)
//   search           q=tag:account:login:*                   (the same through the q syntax)
//   subject_tag_time subject=<s>&tag=<its tag>&since=&until= (a random 90-day window)
//   proof            GET /v1/events/{id}/proof of a random event (SPEC §5); in process the
//                    same steps: Get(id), InclusionProof from the stored tiles, the note
// Each rep runs --queries of each kind, interleaved, after a warm-up of --warmup each; the
// output pools all reps: p50, p99, max, and the p99 of each rep.
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "bench_common.h"
#include "client/http_connection.h"
#include "core/time_format.h"
#include "query/query.h"
#include "store/sqlite/db.h"
#include "store/sqlite/sqlite_store.h"
#include "tlog/tree.h"

namespace trail::bench {
namespace {

namespace fs = std::filesystem;
constexpr Micros kDay = 86400LL * 1000000;

class VirtualClock final : public Clock {
 public:
  Micros NowMicros() const override { return t_.load(); }
  void Set(Micros t) { t_.store(t); }

 private:
  std::atomic<Micros> t_{0};
};

struct Marker {
  uint64_t events = 0;
  std::string key;
  Micros t_first = 0, t_last = 0;
};

std::optional<Marker> ReadMarker(const std::string& db) {
  std::ifstream in(db + ".done");
  if (!in) return std::nullopt;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  boost::json::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.get_object();
  Marker m;
  m.events = static_cast<uint64_t>(o.at("events").to_number<int64_t>());
  m.key = std::string(o.at("key").as_string());
  m.t_first = o.at("t_first").to_number<int64_t>();
  m.t_last = o.at("t_last").to_number<int64_t>();
  return m;
}

void Build(const std::string& db, uint64_t events, const std::string& key,
           const std::string& types_file) {
  for (const char* s : {"", "-wal", "-shm", ".done"}) fs::remove(db + s);
  if (fs::path(db).has_parent_path()) fs::create_directories(fs::path(db).parent_path());
  auto types = LoadTypes(types_file);
  VirtualClock clock;
  const Micros start = (SystemClock::Get().NowMicros() - 365 * kDay) / 1000000 * 1000000;
  const double step = static_cast<double>(365 * kDay) / static_cast<double>(events);
  clock.Set(start);
  Uuid7Generator ids(clock);
  SqliteOptions o;
  o.path = db;
  o.clock = &clock;
  auto opened = SqliteStore::Open(o);
  if (!opened.ok()) Die("open " + db + ": " + opened.status().ToString());
  auto store = std::move(opened.value());
  Workload w(1);
  std::mutex mu;
  std::condition_variable cv;
  size_t outstanding = 0;
  std::string error;
  const size_t batch = 1000, inflight = 8;
  Progress("building a " + std::to_string(events) + "-event store at " + db);
  double t0 = Now(), last = t0;
  for (uint64_t done = 0; done < events;) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(batch, events - done));
    clock.Set(start + static_cast<Micros>(static_cast<double>(done) * step));
    std::vector<PreparedEvent> b;
    b.reserve(n);
    for (size_t i = 0; i < n; ++i) b.push_back(NextPrepared(w, *types, ids, clock));
    {
      std::unique_lock l(mu);
      cv.wait(l, [&] { return outstanding < inflight; });
      if (!error.empty()) Die("Append: " + error);
      ++outstanding;
    }
    store->Append(std::move(b), [&](Status s, std::vector<Ack>) {
      std::lock_guard l(mu);
      if (!s.ok() && error.empty()) error = s.ToString();
      --outstanding;
      cv.notify_all();
    });
    done += n;
    if (Now() - last > 10 || done == events) {
      last = Now();
      Progress(std::to_string(done) + " events, " + std::to_string(static_cast<int>(last - t0)) +
               " s, " + std::to_string(static_cast<int>(static_cast<double>(done) / (last - t0))) +
               " events/s");
    }
  }
  {
    std::unique_lock l(mu);
    cv.wait(l, [&] { return outstanding == 0; });
    if (!error.empty()) Die("Append: " + error);
  }
  store.reset();
  const double secs = Now() - t0;
  JsonObj m;
  m.Int("events", events)
      .Str("key", key)
      .Int("t_first", static_cast<uint64_t>(start))
      .Int("t_last", static_cast<uint64_t>(clock.NowMicros()))
      .Num("build_seconds", secs);
  std::ofstream(db + ".done") << m.Text() << "\n";
  JsonObj r;
  r.Str("figure", "query_store_build")
      .Int("events", events)
      .Num("seconds", secs)
      .Num("events_per_s", static_cast<double>(events) / secs);
  Emit(r);
}

using Params = std::vector<std::pair<std::string, std::string>>;

struct Kind {
  std::string name;
  std::function<Params(Workload&, std::mt19937_64&)> make;
};

std::string Target(const Params& p) {
  std::string t = "/v1/events?";
  for (size_t i = 0; i < p.size(); ++i) {
    if (i) t.push_back('&');
    t += p[i].first + "=" + UrlEncodeComponent(p[i].second, true);
  }
  return t;
}

struct Sample {
  std::vector<double> ms;
  std::vector<double> rep_p99, rep_p50;
  uint64_t results = 0, examined = 0, n = 0;
};

}  // namespace
}  // namespace trail::bench

int main(int argc, char** argv) {
  using namespace trail;
  using namespace trail::bench;
  Flags f(argc, argv);
  const std::string db = f.Str("db");
  if (db.empty()) Die("--db PATH is required");
  const std::string types_file = f.Str("events-file", "examples/warehouse/events.toml");
  const uint64_t events = static_cast<uint64_t>(f.Num("events", 10000000));
  const std::string key = f.Str("cache-key", "v1");
  const std::string url = f.Str("url");
  const int queries = static_cast<int>(f.Num("queries", 1000));
  const int warmup = static_cast<int>(f.Num("warmup", 100));
  const int reps = static_cast<int>(f.Num("reps", 3));

  if (f.Has("build")) {
    auto m = ReadMarker(db);
    if (m && m->events == events && m->key == key && fs::exists(db)) {
      Progress("reusing the " + std::to_string(events) + "-event store at " + db);
    } else {
      Build(db, events, key, types_file);
    }
    return 0;
  }
  auto marker = ReadMarker(db);
  if (!marker) Die(db + ".done is missing: build the store first (--build)");
  const Micros window = 90 * kDay;
  const Micros t_first = marker->t_first,
               t_span = std::max<Micros>(marker->t_last - marker->t_first - window, 1);

  std::vector<Kind> kinds = {
      {"subject",
       [](Workload& w, std::mt19937_64&) {
         w.NextJson();
         return Params{{"subject", w.last_subject()}};
       }},
      {"actor",
       [](Workload& w, std::mt19937_64&) {
         w.NextJson();
         return Params{{"actor", w.last_actor()}};
       }},
      {"tag_prefix",
       [](Workload&, std::mt19937_64&) {
         return Params{{"tag", "project:*"}};
       }},
      {"search",
       [](Workload&, std::mt19937_64&) {
         return Params{{"q", "tag:account:login:*"}};
       }},
      {"subject_tag_time",
       [&](Workload& w, std::mt19937_64& rng) {
         w.NextJson();
         Micros since = t_first + static_cast<Micros>(rng() % static_cast<uint64_t>(t_span));
         return Params{{"subject", w.last_subject()},
                       {"tag", w.last_tag()},
                       {"since", FormatRfc3339Micros(since)},
                       {"until", FormatRfc3339Micros(since + window)}};
       }},
  };

  // Integrity: an inclusion proof of a random event (its id looked up beforehand) in the tree of
  // all events, through the same path as GET /v1/events/{id}/proof: Get(id), the proof from
  // the stored tiles, the checkpoint note.
  std::vector<std::string> proof_ids;
  uint64_t tree_size = 0;
  {
    sqlite::Db sdb;
    if (Status s = sdb.Open(db, true); !s.ok()) Die("open " + db + ": " + s.ToString());
    sqlite::Stmt st;
    Status s = st.Prepare(sdb, "SELECT COALESCE(MAX(seq) + 1, 0) FROM events");
    if (s.ok() && st.Step(&s)) tree_size = static_cast<uint64_t>(st.Int(0));
    sqlite::Stmt by_seq;
    if (Status ps = by_seq.Prepare(sdb, "SELECT id FROM events WHERE seq = ?"); !ps.ok())
      Die(ps.ToString());
    std::mt19937_64 prng(779);
    for (int i = 0; i < 4096 && tree_size > 0; ++i) {
      by_seq.Reset();
      by_seq.Bind(1, static_cast<int64_t>(prng() % tree_size));
      Status rs;
      if (by_seq.Step(&rs)) proof_ids.emplace_back(by_seq.Text(0));
    }
  }
  if (!proof_ids.empty()) {
    kinds.push_back({"proof", [&](Workload&, std::mt19937_64& rng) {
                       return Params{{"@proof", proof_ids[rng() % proof_ids.size()]}};
                     }});
  }

  // The runner: in process or over HTTP. Returns latency (ms), result count, rows examined.
  std::unique_ptr<SqliteStore> store;
  std::unique_ptr<HttpConnection> conn;
  std::map<std::string, std::string> auth;
  if (url.empty()) {
    SqliteOptions o;
    o.path = db;
    auto opened = SqliteStore::Open(o);
    if (!opened.ok()) Die("open " + db + ": " + opened.status().ToString());
    store = std::move(opened.value());
  } else {
    auto u = ParseUrl(url);
    if (!u.ok()) Die("--url: " + u.status().ToString());
    conn = std::make_unique<HttpConnection>(*u);
    auth["Authorization"] = "Bearer " + f.Str("key");
  }
  auto run = [&](const Params& p, uint64_t* results, uint64_t* examined) -> double {
    if (p.size() == 1 && p[0].first == "@proof") {
      const std::string& id = p[0].second;
      if (store) {
        double t0 = Now();
        auto e = store->Get(id);
        if (!e.ok() || !e->has_value()) Die("Get " + id + " failed");
        auto tiles = store->Tiles();
        auto proof = tlog::InclusionProof((*e)->seq, tree_size, *tiles);
        auto note = store->CheckpointNote(tree_size);
        double ms = (Now() - t0) * 1e3;
        if (!proof.ok()) Die("InclusionProof: " + proof.status().ToString());
        *results += 1;
        return ms;
      }
      const std::string target = "/v1/events/" + id + "/proof";
      double t0 = Now();
      auto r = conn->Request("GET", target, "", "", auth);
      double ms = (Now() - t0) * 1e3;
      if (!r.ok()) Die("GET " + target + ": " + r.status().ToString());
      if (r->status != 200)
        Die("GET " + target + ": HTTP " + std::to_string(r->status) + " " + r->body);
      *results += 1;
      return ms;
    }
    if (store) {
      std::multimap<std::string, std::string> mm(p.begin(), p.end());
      auto q = ParseQuery(mm);
      if (!q.ok()) Die("query: " + q.status().ToString());
      double t0 = Now();
      auto page = store->Query(*q, nullptr);
      double ms = (Now() - t0) * 1e3;
      if (!page.ok()) Die("Query: " + page.status().ToString());
      *results += page->events.size();
      *examined += page->rows_examined;
      return ms;
    }
    const std::string target = Target(p);
    double t0 = Now();
    auto r = conn->Request("GET", target, "", "", auth);
    double ms = (Now() - t0) * 1e3;
    if (!r.ok()) Die("GET " + target + ": " + r.status().ToString());
    if (r->status != 200)
      Die("GET " + target + ": HTTP " + std::to_string(r->status) + " " + r->body);
    boost::json::error_code ec;
    auto v = boost::json::parse(r->body, ec);
    if (!ec && v.is_object())
      if (auto* e = v.get_object().if_contains("events"); e && e->is_array())
        *results += e->get_array().size();
    return ms;
  };

  Workload w(777);
  std::mt19937_64 rng(778);
  std::vector<Sample> samples(kinds.size());
  {
    uint64_t dummy = 0;
    for (int i = 0; i < warmup; ++i)
      for (auto& k : kinds) run(k.make(w, rng), &dummy, &dummy);
  }
  for (int r = 0; r < reps; ++r) {
    std::vector<std::vector<double>> rep(kinds.size());
    for (int i = 0; i < queries; ++i) {
      for (size_t k = 0; k < kinds.size(); ++k) {
        Params p = kinds[k].make(w, rng);
        double ms = run(p, &samples[k].results, &samples[k].examined);
        rep[k].push_back(ms);
        samples[k].n++;
      }
    }
    for (size_t k = 0; k < kinds.size(); ++k) {
      samples[k].rep_p99.push_back(Percentile(rep[k], 0.99));
      samples[k].rep_p50.push_back(Percentile(rep[k], 0.50));
      samples[k].ms.insert(samples[k].ms.end(), rep[k].begin(), rep[k].end());
    }
    Progress(std::string(store ? "in process" : "over HTTP") + ": rep " + std::to_string(r + 1) +
             " done");
  }
  for (size_t k = 0; k < kinds.size(); ++k) {
    const Sample& s = samples[k];
    JsonObj j;
    j.Str("figure", std::string(store ? "query_inproc_" : "query_http_") + kinds[k].name)
        .Str("example", Target(kinds[k].make(w, rng)))
        .Int("store_events", marker->events)
        .Int("queries", s.n)
        .Num("p50_ms", Percentile(s.ms, 0.50))
        .Num("p99_ms", Percentile(s.ms, 0.99))
        .Num("max_ms", Percentile(s.ms, 1.0))
        .Nums("rep_p50_ms", s.rep_p50)
        .Nums("rep_p99_ms", s.rep_p99)
        .Num("mean_results", static_cast<double>(s.results) / static_cast<double>(s.n));
    if (store)
      j.Num("mean_rows_examined", static_cast<double>(s.examined) / static_cast<double>(s.n));
    Emit(j);
  }
  return 0;
}
