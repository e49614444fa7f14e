// Retention on the embedded store (SPEC §7): pruning by type, scrubbing personal data, and
// erasure. Planning (which seqs) reads a snapshot; every change runs on the writer thread in
// batches of kBatch rows between group commits, so ingest never waits more than one batch
// (a few milliseconds) and reads never wait at all. Watermarks in `meta` remember how far
// each rule has pruned, so a run touches only what is new since the last.
#include <chrono>
#include <future>
#include <thread>
#include <map>

#include "store/sqlite/sqlite_internal.h"

namespace trail {
namespace {

constexpr size_t kBatch = 1000;  // rows per writer task: a few milliseconds
constexpr uint64_t kScrubChunk = 1024;

constexpr std::string_view kPruneSet =
    "UPDATE events SET subject = NULL, actor = NULL, ip = NULL, user_agent = NULL, metadata = NULL, "
    "description = NULL, occurred_at = NULL, pruned = 1 WHERE seq = ? AND pruned = 0";

}  // namespace

struct SqliteStoreGcAccess {
  static Status Prepare(SqliteStore::Writer& w) {
    if (w.gc_ready) return Status::Ok();
    TRAIL_RETURN_IF_ERROR(w.prune.Prepare(w.db, kPruneSet));
    TRAIL_RETURN_IF_ERROR(w.prune_subject.Prepare(w.db, std::string(kPruneSet) + " AND subject = ?"));
    TRAIL_RETURN_IF_ERROR(w.prune_actor.Prepare(w.db, std::string(kPruneSet) + " AND actor = ?"));
    TRAIL_RETURN_IF_ERROR(w.is_live.Prepare(w.db, "SELECT subject, actor FROM events WHERE seq = ? AND pruned = 0"));
    TRAIL_RETURN_IF_ERROR(w.scrub_scan.Prepare(
        w.db, "SELECT seq, tag FROM events WHERE seq >= ? AND seq < ? AND pruned = 0 AND "
              "(ip IS NOT NULL OR user_agent IS NOT NULL)"));
    TRAIL_RETURN_IF_ERROR(w.scrub.Prepare(w.db, "UPDATE events SET ip = NULL, user_agent = NULL, scrubbed = 1 WHERE seq = ?"));
    TRAIL_RETURN_IF_ERROR(w.meta_set.Prepare(
        w.db, "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value"));
    TRAIL_RETURN_IF_ERROR(w.delete_key.Prepare(w.db, "DELETE FROM postings WHERE key = ?"));
    TRAIL_RETURN_IF_ERROR(w.delete_ip_keys.Prepare(
        w.db, "DELETE FROM postings WHERE seg < ? AND key >= x'69' AND key < x'6a'"));
    TRAIL_RETURN_IF_ERROR(w.vacuum.Prepare(w.db, "PRAGMA incremental_vacuum(2000)"));
    TRAIL_RETURN_IF_ERROR(w.uncount_hour.Prepare(
        w.db, "UPDATE hour_counts SET n = n - 1 WHERE (hour, prefix) = "
              "(SELECT recorded_at / 3600000000, substr(tag, 1, instr(tag, ':')) FROM events WHERE seq = ?)"));
    w.gc_ready = true;
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
  auto done = std::make_shared<std::promise<Status>>();
  auto fut = done->get_future();
  const auto t0 = std::chrono::steady_clock::now();
  Status pushed = queue_.PushTask([fn, done] { done->set_value(fn()); });
  if (!pushed.ok()) return pushed;
  Status s = fut.get();
  // Ingest first: while requests wait for the writer, give it back three times the time this
  // batch took, so maintenance takes at most a quarter of the writer (and all of it when idle).
  if (queue_.waiting()) std::this_thread::sleep_for(3 * (std::chrono::steady_clock::now() - t0));
  return s;
}

// Prunes (or, dry, counts) the live events among `seqs` in one transaction on the writer.
// With subject/actor set, only rows that still match them are pruned (erasure).
Status SqliteStore::PruneSeqs(const std::vector<uint64_t>& seqs, bool dry_run, const std::string* subject,
                              const std::string* actor, uint64_t* count) {
  return OnWriter([&]() -> Status {
    auto& w = *writer_;
    TRAIL_RETURN_IF_ERROR(Gc::Prepare(w));
    uint64_t n = 0;
    if (dry_run) {
      for (uint64_t seq : seqs) {
        w.is_live.Bind(1, static_cast<int64_t>(seq));
        Status s;
        if (w.is_live.Step(&s)) {
          bool match = (!subject || w.is_live.Text(0) == *subject) && (!actor || w.is_live.Text(1) == *actor);
          n += match ? 1 : 0;
        }
        w.is_live.Reset();
        TRAIL_RETURN_IF_ERROR(s);
      }
      *count += n;
      return Status::Ok();
    }
    TRAIL_RETURN_IF_ERROR(w.begin.Run());
    sqlite::Stmt& st = subject ? w.prune_subject : actor ? w.prune_actor : w.prune;
    Status s;
    for (uint64_t seq : seqs) {
      st.Bind(1, static_cast<int64_t>(seq));
      if (subject) st.BindStatic(2, *subject);
      if (actor) st.BindStatic(2, *actor);
      s = st.Run();
      if (!s.ok()) break;
      if (sqlite3_changes(w.db.get()) == 0) continue;
      ++n;
      w.uncount_hour.Bind(1, static_cast<int64_t>(seq));  // pruned events leave the chart
      s = w.uncount_hour.Run();
      if (!s.ok()) break;
    }
    if (s.ok()) s = w.commit.Run();
    if (!s.ok()) {
      w.rollback.Run();
      return s;
    }
    *count += n;
    return Status::Ok();
  });
}

// Every seq in [lo, hi) listed under `key`, from sealed segments and the open ones.
Result<std::vector<uint64_t>> SqliteStore::SeqsOfKey(const std::string& key, uint64_t lo, uint64_t hi) {
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
      if (s.ok() && req.personal_data) s = FirstSeqAtOrAfter(src, end, req.as_of - *req.personal_data, &scrub_end);
      sqlite::Stmt m;
      if (s.ok()) s = m.Prepare(r->db, "SELECT key, value FROM meta WHERE key LIKE 'gc:%'");
      while (s.ok() && m.Step(&s)) marks[std::string(m.Text(0))] = std::stoull(std::string(m.Text(1)));
    }
    ReleaseReader(std::move(r));
    if (!s.ok()) return s;
  }
  auto report = [&] {
    if (req.progress) req.progress(result.pruned, result.scrubbed);
  };

  // 1. Prune each type past its retention, from its watermark on, through its tag postings.
  for (const auto& [tag, cut] : cutoff) {
    const std::string mark_key = "gc:prune:" + tag;
    uint64_t from = marks.count(mark_key) ? marks[mark_key] : 0;
    if (cut <= from) continue;
    auto seqs = SeqsOfKey(TagKey(tag), from, cut);
    if (!seqs.ok()) return seqs.status();
    for (size_t i = 0; i < seqs->size(); i += kBatch) {
      std::vector<uint64_t> batch(seqs->begin() + static_cast<long>(i),
                                  seqs->begin() + static_cast<long>(std::min(seqs->size(), i + kBatch)));
      TRAIL_RETURN_IF_ERROR(PruneSeqs(batch, req.dry_run, nullptr, nullptr, &result.pruned));
      report();
    }
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
        while (w.scrub_scan.Step(&s)) {
          uint64_t seq = static_cast<uint64_t>(w.scrub_scan.Int(0));
          auto c = cutoff.find(std::string(w.scrub_scan.Text(1)));
          // A dry run must not count as scrubbed what this run would prune.
          if (req.dry_run && c != cutoff.end() && seq < c->second) continue;
          todo.push_back(seq);
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
        // Posting keys of IP addresses are personal data too: drop those of segments that
        // lie wholly before the scrub line.
        if (s.ok() && hi == scrub_end) {
          w.delete_ip_keys.Bind(1, static_cast<int64_t>(index_.SegmentOf(scrub_end)));
          s = w.delete_ip_keys.Run();
        }
        if (s.ok()) s = w.commit.Run();
        if (!s.ok()) {
          w.rollback.Run();
          return s;
        }
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

Result<uint64_t> SqliteStore::Redact(const RedactRequest& req) {
  if (!!req.subject == !!req.actor) return Status::Invalid("invalid_request", "redact takes a subject or an actor");
  const std::string key = req.subject ? SubjectKey(*req.subject) : ActorKey(*req.actor);
  const std::string* subject = req.subject ? &*req.subject : nullptr;
  const std::string* actor = req.actor ? &*req.actor : nullptr;
  uint64_t count = 0;
  auto seqs = SeqsOfKey(key, 0, index_.Snapshot({}).end);
  if (!seqs.ok()) return seqs.status();
  for (size_t i = 0; i < seqs->size(); i += kBatch) {
    std::vector<uint64_t> batch(seqs->begin() + static_cast<long>(i),
                                seqs->begin() + static_cast<long>(std::min(seqs->size(), i + kBatch)));
    TRAIL_RETURN_IF_ERROR(PruneSeqs(batch, false, subject, actor, &count));
  }
  // Last step on the writer, with no append in between: prune what arrived meanwhile, then
  // forget the key itself, which names the person.
  TRAIL_RETURN_IF_ERROR(OnWriter([&]() -> Status {
    auto& w = *writer_;
    TRAIL_RETURN_IF_ERROR(Gc::Prepare(w));
    auto late = index_.Snapshot({key});
    TRAIL_RETURN_IF_ERROR(w.begin.Run());
    sqlite::Stmt& st = subject ? w.prune_subject : w.prune_actor;
    Status s;
    for (uint64_t seq : late.lists[key]) {
      st.Bind(1, static_cast<int64_t>(seq));
      st.BindStatic(2, subject ? *subject : *actor);
      s = st.Run();
      if (!s.ok()) break;
      count += static_cast<uint64_t>(sqlite3_changes(w.db.get()));
    }
    if (s.ok()) {
      w.delete_key.BindBlob(1, key);
      s = w.delete_key.Run();
    }
    if (s.ok()) s = w.commit.Run();
    if (!s.ok()) {
      w.rollback.Run();
      return s;
    }
    // A seal in progress points into the lists being changed: restart it (rows already
    // written are rewritten, the forgotten key's row was deleted above).
    seal_.reset();
    index_.RemoveKey(key);
    return Status::Ok();
  }));
  return count;
}

}  // namespace trail
