#include "store/sqlite/sqlite_store.h"

#include <sys/stat.h>

#include <unordered_map>
#include <unordered_set>

#include "core/leaf.h"
#include "core/restarting_loop.h"
#include "store/histogram.h"
#include "store/query_executor.h"
#include "store/sqlite/sqlite_internal.h"
#include "tlog/hasher.h"

namespace trail {
namespace {

void BindOpt(sqlite::Stmt& st, int i, const std::optional<std::string>& v) {
  if (v) {
    st.BindStatic(i, *v);
  } else {
    st.BindNull(i);
  }
}

uint64_t FileSize(const std::string& path) {
  struct stat sb;
  return stat(path.c_str(), &sb) == 0 ? static_cast<uint64_t>(sb.st_size) : 0;
}

}  // namespace

SqliteStore::SqliteStore(const SqliteOptions& options)
    : opt_(options), queue_(options.queue_limit), index_(options.segment_bits) {}

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const SqliteOptions& options) {
  std::unique_ptr<SqliteStore> s(new SqliteStore(options));
  Status st = s->Init();
  if (!st.ok()) return st;
  s->thread_ = std::thread([p = s.get()] { RunRestarting("writer", [p] { p->WriterLoop(); }); });
  s->syncer_ = std::thread([p = s.get()] { RunRestarting("syncer", [p] { p->SyncerLoop(); }); });
  s->checkpointer_ =
      std::thread([p = s.get()] { RunRestarting("checkpointer", [p] { p->CheckpointerLoop(); }); });
  return s;
}

SqliteStore::~SqliteStore() { Drain(); }

Status SqliteStore::Init() {
  writer_ = std::make_unique<Writer>();
  auto& w = *writer_;
  TRAIL_RETURN_IF_ERROR(w.db.Open(opt_.path, false));
  // Incremental vacuum lets retention give pages back (effective on a new database only).
  TRAIL_RETURN_IF_ERROR(w.db.Exec("PRAGMA auto_vacuum=INCREMENTAL"));
  TRAIL_RETURN_IF_ERROR(w.db.Exec("PRAGMA journal_mode=WAL"));
  // Commits do not wait for the disk inside SQLite: the syncer thread fdatasyncs the WAL and
  // only then are they acknowledged (sqlite_sync.cc), so the writer commits the next group
  // while the previous one is being made durable. SQLite still syncs around checkpoints.
  TRAIL_RETURN_IF_ERROR(w.db.Exec("PRAGMA synchronous=NORMAL"));
  TRAIL_RETURN_IF_ERROR(w.db.Exec("PRAGMA cache_size=-32768"));
  // What retention deletes is overwritten with zeros where that costs no extra I/O (within
  // the pages being written anyway), so a pruned name or address does not linger in the file.
  TRAIL_RETURN_IF_ERROR(w.db.Exec("PRAGMA secure_delete=FAST"));
  // Statement journals and RETURNING's buffers stay in memory, not in temporary files.
  TRAIL_RETURN_IF_ERROR(w.db.Exec("PRAGMA temp_store=MEMORY"));
  // Checkpoints run on a thread of their own (sqlite_sync.cc), not in the writer's commits:
  // the writer only signals when the WAL has grown by kCheckpointPages.
  TRAIL_RETURN_IF_ERROR(w.db.Exec("PRAGMA wal_autocheckpoint=0"));
  sqlite3_wal_hook(w.db.get(), &SqliteStore::OnWalCommit, this);
  // After a checkpoint resets the WAL, truncate it to this size: a burst (a large GC) must
  // not leave a WAL file of its peak size behind.
  TRAIL_RETURN_IF_ERROR(w.db.Exec("PRAGMA journal_size_limit=67108864"));
  int segment_bits = opt_.segment_bits;
  TRAIL_RETURN_IF_ERROR(InitSchema(w.db, opt_.path, &segment_bits));
  index_.set_segment_bits(segment_bits);
  TRAIL_RETURN_IF_ERROR(w.Prepare());

  keys_db_ = std::make_unique<sqlite::Db>();
  TRAIL_RETURN_IF_ERROR(keys_db_->Open(opt_.path, false));

  // Where the log stands.
  sqlite::Stmt q;
  Status s;
  TRAIL_RETURN_IF_ERROR(
      q.Prepare(w.db, "SELECT seq, recorded_at FROM events ORDER BY seq DESC LIMIT 1"));
  if (q.Step(&s)) {
    next_seq_ = static_cast<uint64_t>(q.Int(0)) + 1;
    last_recorded_ = q.Int(1);
  }
  TRAIL_RETURN_IF_ERROR(s);
  sqlite::Stmt tc;
  TRAIL_RETURN_IF_ERROR(tc.Prepare(w.db, "SELECT tag, n FROM tag_counts"));
  while (tc.Step(&s)) tag_counts_[std::string(tc.Text(0))] = static_cast<uint64_t>(tc.Int(1));
  TRAIL_RETURN_IF_ERROR(s);
  stats_.events = next_seq_;
  TRAIL_RETURN_IF_ERROR(InitHourCounts());
  TRAIL_RETURN_IF_ERROR(RecoverIndex());
  return InitTree();
}

// Rebuilds the open segments of the posting index from the events table, sealing any
// segment that was complete when the process stopped.
Status SqliteStore::RecoverIndex() {
  auto& w = *writer_;
  sqlite::Stmt q;
  Status s;
  TRAIL_RETURN_IF_ERROR(q.Prepare(w.db, "SELECT COALESCE(MAX(seg) + 1, 0) FROM segments"));
  uint64_t first_open = 0;
  if (q.Step(&s)) first_open = static_cast<uint64_t>(q.Int(0));
  TRAIL_RETURN_IF_ERROR(s);
  index_.Reset(first_open);
  sqlite::Stmt scan;
  TRAIL_RETURN_IF_ERROR(scan.Prepare(
      w.db, "SELECT seq, tag, subject, actor, ip FROM events WHERE seq >= ? ORDER BY seq"));
  scan.Bind(1, static_cast<int64_t>(index_.SegmentStart(first_open)));
  std::vector<std::string> keys;
  uint64_t end = index_.SegmentStart(first_open);
  while (scan.Step(&s)) {
    uint64_t seq = static_cast<uint64_t>(scan.Int(0));
    IndexKeysOf(scan.Text(1), scan.Text(2), scan.Text(3), scan.Text(4), &keys);
    index_.Add(seq, keys);
    end = seq + 1;
  }
  TRAIL_RETURN_IF_ERROR(s);
  if (end != next_seq_)
    return Status::Corruption("events table has a gap before seq " + std::to_string(next_seq_));
  index_.Publish(end);
  return SealSegments(/*all=*/true);
}

Status SqliteStore::SealSegments(bool all) {
  constexpr size_t kSealChunk = 8192;  // rows per transaction: a few milliseconds of writer time
  auto& w = *writer_;
  while (true) {
    if (!seal_) {
      const PostingIndex::Lists* lists = index_.Sealable();
      if (!lists) return Status::Ok();
      // The lists of a complete segment no longer change: the writer only adds past its end.
      seal_.emplace(SealInProgress{0, {}, 0});  // not emplace(): clang 14 (fuzz/) refuses it here
      seal_->seg = index_.first_open_segment();
      seal_->rows.reserve(lists->size());
      for (const auto& kv : *lists) seal_->rows.push_back(&kv);
      std::sort(seal_->rows.begin(), seal_->rows.end(),
                [](auto* x, auto* y) { return x->first < y->first; });
    }
    const uint64_t seg = seal_->seg;
    const size_t end = std::min(seal_->rows.size(), seal_->next + kSealChunk);
    TRAIL_RETURN_IF_ERROR(w.begin.Run());
    Status s;
    for (size_t i = seal_->next; i < end && s.ok(); ++i) {
      w.insert_posting.Bind(1, static_cast<int64_t>(seg));
      w.insert_posting.BindBlob(2, seal_->rows[i]->first);
      w.insert_posting.BindBlob(3, EncodePostings(seal_->rows[i]->second));
      s = w.insert_posting.Run();
    }
    const bool last = end == seal_->rows.size();
    if (s.ok() && last) {
      w.insert_segment.Bind(1, static_cast<int64_t>(seg));
      w.insert_segment.Bind(2, static_cast<int64_t>(index_.SegmentStart(seg)));
      w.insert_segment.Bind(3, static_cast<int64_t>(index_.SegmentStart(seg + 1)));
      w.insert_segment.Bind(4, opt_.clock->NowMicros());
      s = w.insert_segment.Run();
    }
    if (s.ok()) s = w.commit.Run();
    if (!s.ok()) {
      w.rollback.Run();
      return s;  // the segment stays open in memory; the chunk is retried after the next commit
    }
    seal_->next = end;
    if (last) {
      // Rows are in the database before the segment leaves memory: readers never miss it.
      seal_.reset();
      index_.DropSealed();
    }
    if (!all) return Status::Ok();
  }
}

void SqliteStore::Append(std::vector<PreparedEvent> events, AppendCallback done) {
  if (events.empty()) {
    done(Status::Ok(), {});
    return;
  }
  queue_.Enqueue(std::move(events), std::move(done));
}

void SqliteStore::WriterLoop() {
  std::vector<AppendRequest> group;
  std::vector<Status> results;
  std::vector<std::vector<Ack>> acks;
  while (true) {
    group.clear();
    AppendQueue::Task task, completion;
    if (!queue_.PopBatch(opt_.max_commit_events, &group, &task, &completion)) break;
    // Acknowledge what is durable first, then commit the waiting requests, and only then run
    // a maintenance batch: it overlaps the fdatasync of the group just written.
    if (completion) completion();
    if (!group.empty()) CommitAndHandOff(group, results, acks);
    if (task) task();
  }
  // Draining: everything accepted is committed; make it durable, acknowledge it, and sign a
  // last checkpoint over all of it.
  SyncAndCompleteAll();
  SignFinalCheckpoint();
}

void SqliteStore::CommitAndHandOff(std::vector<AppendRequest>& group, std::vector<Status>& results,
                                   std::vector<std::vector<Ack>>& acks) {
  auto t0 = std::chrono::steady_clock::now();
  Publication pub;
  Status s = CommitGroup(group, &results, &acks, &pub);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  size_t n = 0;
  for (const auto& r : group) n += r.events.size();
  {
    std::lock_guard<std::mutex> l(stats_mu_);
    stats_.commits++;
    stats_.last_commit_seconds = secs;
  }
  if (!s.ok()) {
    healthy_.store(false);
    queue_.Release(n);
    for (auto& r : group) r.done(s, {});
    return;
  }
  healthy_.store(true);
  Unsynced u;
  u.id = ++last_commit_id_;
  u.group = std::move(group);
  u.results = std::move(results);
  u.acks = std::move(acks);
  u.pub = std::move(pub);
  u.events = n;
  unsynced_.push_back(std::move(u));
  group = {};
  results = {};
  acks = {};
  {
    std::lock_guard<std::mutex> l(sync_mu_);
    sync_requested_ = last_commit_id_;
  }
  sync_cv_.notify_all();  // the syncer and the checkpointer wait on it
}

// Commits every request of the group in one transaction. Per-request refusals (a client id
// that exists) go to (*results)[i]; a failure of the transaction itself is returned and
// nothing of the group is stored.
Status SqliteStore::CommitGroup(std::vector<AppendRequest>& group, std::vector<Status>* results,
                                std::vector<std::vector<Ack>>* acks, Publication* pub) {
  auto& w = *writer_;
  results->assign(group.size(), Status::Ok());
  acks->assign(group.size(), {});
  const uint64_t start_seq = next_seq_;
  const Micros start_recorded = last_recorded_;
  const tlog::CompactRange start_tree = tree_;
  std::unordered_map<std::string, Ack> idem_in_group;
  std::unordered_set<std::string> ids_in_group;
  std::map<std::string, uint64_t> tag_delta;
  struct Indexed {
    uint64_t seq;
    const PreparedEvent* e;
  };
  std::vector<Indexed> added;

  Status s = w.begin.Run();
  if (!s.ok()) return s;
  Micros now = std::max(opt_.clock->NowMicros(), last_recorded_);
  for (size_t r = 0; r < group.size() && s.ok(); ++r) {
    auto& events = group[r].events;
    std::vector<Ack>& out = (*acks)[r];
    // First pass: client ids must be new; idempotent replays are answered, not stored.
    // Nothing of this request is inserted before the second pass, so repeats within it are
    // caught here: a repeated key replays its first occurrence, a repeated id conflicts.
    std::vector<int> replay(events.size(), 0);
    std::unordered_set<std::string_view> keys_in_request, ids_in_request;
    for (size_t i = 0; i < events.size() && s.ok() && (*results)[r].ok(); ++i) {
      const PreparedEvent& e = events[i];
      if (e.idempotency_key) {
        if (idem_in_group.count(*e.idempotency_key) ||
            !keys_in_request.insert(*e.idempotency_key).second) {
          replay[i] = 1;
          continue;
        }
        w.find_idem.BindStatic(1, *e.idempotency_key);
        if (w.find_idem.Step(&s)) replay[i] = 1;
        w.find_idem.Reset();
        if (replay[i]) continue;
      }
      if (e.id_from_client) {
        w.find_id.BindStatic(1, e.id);
        bool exists = w.find_id.Step(&s);
        w.find_id.Reset();
        if (exists || ids_in_group.count(e.id) || !ids_in_request.insert(e.id).second)
          (*results)[r] =
              Status::Conflict("id " + e.id + " is already stored").WithIndex(static_cast<int>(i));
      }
    }
    if (!s.ok()) break;
    if (!(*results)[r].ok()) continue;
    for (size_t i = 0; i < events.size() && s.ok(); ++i) {
      const PreparedEvent& e = events[i];
      if (replay[i]) {
        if (auto it = idem_in_group.find(*e.idempotency_key); it != idem_in_group.end()) {
          Ack a = it->second;
          a.replayed = true;
          out.push_back(a);
          continue;
        }
        w.find_idem.BindStatic(1, *e.idempotency_key);
        Ack a;
        if (w.find_idem.Step(&s)) {
          a.seq = static_cast<uint64_t>(w.find_idem.Int(0));
          a.id = std::string(w.find_idem.Text(1));
        }
        a.replayed = true;
        w.find_idem.Reset();
        out.push_back(a);
        continue;
      }
      const uint64_t seq = next_seq_++;
      const Micros recorded = now;
      last_recorded_ = recorded;
      // Hashed by the request thread when occurred_at was known (always, over HTTP).
      std::string late_body_hash;
      if (e.body_hash.empty()) late_body_hash = CompleteBodyHash(e, recorded);
      const std::string& body_hash = e.body_hash.empty() ? late_body_hash : e.body_hash;
      const std::string leaf_hash = LeafHash(e.id, recorded, e.tag, body_hash);
      auto& st = w.insert;
      st.Bind(1, static_cast<int64_t>(seq));
      st.BindStatic(2, e.id);
      st.Bind(3, recorded);
      if (e.occurred_at) {
        st.Bind(4, *e.occurred_at);
      } else {
        st.BindNull(4);
      }
      st.BindStatic(5, e.tag);
      st.BindStatic(6, e.subject);
      BindOpt(st, 7, e.actor);
      BindOpt(st, 8, e.ip);
      BindOpt(st, 9, e.user_agent);
      BindOpt(st, 10, e.location_json);
      if (e.metadata_json == "{}") {
        st.BindNull(11);
      } else {
        st.BindStatic(11, e.metadata_json);
      }
      st.BindBlob(12, e.salt);
      st.BindBlob(13, e.personal_hash);
      st.BindBlob(14, body_hash);
      st.BindBlob(15, leaf_hash);
      s = st.Run();
      if (s.ok() && opt_.maintain_tree) s = ExtendTree(leaf_hash);
      if (!s.ok()) break;
      if (e.idempotency_key) {
        w.insert_idem.BindStatic(1, *e.idempotency_key);
        w.insert_idem.Bind(2, static_cast<int64_t>(seq));
        s = w.insert_idem.Run();
        idem_in_group[*e.idempotency_key] = Ack{e.id, seq, false};
      }
      if (e.id_from_client) ids_in_group.insert(e.id);
      tag_delta[e.tag]++;
      added.push_back({seq, &e});
      out.push_back(Ack{e.id, seq, false});
    }
  }
  for (const auto& [tag, n] : tag_delta) {
    if (!s.ok()) break;
    w.count_tag.BindStatic(1, tag);
    w.count_tag.Bind(2, static_cast<int64_t>(n));
    s = w.count_tag.Run();
  }
  // The chart's pre-aggregation (sqlite_histogram.cc): one group shares one recorded_at.
  for (const auto& [tag, n] : tag_delta) {
    if (!s.ok()) break;
    w.count_hour.Bind(1, now / kMicrosPerHour);
    w.count_hour.BindStatic(2, TagPrefixOf(tag));
    w.count_hour.Bind(3, static_cast<int64_t>(n));
    s = w.count_hour.Run();
  }
  // Sign when no request is waiting (the load has paused) or a second has passed.
  const bool sign =
      !added.empty() &&
      (!queue_.waiting() || std::chrono::steady_clock::now() - last_signed_ >=
                                std::chrono::duration<double>(opt_.checkpoint_interval_seconds));
  if (s.ok() && !added.empty() && opt_.maintain_tree) s = SaveTree(sign);
  if (s.ok()) s = w.commit.Run();
  if (!s.ok()) {
    w.rollback.Run();
    next_seq_ = start_seq;
    last_recorded_ = start_recorded;
    tree_ = start_tree;
    signed_pending_.reset();
    return s;
  }
  // Written, not yet durable: Publish makes it visible once the syncer has synced the WAL.
  if (signed_pending_) last_signed_ = std::chrono::steady_clock::now();
  pub->checkpoint = std::move(signed_pending_);
  signed_pending_.reset();
  pub->end_seq = next_seq_;
  pub->tag_delta = std::move(tag_delta);
  pub->added.reserve(added.size());
  for (const auto& a : added) pub->added.emplace_back(a.seq, a.e);
  return Status::Ok();
}

void SqliteStore::Publish(Publication& pub) {
  if (pub.checkpoint && opt_.keeper)
    opt_.keeper->Keep(*pub.checkpoint);  // durable now; written soon
  if (pub.checkpoint) {
    std::lock_guard<std::mutex> l(cp_mu_);
    latest_ = std::move(pub.checkpoint);
  }
  std::vector<std::string> keys;
  for (const auto& [seq, e] : pub.added) {
    IndexKeysOf(e->tag, e->subject, e->actor.value_or(""), e->ip.value_or(""), &keys);
    index_.Add(seq, keys);
  }
  index_.Publish(pub.end_seq);
  {
    std::lock_guard<std::mutex> l(commit_mu_);
    commit_cv_.notify_all();
  }
  std::lock_guard<std::mutex> l(stats_mu_);
  for (const auto& [tag, n] : pub.tag_delta) tag_counts_[tag] += n;
}

std::unique_ptr<SqliteStore::ReadConn> SqliteStore::AcquireReader(Status* s) {
  {
    std::lock_guard<std::mutex> l(readers_mu_);
    if (!readers_.empty()) {
      auto r = std::move(readers_.back());
      readers_.pop_back();
      return r;
    }
  }
  auto r = std::make_unique<ReadConn>();
  *s = r->Open(opt_.path);
  if (!s->ok()) return nullptr;
  return r;
}

void SqliteStore::ReleaseReader(std::unique_ptr<ReadConn> r) {
  std::lock_guard<std::mutex> l(readers_mu_);
  if (readers_.size() < 16) readers_.push_back(std::move(r));
}

Result<QueryPage> SqliteStore::Query(const trail::Query& q, const AccessFilter* access) {
  Status s;
  auto r = AcquireReader(&s);
  if (!r) return s;
  Result<QueryPage> page = Status::Internal("unreached");
  {
    Source src(r.get(), Types());
    page = ExecuteQuery(q, index_, src, access);
  }
  ReleaseReader(std::move(r));
  return page;
}

Result<std::optional<Event>> SqliteStore::Get(std::string_view id) {
  Status s;
  auto r = AcquireReader(&s);
  if (!r) return s;
  std::optional<Event> out;
  r->by_id.Bind(1, id);
  if (r->by_id.Step(&s)) {
    Event e;
    ReadEvent(r->by_id, &e);
    if (auto types = Types()) e.description = DescribeEvent(*types, e);
    out = std::move(e);
  }
  r->by_id.Reset();
  ReleaseReader(std::move(r));
  if (!s.ok()) return s;
  return out;
}

Result<std::vector<std::pair<std::string, uint64_t>>> SqliteStore::TagCounts() {
  std::lock_guard<std::mutex> l(stats_mu_);
  return std::vector<std::pair<std::string, uint64_t>>(tag_counts_.begin(), tag_counts_.end());
}

Status SqliteStore::PutKey(const ApiKeyRecord& key) {
  std::lock_guard<std::mutex> l(keys_mu_);
  sqlite::Stmt st;
  TRAIL_RETURN_IF_ERROR(st.Prepare(
      *keys_db_, "INSERT INTO api_keys(id, name, role, hash, created_at) VALUES(?,?,?,?,?)"));
  st.Bind(1, key.id);
  st.Bind(2, key.name);
  st.Bind(3, KeyRoleName(key.role));
  st.BindBlob(4, key.hash);
  st.Bind(5, key.created_at);
  return st.Run();
}

Result<std::vector<ApiKeyRecord>> SqliteStore::ListKeys() {
  std::lock_guard<std::mutex> l(keys_mu_);
  sqlite::Stmt st;
  TRAIL_RETURN_IF_ERROR(st.Prepare(
      *keys_db_,
      "SELECT id, name, role, hash, created_at, revoked_at FROM api_keys ORDER BY created_at, id"));
  std::vector<ApiKeyRecord> out;
  Status s;
  while (st.Step(&s)) {
    ApiKeyRecord k;
    k.id = std::string(st.Text(0));
    k.name = std::string(st.Text(1));
    k.role = ParseKeyRole(st.Text(2)).value_or(KeyRole::kWriter);
    k.hash = std::string(st.Blob(3));
    k.created_at = st.Int(4);
    if (!st.IsNull(5)) k.revoked_at = st.Int(5);
    out.push_back(std::move(k));
  }
  if (!s.ok()) return s;
  return out;
}

Status SqliteStore::RevokeKey(std::string_view id, Micros when) {
  std::lock_guard<std::mutex> l(keys_mu_);
  sqlite::Stmt st;
  TRAIL_RETURN_IF_ERROR(st.Prepare(
      *keys_db_, "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL"));
  st.Bind(1, when);
  st.Bind(2, id);
  TRAIL_RETURN_IF_ERROR(st.Run());
  if (sqlite3_changes(keys_db_->get()) == 0)
    return Status::NotFound("no active key " + std::string(id));
  return Status::Ok();
}

StoreStats SqliteStore::Stats() {
  StoreStats out;
  {
    std::lock_guard<std::mutex> l(stats_mu_);
    out = stats_;
  }
  out.queue_depth = queue_.pending();
  out.disk_bytes = FileSize(opt_.path) + FileSize(opt_.path + "-wal");
  return out;
}

uint64_t SqliteStore::ReadableEnd() { return index_.Snapshot({}).end; }

uint64_t SqliteStore::WaitForEvents(uint64_t end, int timeout_ms) {
  std::unique_lock<std::mutex> l(commit_mu_);
  commit_cv_.wait_for(l, std::chrono::milliseconds(timeout_ms),
                      [&] { return ReadableEnd() > end; });
  return ReadableEnd();
}

bool SqliteStore::Healthy() { return healthy_.load() && !drained_.load(); }

void SqliteStore::Drain() {
  if (drained_.exchange(true)) return;
  queue_.Close();
  if (thread_.joinable()) thread_.join();  // acknowledges everything it committed
  {
    std::lock_guard<std::mutex> l(sync_mu_);
    sync_stop_ = true;
  }
  sync_cv_.notify_all();
  if (syncer_.joinable()) syncer_.join();
  if (checkpointer_.joinable()) checkpointer_.join();
  std::lock_guard<std::mutex> l(wal_mu_);
  if (wal_fd_ >= 0) close(wal_fd_);
  wal_fd_ = -1;
}

}  // namespace trail
