// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// Retention on the embedded store (SPEC §7): pruning by type, scrubbing personal data, and
// erasure. Planning (which seqs) reads a snapshot; every change runs on the writer thread in
// batches between group commits — kBatch rows, kBatchUnderLoad while requests queue behind
// them — so ingest never waits more than one batch (a few milliseconds, under load less than
// one) and reads never wait at all. Watermarks in `meta` remember how far
// each rule has pruned, so a run touches only what is new since the last.
#include <algorithm>
#include <chrono>
#include <future>
#include <iterator>
#include <map>
#include <set>
#include <thread>

#include "store/histogram.h"
#include "store/sqlite/sqlite_internal.h"

namespace trail {
namespace {

constexpr size_t kBatch = 1000;  // rows per writer task: ~3 ms
// Under load: smaller batches wait less behind and put less into each commit's fdatasync.
// Measured (docs/PERFORMANCE.md) at writer_share 0.5: 250 rows keep ingest at 0.61x where
// 1,000 kept 0.44x, at nearly the same pruning rate; 100 rows cost a third of the rate.
constexpr size_t kBatchUnderLoad = 250;
constexpr uint64_t kScrubChunk = 1024;
// A batch of one type's seqs spanning less than this many seqs per event is pruned by one
// range statement (the type is at least 1/kDenseSpan of the events there).
constexpr uint64_t kDenseSpan = 8;

constexpr std::string_view kPruneSet =
    "UPDATE events SET subject = NULL, actor = NULL, ip = NULL, user_agent = NULL, location = "
    "NULL, "
    "metadata = NULL, occurred_at = NULL, salt = NULL, personal_hash = NULL, pruned = 1 "
    "WHERE seq = ? AND pruned = 0";
constexpr std::string_view kNotTrail = " AND substr(tag, 1, 6) <> 'trail:'";
// What a pruned row gives back: the chart's hour x tag-prefix count it leaves.
constexpr std::string_view kPruneReturning = " RETURNING recorded_at, tag";

// Hour x tag prefix -> events that left it, applied to hour_counts once per batch.
using HourDelta = std::map<std::pair<int64_t, std::string>, int64_t>;
// Posting key -> seqs of the events a batch takes out of it (subject, actor, ip: personal).
using KeySeqs = std::map<std::string, std::vector<uint64_t>>;

}  // namespace

struct SqliteStoreGcAccess {
  static Status Prepare(SqliteStore::Writer& w) {
    if (w.gc_ready) return Status::Ok();
    TRAIL_RETURN_IF_ERROR(
        w.prune.Prepare(w.db, std::string(kPruneSet) + std::string(kPruneReturning)));
    TRAIL_RETURN_IF_ERROR(w.prune_range.Prepare(
        w.db, std::string(kPruneSet).replace(std::string(kPruneSet).find("seq = ?"), 7,
                                             "seq >= ? AND seq <= ? AND tag = ?") +
                  std::string(kPruneReturning)));
    // Erasure never prunes trail's own records (SPEC §6); Redact skips them before, this holds
    // anyway.
    TRAIL_RETURN_IF_ERROR(
        w.prune_subject.Prepare(w.db, std::string(kPruneSet) + " AND subject = ?" +
                                          std::string(kNotTrail) + std::string(kPruneReturning)));
    TRAIL_RETURN_IF_ERROR(w.prune_actor.Prepare(w.db, std::string(kPruneSet) + " AND actor = ?" +
                                                          std::string(kNotTrail) +
                                                          std::string(kPruneReturning)));
    TRAIL_RETURN_IF_ERROR(w.is_live.Prepare(
        w.db, "SELECT subject, actor, ip, tag FROM events WHERE seq = ? AND pruned = 0"));
    TRAIL_RETURN_IF_ERROR(
        w.get_posting.Prepare(w.db, "SELECT seqs FROM postings WHERE seg = ? AND key = ?"));
    TRAIL_RETURN_IF_ERROR(
        w.set_posting.Prepare(w.db, "UPDATE postings SET seqs = ? WHERE seg = ? AND key = ?"));
    TRAIL_RETURN_IF_ERROR(
        w.drop_posting.Prepare(w.db, "DELETE FROM postings WHERE seg = ? AND key = ?"));
    TRAIL_RETURN_IF_ERROR(w.range_keys.Prepare(w.db,
                                               "SELECT subject, actor, ip, seq FROM events WHERE "
                                               "seq >= ? AND seq <= ? AND tag = ? AND pruned = 0"));
    TRAIL_RETURN_IF_ERROR(w.scrub_scan.Prepare(w.db,
                                               "SELECT seq, tag, ip FROM events WHERE seq >= ? AND "
                                               "seq < ? AND pruned = 0 AND salt IS NOT NULL"));
    // The whole personal layer goes, salt included; personal_hash stays (SPEC §5, §7).
    TRAIL_RETURN_IF_ERROR(
        w.scrub.Prepare(w.db,
                        "UPDATE events SET ip = NULL, user_agent = NULL, location = NULL, salt = "
                        "NULL, scrubbed = 1 WHERE seq = ?"));
    TRAIL_RETURN_IF_ERROR(w.meta_set.Prepare(w.db,
                                             "INSERT INTO meta(key, value) VALUES(?, ?) ON "
                                             "CONFLICT(key) DO UPDATE SET value = excluded.value"));
    TRAIL_RETURN_IF_ERROR(w.delete_key.Prepare(w.db, "DELETE FROM postings WHERE key = ?"));
    TRAIL_RETURN_IF_ERROR(w.delete_ip_keys.Prepare(
        w.db, "DELETE FROM postings WHERE seg < ? AND key >= x'69' AND key < x'6a'"));
    TRAIL_RETURN_IF_ERROR(w.vacuum.Prepare(w.db, "PRAGMA incremental_vacuum(2000)"));
    TRAIL_RETURN_IF_ERROR(w.uncount_hour.Prepare(
        w.db, "UPDATE hour_counts SET n = n - ? WHERE hour = ? AND prefix = ?"));
    w.gc_ready = true;
    return Status::Ok();
  }
  // Retention's transactions, like every commit of the writer, do not wait for the disk
  // (sqlite_sync.cc): losing one to a power cut only means the next run redoes it (its
  // watermark is in the same transaction); the next synced ingest commit covers it.
  // Ends a retention transaction: COMMIT when `s` is ok, else (or when COMMIT fails) ROLLBACK.
  static Status Finish(SqliteStore::Writer& w, Status s) {
    if (s.ok()) s = w.commit.Run();
    if (!s.ok()) w.rollback.Run();
    return s;
  }
  // Prunes one row through st (bound by the caller); true when it was live and now is not.
  static Result<bool> PruneRow(sqlite::Stmt& st, HourDelta* delta) {
    Status s;
    bool pruned = false;
    while (st.Step(&s)) {
      pruned = true;
      (*delta)[{st.Int(0) / kMicrosPerHour, std::string(TagPrefixOf(st.Text(1)))}]++;
    }
    st.Reset();
    if (!s.ok()) return s;
    return pruned;
  }
  // Pruned events leave the chart.
  static Status ApplyHourDelta(SqliteStore::Writer& w, const HourDelta& delta) {
    for (const auto& [k, n] : delta) {
      w.uncount_hour.Bind(1, n);
      w.uncount_hour.Bind(2, k.first);
      w.uncount_hour.BindStatic(3, k.second);
      TRAIL_RETURN_IF_ERROR(w.uncount_hour.Run());
    }
    return Status::Ok();
  }
  // The posting keys of a row (subject, actor, ip: columns 0-2) that an erasure matching it
  // leaves behind, to be removed with it.
  // True when a row (subject, actor: columns 0-1) is one an erasure of subject/actor names.
  static bool Matches(const sqlite::Stmt& st, const std::string* subject,
                      const std::string* actor) {
    if (subject && (st.IsNull(0) || st.Text(0) != *subject)) return false;
    if (actor && (st.IsNull(1) || st.Text(1) != *actor)) return false;
    return true;
  }
  static void CollectKeys(const sqlite::Stmt& st, const std::string* subject,
                          const std::string* actor, uint64_t seq,
                          std::map<std::string, std::vector<uint64_t>>* out) {
    if (!Matches(st, subject, actor)) return;
    if (!st.IsNull(0)) (*out)[SubjectKey(st.Text(0))].push_back(seq);
    if (!st.IsNull(1)) (*out)[ActorKey(st.Text(1))].push_back(seq);
    if (!st.IsNull(2)) (*out)[IpKey(st.Text(2))].push_back(seq);
  }
  // Removes `seqs` (ascending, unique) from key's sealed posting rows; a row left empty goes.
  static Status RemoveSealedPostings(SqliteStore::Writer& w, const PostingIndex& index,
                                     const std::string& key, const std::vector<uint64_t>& seqs) {
    for (size_t i = 0; i < seqs.size();) {
      const uint64_t seg = index.SegmentOf(seqs[i]);
      size_t j = i;
      while (j < seqs.size() && index.SegmentOf(seqs[j]) == seg) ++j;
      w.get_posting.Bind(1, static_cast<int64_t>(seg));
      w.get_posting.BindBlob(2, key);
      Status s;
      std::vector<uint64_t> have;
      bool found = false;
      if (w.get_posting.Step(&s)) {
        found = true;
        if (!DecodePostings(w.get_posting.Blob(0), &have))
          s = Status::Corruption("posting list of segment " + std::to_string(seg));
      }
      w.get_posting.Reset();
      TRAIL_RETURN_IF_ERROR(s);
      if (found) {
        std::vector<uint64_t> kept;
        std::set_difference(have.begin(), have.end(), seqs.begin() + static_cast<long>(i),
                            seqs.begin() + static_cast<long>(j), std::back_inserter(kept));
        sqlite::Stmt& st = kept.empty() ? w.drop_posting : w.set_posting;
        int at = 1;
        if (!kept.empty()) st.BindBlob(at++, EncodePostings(kept));
        st.Bind(at++, static_cast<int64_t>(seg));
        st.BindBlob(at, key);
        TRAIL_RETURN_IF_ERROR(st.Run());
      }
      i = j;
    }
    return Status::Ok();
  }
  // Removes every collected (key, seqs) from the sealed posting rows, in the open transaction.
  static Status RemoveAllSealed(SqliteStore::Writer& w, const PostingIndex& index, KeySeqs* keys) {
    for (auto& [k, ks] : *keys) {
      std::sort(ks.begin(), ks.end());
      ks.erase(std::unique(ks.begin(), ks.end()), ks.end());
      TRAIL_RETURN_IF_ERROR(RemoveSealedPostings(w, index, k, ks));
    }
    return Status::Ok();
  }
  static Status SetMeta(SqliteStore::Writer& w, const std::string& key, uint64_t value) {
    w.meta_set.Bind(1, key);
    w.meta_set.Bind(2, std::to_string(value));
    return w.meta_set.Run();
  }
};

namespace {
using Gc = SqliteStoreGcAccess;
}  // namespace

Status SqliteStore::OnWriter(const std::function<Status()>& fn) {
  struct Outcome {
    Status status;
    std::chrono::steady_clock::duration took{};
    bool contended = false;
  };
  auto done = std::make_shared<std::promise<Outcome>>();
  auto fut = done->get_future();
  Status pushed = queue_.PushTask([this, fn, done] {
    const auto t0 = std::chrono::steady_clock::now();
    Outcome o;
    try {  // a failed maintenance batch fails its run, never the writer thread
      o.status = fn();
    } catch (const std::exception& e) {
      writer_->db.Exec("ROLLBACK");  // (an error when no transaction is open: harmless)
      o.status = Status::Internal(std::string("maintenance batch: ") + e.what());
    }
    o.took = std::chrono::steady_clock::now() - t0;
    // Read on the writer, before it takes the next batch: did requests queue up behind us?
    o.contended = queue_.waiting();
    gc_contended_.store(o.contended, std::memory_order_relaxed);
    done->set_value(std::move(o));
  });
  if (!pushed.ok()) return pushed;
  Outcome o = fut.get();
  // Ingest first: when requests queued behind this batch, give the writer back (1 - share) /
  // share times the time the batch took before the next one (four times by default), so
  // maintenance takes at most `gc_writer_share` of the writer under load (and all of it when idle).
  if (o.contended) {
    const double share = std::clamp(opt_.gc_writer_share, 0.01, 1.0);
    std::this_thread::sleep_for(
        std::chrono::duration_cast<std::chrono::nanoseconds>(o.took * ((1.0 - share) / share)));
  }
  return o.status;
}

Status SqliteStore::ForEachGcBatch(const std::vector<uint64_t>& seqs,
                                   const std::function<Status(const std::vector<uint64_t>&)>& fn) {
  for (size_t i = 0, n = 0; i < seqs.size(); i += n) {
    n = std::min(seqs.size() - i,
                 gc_contended_.load(std::memory_order_relaxed) ? kBatchUnderLoad : kBatch);
    TRAIL_RETURN_IF_ERROR(fn(std::vector<uint64_t>(seqs.begin() + static_cast<long>(i),
                                                   seqs.begin() + static_cast<long>(i + n))));
  }
  return Status::Ok();
}

// Prunes (or, dry, counts) the live events among `seqs` in one transaction on the writer.
// With subject/actor set, only rows that still match them are pruned (erasure).
Status SqliteStore::PruneSeqs(const std::vector<uint64_t>& seqs, bool dry_run,
                              const std::string* subject, const std::string* actor,
                              const std::string* tag, uint64_t* count) {
  return OnWriter([&]() -> Status {
    auto& w = *writer_;
    TRAIL_RETURN_IF_ERROR(Gc::Prepare(w));
    uint64_t n = 0;
    if (dry_run) {
      for (uint64_t seq : seqs) {
        w.is_live.Bind(1, static_cast<int64_t>(seq));
        Status s;
        if (w.is_live.Step(&s)) {
          bool match = (!subject || w.is_live.Text(0) == *subject) &&
                       (!actor || w.is_live.Text(1) == *actor);
          n += match ? 1 : 0;
        }
        w.is_live.Reset();
        TRAIL_RETURN_IF_ERROR(s);
      }
      *count += n;
      return Status::Ok();
    }
    TRAIL_RETURN_IF_ERROR(w.begin.Run());
    Status s;
    HourDelta delta;
    // Retention (not erasure, whose Redact does this itself at its end) takes the pruned
    // events out of their subject, actor and ip postings, as SPEC §7 says: a pruned user's
    // name or address must not stay behind in the index.
    const bool gc = !subject && !actor;
    KeySeqs gone;
    if (tag && !seqs.empty() && seqs.back() - seqs.front() < kDenseSpan * seqs.size()) {
      // The seqs of one type, densely packed: one statement scans their seq range (every
      // event of that type in it is past the cutoff), instead of a lookup per event.
      if (gc) {
        sqlite::Stmt& k = w.range_keys;
        k.Bind(1, static_cast<int64_t>(seqs.front()));
        k.Bind(2, static_cast<int64_t>(seqs.back()));
        k.BindStatic(3, *tag);
        while (k.Step(&s))
          Gc::CollectKeys(k, nullptr, nullptr, static_cast<uint64_t>(k.Int(3)), &gone);
        k.Reset();
        if (!s.ok()) return Gc::Finish(w, s);
      }
      sqlite::Stmt& st = w.prune_range;
      st.Bind(1, static_cast<int64_t>(seqs.front()));
      st.Bind(2, static_cast<int64_t>(seqs.back()));
      st.BindStatic(3, *tag);
      while (st.Step(&s)) {
        ++n;
        delta[{st.Int(0) / kMicrosPerHour, std::string(TagPrefixOf(*tag))}]++;
      }
      st.Reset();
    } else {
      sqlite::Stmt& st = subject ? w.prune_subject : actor ? w.prune_actor : w.prune;
      for (uint64_t seq : seqs) {
        if (gc) {
          w.is_live.Bind(1, static_cast<int64_t>(seq));
          if (w.is_live.Step(&s)) Gc::CollectKeys(w.is_live, nullptr, nullptr, seq, &gone);
          w.is_live.Reset();
          if (!s.ok()) break;
        }
        st.Bind(1, static_cast<int64_t>(seq));
        if (subject) st.BindStatic(2, *subject);
        if (actor) st.BindStatic(2, *actor);
        auto pruned = Gc::PruneRow(st, &delta);
        if (!pruned.ok()) {
          s = pruned.status();
          break;
        }
        n += *pruned ? 1 : 0;
      }
    }
    if (s.ok()) s = Gc::ApplyHourDelta(w, delta);
    if (s.ok()) s = Gc::RemoveAllSealed(w, index_, &gone);
    TRAIL_RETURN_IF_ERROR(Gc::Finish(w, s));
    ForgetInMemory(gone);
    *count += n;
    return Status::Ok();
  });
}

// Writer: takes committed removals out of the open segments' lists too. A seal in progress
// holds pointers into the segment it writes: when that segment changes, the seal restarts
// (rows already written were corrected in the database by RemoveSealedPostings).
void SqliteStore::ForgetInMemory(const std::map<std::string, std::vector<uint64_t>>& gone) {
  bool touches_seal = false;
  for (const auto& [k, ks] : gone) {
    for (uint64_t q : ks) touches_seal |= seal_ && index_.SegmentOf(q) == seal_->seg;
    if (!ks.empty() && index_.SegmentOf(ks.back()) >= index_.first_open_segment())
      index_.RemoveSeqs(k, ks);
  }
  if (touches_seal) seal_.reset();
}

// Every seq in [lo, hi) listed under `key`, from sealed segments and the open ones.
Result<std::vector<uint64_t>> SqliteStore::SeqsOfKey(const std::string& key, uint64_t lo,
                                                     uint64_t hi) {
  std::vector<uint64_t> out;
  if (lo >= hi) return out;
  PostingIndex::View view = index_.Snapshot({key});
  Status s;
  auto r = AcquireReader(&s);
  if (!r) return s;
  {
    Source src(r.get());
    std::vector<uint64_t> part;
    for (uint64_t seg = index_.SegmentOf(lo); seg <= index_.SegmentOf(hi - 1); ++seg) {
      if (seg >= view.first_open_segment) break;
      s = src.SealedPostings(seg, key, &part);
      if (!s.ok()) break;
      for (uint64_t q : part)
        if (q >= lo && q < hi) out.push_back(q);
    }
  }
  ReleaseReader(std::move(r));
  if (!s.ok()) return s;
  for (uint64_t q : view.lists[key])
    if (q >= lo && q < hi) out.push_back(q);
  return out;
}

Result<GcResult> SqliteStore::CollectGarbage(const GcRequest& req) {
  GcResult result;
  // Plan on a read snapshot: where each rule's cutoff falls in seq order, and the watermarks.
  const uint64_t end = index_.Snapshot({}).end;
  std::map<std::string, uint64_t> cutoff;  // tag -> first seq that is kept
  std::map<std::string, uint64_t> marks;
  uint64_t scrub_end = 0;
  {
    Status s;
    auto r = AcquireReader(&s);
    if (!r) return s;
    {
      Source src(r.get());
      for (const auto& rule : req.rules) {
        uint64_t c = 0;
        s = FirstSeqAtOrAfter(src, end, req.as_of - rule.max_age, &c);
        if (!s.ok()) break;
        cutoff[rule.tag] = c;
      }
      if (s.ok() && req.personal_data)
        s = FirstSeqAtOrAfter(src, end, req.as_of - *req.personal_data, &scrub_end);
      sqlite::Stmt m;
      if (s.ok()) s = m.Prepare(r->db, "SELECT key, value FROM meta WHERE key LIKE 'gc:%'");
      while (s.ok() && m.Step(&s))
        marks[std::string(m.Text(0))] = std::stoull(std::string(m.Text(1)));
    }
    ReleaseReader(std::move(r));
    if (!s.ok()) return s;
  }
  auto report = [&] {
    if (req.progress) req.progress(result.pruned, result.scrubbed);
  };

  // 1. Prune each type past its retention, from its watermark on, through its tag postings.
  for (const auto& rule_cut : cutoff) {
    // Named copies, not structured bindings: lambdas below capture them (clang 14, fuzz/).
    const std::string& tag = rule_cut.first;
    const uint64_t cut = rule_cut.second;
    const std::string mark_key = "gc:prune:" + tag;
    uint64_t from = marks.count(mark_key) ? marks[mark_key] : 0;
    if (cut <= from) continue;
    auto seqs = SeqsOfKey(TagKey(tag), from, cut);
    if (!seqs.ok()) return seqs.status();
    TRAIL_RETURN_IF_ERROR(ForEachGcBatch(*seqs, [&](const std::vector<uint64_t>& batch) -> Status {
      TRAIL_RETURN_IF_ERROR(PruneSeqs(batch, req.dry_run, nullptr, nullptr, &tag, &result.pruned));
      report();
      return Status::Ok();
    }));
    if (!req.dry_run) {
      TRAIL_RETURN_IF_ERROR(OnWriter([&]() -> Status {
        TRAIL_RETURN_IF_ERROR(Gc::Prepare(*writer_));
        return Gc::SetMeta(*writer_, mark_key, cut);
      }));
    }
  }

  // 2. Scrub ip and user agent of the live events older than personal_data.
  if (req.personal_data) {
    uint64_t from = marks.count("gc:scrub") ? marks["gc:scrub"] : 0;
    for (uint64_t lo = from; lo < scrub_end; lo += kScrubChunk) {
      const uint64_t hi = std::min(scrub_end, lo + kScrubChunk);
      TRAIL_RETURN_IF_ERROR(OnWriter([&]() -> Status {
        auto& w = *writer_;
        TRAIL_RETURN_IF_ERROR(Gc::Prepare(w));
        std::vector<uint64_t> todo;
        w.scrub_scan.Bind(1, static_cast<int64_t>(lo));
        w.scrub_scan.Bind(2, static_cast<int64_t>(hi));
        Status s;
        KeySeqs gone;  // the ip keys of the scrubbed events: personal data too (SPEC §7)
        while (w.scrub_scan.Step(&s)) {
          uint64_t seq = static_cast<uint64_t>(w.scrub_scan.Int(0));
          auto c = cutoff.find(std::string(w.scrub_scan.Text(1)));
          // A dry run must not count as scrubbed what this run would prune.
          if (req.dry_run && c != cutoff.end() && seq < c->second) continue;
          todo.push_back(seq);
          // Segments wholly before the line lose all their ip keys at the end (below).
          if (!w.scrub_scan.IsNull(2) && index_.SegmentOf(seq) >= index_.SegmentOf(scrub_end))
            gone[IpKey(w.scrub_scan.Text(2))].push_back(seq);
        }
        w.scrub_scan.Reset();
        TRAIL_RETURN_IF_ERROR(s);
        if (req.dry_run) {
          result.scrubbed += todo.size();
          return Status::Ok();
        }
        TRAIL_RETURN_IF_ERROR(w.begin.Run());
        for (uint64_t seq : todo) {
          w.scrub.Bind(1, static_cast<int64_t>(seq));
          s = w.scrub.Run();
          if (!s.ok()) break;
        }
        if (s.ok()) s = Gc::SetMeta(w, "gc:scrub", hi);
        if (s.ok()) s = Gc::RemoveAllSealed(w, index_, &gone);
        // Posting keys of IP addresses are personal data too: drop those of segments that
        // lie wholly before the scrub line.
        if (s.ok() && hi == scrub_end) {
          w.delete_ip_keys.Bind(1, static_cast<int64_t>(index_.SegmentOf(scrub_end)));
          s = w.delete_ip_keys.Run();
        }
        TRAIL_RETURN_IF_ERROR(Gc::Finish(w, s));
        ForgetInMemory(gone);
        result.scrubbed += todo.size();
        return Status::Ok();
      }));
      report();
    }
  }
  if (!req.dry_run) {
    // Give freed pages back to the file system, a bounded step at a time.
    for (int i = 0; i < 64; ++i) {
      bool more = false;
      TRAIL_RETURN_IF_ERROR(OnWriter([&]() -> Status {
        auto& w = *writer_;
        TRAIL_RETURN_IF_ERROR(Gc::Prepare(w));
        sqlite::Stmt fl;
        TRAIL_RETURN_IF_ERROR(fl.Prepare(w.db, "PRAGMA freelist_count"));
        Status s;
        if (fl.Step(&s)) more = fl.Int(0) > 0;
        if (!s.ok() || !more) return s;
        return w.vacuum.Run();
      }));
      if (!more) break;
    }
  }
  return result;
}

Result<RedactResult> SqliteStore::Redact(const RedactRequest& req) {
  if (!!req.subject == !!req.actor)
    return Status::Invalid("invalid_request", "redact takes a subject or an actor");
  const std::string key = req.subject ? SubjectKey(*req.subject) : ActorKey(*req.actor);
  const std::string* subject = req.subject ? &*req.subject : nullptr;
  const std::string* actor = req.actor ? &*req.actor : nullptr;
  RedactResult result;
  auto seqs = SeqsOfKey(key, 0, index_.Snapshot({}).end);
  if (!seqs.ok()) return seqs.status();
  // The other posting keys of the erased events (their actor, ip, subject): read before the
  // rows are pruned, removed from the index at the end. Tag keys stay (not personal).
  // Matching trail:* events are trail's own record (SPEC §6): skipped, counted, still posted.
  std::map<std::string, std::vector<uint64_t>> leftover;
  std::set<uint64_t> skipped;
  std::vector<uint64_t> prunable;
  {
    Status rs;
    auto r = AcquireReader(&rs);
    if (!r) return rs;
    {
      sqlite::Stmt st;
      rs = st.Prepare(r->db,
                      "SELECT subject, actor, ip, tag FROM events WHERE seq = ? AND pruned = 0");
      for (size_t i = 0; rs.ok() && i < seqs->size(); ++i) {
        const uint64_t seq = (*seqs)[i];
        st.Bind(1, static_cast<int64_t>(seq));
        if (st.Step(&rs) && Gc::Matches(st, subject, actor)) {
          if (IsTrailTag(st.Text(3))) {
            skipped.insert(seq);
          } else {
            Gc::CollectKeys(st, subject, actor, seq, &leftover);
            prunable.push_back(seq);
          }
        }
        st.Reset();
      }
    }
    ReleaseReader(std::move(r));
    if (!rs.ok()) return rs;
  }
  TRAIL_RETURN_IF_ERROR(ForEachGcBatch(prunable, [&](const std::vector<uint64_t>& batch) {
    return PruneSeqs(batch, false, subject, actor, nullptr, &result.pruned);
  }));
  // Last step on the writer, with no append in between: prune what arrived meanwhile, then
  // forget the key itself, which names the person (unless trail:* events keep it).
  TRAIL_RETURN_IF_ERROR(OnWriter([&]() -> Status {
    auto& w = *writer_;
    TRAIL_RETURN_IF_ERROR(Gc::Prepare(w));
    // Events committed but not yet published are not in the index: publish them first.
    SyncAndCompleteAll();
    auto late = index_.Snapshot({key});
    // Redact returns only after the fdatasync at the end of this step: the erasure and every
    // batch before it in the WAL are then on disk.
    TRAIL_RETURN_IF_ERROR(w.begin.Run());
    sqlite::Stmt& st = subject ? w.prune_subject : w.prune_actor;
    Status s;
    HourDelta delta;
    for (uint64_t seq : late.lists[key]) {
      w.is_live.Bind(1, static_cast<int64_t>(seq));
      bool trail_record = false;
      if (w.is_live.Step(&s) && Gc::Matches(w.is_live, subject, actor)) {
        trail_record = IsTrailTag(w.is_live.Text(3));
        if (trail_record) {
          skipped.insert(seq);
        } else {
          Gc::CollectKeys(w.is_live, subject, actor, seq, &leftover);
        }
      }
      w.is_live.Reset();
      if (!s.ok()) break;
      if (trail_record) continue;
      st.Bind(1, static_cast<int64_t>(seq));
      st.BindStatic(2, subject ? *subject : *actor);
      auto pruned = Gc::PruneRow(st, &delta);
      if (!pruned.ok()) {
        s = pruned.status();
        break;
      }
      result.pruned += *pruned ? 1 : 0;
    }
    if (s.ok()) s = Gc::ApplyHourDelta(w, delta);
    // With no trail:* event under it the key goes whole; else only the pruned seqs leave it
    // (they are in leftover[key]: CollectKeys lists the matching subject or actor too).
    const bool forget_key = skipped.empty();
    if (s.ok() && forget_key) {
      w.delete_key.BindBlob(1, key);
      s = w.delete_key.Run();
    }
    if (forget_key) leftover.erase(key);
    for (auto& [k, ks] : leftover) {
      if (!s.ok()) break;
      std::sort(ks.begin(), ks.end());
      ks.erase(std::unique(ks.begin(), ks.end()), ks.end());
      s = Gc::RemoveSealedPostings(w, index_, k, ks);  // segments being sealed too
    }
    TRAIL_RETURN_IF_ERROR(Gc::Finish(w, s));
    // A seal in progress points into the lists being changed: restart it (rows already
    // written are rewritten, the forgotten key's row was deleted above).
    seal_.reset();
    if (forget_key) index_.RemoveKey(key);
    for (const auto& [k, ks] : leftover) index_.RemoveSeqs(k, ks);
    // Reported done only when on disk, with every batch before it in the WAL.
    return SyncWal();
  }));
  result.skipped = skipped.size();
  return result;
}

}  // namespace trail
