// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// The embedded store's writer thread (SPEC §4): it drains the AppendQueue and commits every
// request waiting at that moment in one transaction (group commit), hands each commit to the
// syncer (sqlite_sync.cc), publishes it once durable, and seals complete posting segments.
#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/leaf.h"
#include "store/histogram.h"
#include "store/sqlite/sqlite_internal.h"

namespace trail {
namespace {

void BindOpt(sqlite::Stmt& st, int i, const std::optional<std::string>& v) {
  if (v) {
    st.BindStatic(i, *v);
  } else {
    st.BindNull(i);
  }
}

}  // namespace

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

// One CommitGroup, in named steps: every request of the group in one transaction. A request
// is first checked whole (CheckRequest) and then stored (StoreRequest), so that a refusal
// leaves nothing of it behind; per-request refusals (a client id that exists) go to its
// result. A failure of the transaction itself rolls back everything the group changed, in
// the database and in the writer's state. Writer thread only.
class SqliteStore::GroupCommit {
 public:
  GroupCommit(SqliteStore& store, std::vector<AppendRequest>& group, std::vector<Status>* results,
              std::vector<std::vector<Ack>>* acks)
      : store_(store),
        w_(*store.writer_),
        group_(group),
        results_(*results),
        acks_(*acks),
        start_seq_(store.next_seq_),
        start_recorded_(store.last_recorded_),
        start_tree_(store.tree_) {}

  // Runs the steps; when one throws (an allocation, a bug), rolls back as a failed step does,
  // so that every request of the group is answered with the error instead of waiting forever.
  Status Run(Publication* pub);

 private:
  Status RunSteps(Publication* pub);
  Status CheckRequest(size_t r, std::vector<int>* replay);
  Status StoreRequest(size_t r, const std::vector<int>& replay);
  Ack ReplayAck(const std::string& key, Status* s);
  Status InsertEvent(const PreparedEvent& e, uint64_t seq);
  Status CountTags();
  bool SignNow() const;
  void RollBack();
  void HandOver(Publication* pub);

  SqliteStore& store_;
  Writer& w_;
  std::vector<AppendRequest>& group_;
  std::vector<Status>& results_;
  std::vector<std::vector<Ack>>& acks_;
  // Where the writer stood before the group: what a rollback returns to.
  const uint64_t start_seq_;
  const Micros start_recorded_;
  const tlog::CompactRange start_tree_;
  Micros now_ = 0;  // the group's recorded_at
  std::unordered_map<std::string, Ack> idem_in_group_;
  std::unordered_set<std::string> ids_in_group_;
  std::map<std::string, uint64_t> tag_delta_;
  std::vector<std::pair<uint64_t, const PreparedEvent*>> added_;  // into the group's requests
};

Status SqliteStore::GroupCommit::Run(Publication* pub) {
  try {
    return RunSteps(pub);
  } catch (const std::exception& e) {
    RollBack();
    return Status::Internal(std::string("commit failed: ") + e.what());
  }
}

Status SqliteStore::GroupCommit::RunSteps(Publication* pub) {
  results_.assign(group_.size(), Status::Ok());
  acks_.assign(group_.size(), {});
  Status s = w_.begin.Run();
  if (!s.ok()) return s;
  now_ = std::max(store_.opt_.clock->NowMicros(), store_.last_recorded_);
  for (size_t r = 0; r < group_.size() && s.ok(); ++r) {
    std::vector<int> replay(group_[r].events.size(), 0);
    s = CheckRequest(r, &replay);
    if (!s.ok()) break;
    if (!results_[r].ok()) continue;
    s = StoreRequest(r, replay);
  }
  if (s.ok()) s = CountTags();
  if (s.ok() && !added_.empty() && store_.opt_.maintain_tree) s = store_.SaveTree(SignNow());
  if (s.ok()) s = w_.commit.Run();
  if (!s.ok()) {
    RollBack();
    return s;
  }
  HandOver(pub);
  return Status::Ok();
}

// First pass over request r, before anything of it is inserted, so that repeats within it are
// caught here: an event whose idempotency key is stored, or came earlier in the group or the
// request, is a replay (answered, not stored); a client id that is stored, or came earlier,
// refuses the whole request, naming the event.
Status SqliteStore::GroupCommit::CheckRequest(size_t r, std::vector<int>* replay) {
  const std::vector<PreparedEvent>& events = group_[r].events;
  std::unordered_set<std::string_view> keys_in_request, ids_in_request;
  Status s;
  for (size_t i = 0; i < events.size() && s.ok() && results_[r].ok(); ++i) {
    const PreparedEvent& e = events[i];
    if (e.idempotency_key) {
      if (idem_in_group_.count(*e.idempotency_key) ||
          !keys_in_request.insert(*e.idempotency_key).second) {
        (*replay)[i] = 1;
        continue;
      }
      w_.find_idem.BindStatic(1, *e.idempotency_key);
      if (w_.find_idem.Step(&s)) (*replay)[i] = 1;
      w_.find_idem.Reset();
      if ((*replay)[i]) continue;
    }
    if (e.id_from_client) {
      w_.find_id.BindStatic(1, e.id);
      bool exists = w_.find_id.Step(&s);
      w_.find_id.Reset();
      if (exists || ids_in_group_.count(e.id) || !ids_in_request.insert(e.id).second)
        results_[r] =
            Status::Conflict("id " + e.id + " is already stored").WithIndex(static_cast<int>(i));
    }
  }
  return s;
}

// Second pass: replays are answered with the event stored before; every other event gets the
// next seq and the group's recorded_at, and is inserted with its idempotency key.
Status SqliteStore::GroupCommit::StoreRequest(size_t r, const std::vector<int>& replay) {
  const std::vector<PreparedEvent>& events = group_[r].events;
  std::vector<Ack>& out = acks_[r];
  Status s;
  for (size_t i = 0; i < events.size() && s.ok(); ++i) {
    const PreparedEvent& e = events[i];
    if (replay[i]) {
      out.push_back(ReplayAck(*e.idempotency_key, &s));
      continue;
    }
    const uint64_t seq = store_.next_seq_++;
    store_.last_recorded_ = now_;
    s = InsertEvent(e, seq);
    if (!s.ok()) break;
    if (e.idempotency_key) {
      w_.insert_idem.BindStatic(1, *e.idempotency_key);
      w_.insert_idem.Bind(2, static_cast<int64_t>(seq));
      s = w_.insert_idem.Run();
      idem_in_group_[*e.idempotency_key] = Ack{e.id, seq, false};
    }
    if (e.id_from_client) ids_in_group_.insert(e.id);
    tag_delta_[e.tag]++;
    added_.emplace_back(seq, &e);
    out.push_back(Ack{e.id, seq, false});
  }
  return s;
}

// The ack of a replayed key: the event stored under it earlier in this group, or before.
Ack SqliteStore::GroupCommit::ReplayAck(const std::string& key, Status* s) {
  if (auto it = idem_in_group_.find(key); it != idem_in_group_.end()) {
    Ack a = it->second;
    a.replayed = true;
    return a;
  }
  w_.find_idem.BindStatic(1, key);
  Ack a;
  if (w_.find_idem.Step(s)) {
    a.seq = static_cast<uint64_t>(w_.find_idem.Int(0));
    a.id = std::string(w_.find_idem.Text(1));
  }
  a.replayed = true;
  w_.find_idem.Reset();
  return a;
}

// The event's row, with its hashes (SPEC §5), and its leaf in the tree.
Status SqliteStore::GroupCommit::InsertEvent(const PreparedEvent& e, uint64_t seq) {
  const Micros recorded = now_;
  // Hashed by the request thread when occurred_at was known (always, over HTTP).
  std::string late_body_hash;
  if (e.body_hash.empty()) late_body_hash = CompleteBodyHash(e, recorded);
  const std::string& body_hash = e.body_hash.empty() ? late_body_hash : e.body_hash;
  const std::string leaf_hash = LeafHash(e.id, recorded, e.tag, body_hash);
  auto& st = w_.insert;
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
  Status s = st.Run();
  if (s.ok() && store_.opt_.maintain_tree) s = store_.ExtendTree(leaf_hash);
  return s;
}

// The exact per-tag totals, and the chart's pre-aggregation (sqlite_histogram.cc): one group
// shares one recorded_at.
Status SqliteStore::GroupCommit::CountTags() {
  for (const auto& [tag, n] : tag_delta_) {
    w_.count_tag.BindStatic(1, tag);
    w_.count_tag.Bind(2, static_cast<int64_t>(n));
    TRAIL_RETURN_IF_ERROR(w_.count_tag.Run());
  }
  for (const auto& [tag, n] : tag_delta_) {
    w_.count_hour.Bind(1, now_ / kMicrosPerHour);
    w_.count_hour.BindStatic(2, TagPrefixOf(tag));
    w_.count_hour.Bind(3, static_cast<int64_t>(n));
    TRAIL_RETURN_IF_ERROR(w_.count_hour.Run());
  }
  return Status::Ok();
}

// Sign when no request is waiting (the load has paused) or a second has passed.
bool SqliteStore::GroupCommit::SignNow() const {
  return !added_.empty() &&
         (!store_.queue_.waiting() ||
          std::chrono::steady_clock::now() - store_.last_signed_ >=
              std::chrono::duration<double>(store_.opt_.checkpoint_interval_seconds));
}

void SqliteStore::GroupCommit::RollBack() {
  w_.rollback.Run();
  store_.next_seq_ = start_seq_;
  store_.last_recorded_ = start_recorded_;
  store_.tree_ = start_tree_;
  store_.signed_pending_.reset();
}

// Written, not yet durable: Publish makes it visible once the syncer has synced the WAL.
void SqliteStore::GroupCommit::HandOver(Publication* pub) {
  if (store_.signed_pending_) store_.last_signed_ = std::chrono::steady_clock::now();
  pub->checkpoint = std::move(store_.signed_pending_);
  store_.signed_pending_.reset();
  pub->end_seq = store_.next_seq_;
  pub->tag_delta = std::move(tag_delta_);
  pub->added = std::move(added_);
}

// Commits every request of the group in one transaction. Per-request refusals (a client id
// that exists) go to (*results)[i]; a failure of the transaction itself is returned and
// nothing of the group is stored.
Status SqliteStore::CommitGroup(std::vector<AppendRequest>& group, std::vector<Status>* results,
                                std::vector<std::vector<Ack>>* acks, Publication* pub) {
  return GroupCommit(*this, group, results, acks).Run(pub);
}

void SqliteStore::Publish(Publication& pub) {
  if (pub.checkpoint && opt_.keeper)
    opt_.keeper->Keep(*pub.checkpoint);  // durable now; written soon
  if (pub.checkpoint) {
    {
      std::lock_guard<std::mutex> l(stats_mu_);
      stats_.last_checkpoint_micros = opt_.clock->NowMicros();
    }
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

}  // namespace trail
