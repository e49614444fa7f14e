// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// Index recovery: queries checked against a brute-force filter over the same events,
// across sealed and open segments and reopens.
#include "store/sqlite/sqlite_store_test_fixture.h"

namespace trail {
namespace {

using namespace sqlite_testing;  // NOLINT: the shared fixture

struct Model {
  uint64_t seq;
  std::string id, tag, subject, description;
  std::optional<std::string> actor, ip;
  Micros recorded_at;
};

class SqliteStorePropertyTest : public SqliteStoreTest {
 protected:
  static constexpr const char* kTags[] = {"account:login:success", "account:login:failure",
                                          "project:role:add",      "project:role:remove",
                                          "project:release:add",   "organization:team:role:add"};
  static constexpr const char* kPrefixes[] = {
      "account:",           "account:login:",          "project:", "project:role:", "organization:",
      "organization:team:", "organization:team:role:", "nothing:"};
  static constexpr const char* kActors[] = {"alice", "bob", "carol"};
  static constexpr const char* kIps[] = {"10.0.0.1", "10.0.0.2", "2001:db8::1"};

  static std::vector<std::string> SubjectsOf(std::string_view tag) {
    if (tag.rfind("account:", 0) == 0) return {"user:alice", "user:bob", "user:carol"};
    if (tag.rfind("project:", 0) == 0) return {"project:requests", "project:flask"};
    return {"organization:psf"};
  }

  void AppendRandom(int n, std::mt19937& rng) {
    int done = 0;
    while (done < n) {
      const int size = std::min(n - done, 1 + static_cast<int>(rng() % 40));
      const Micros advance[] = {0, 1, 1000, 1'000'000};
      clock_.Advance(advance[rng() % 4]);
      std::vector<PreparedEvent> batch;
      for (int i = 0; i < size; ++i) {
        Spec s;
        s.tag = kTags[rng() % std::size(kTags)];
        auto subjects = SubjectsOf(s.tag);
        s.subject = subjects[rng() % subjects.size()];
        if (rng() % 5) s.actor = kActors[rng() % std::size(kActors)];
        if (rng() % 4) s.ip = kIps[rng() % std::size(kIps)];
        if (s.tag == "project:role:add")
          s.metadata = {{"target_user", "dave"}, {"role_name", "Owner"}};
        if (s.tag == "project:release:add") s.metadata = {{"version", "2.32.0"}};
        batch.push_back(Make(s));
      }
      std::vector<PreparedEvent> copy = batch;
      std::vector<Ack> acks = AppendOk(std::move(copy));
      ASSERT_EQ(acks.size(), batch.size());
      for (size_t i = 0; i < batch.size(); ++i) {
        ASSERT_EQ(acks[i].seq, model_.size());
        const PreparedEvent& e = batch[i];
        Event ev;  // the description as its template renders it (DescribeEvent, independently of
                   // the store)
        ev.tag = e.tag;
        ev.subject = e.subject;
        ev.actor = e.actor;
        ev.metadata_json = e.metadata_json;
        model_.push_back({*acks[i].seq, e.id, e.tag, e.subject, DescribeEvent(*types_, ev), e.actor,
                          e.ip, clock_.NowMicros()});
      }
      done += size;
    }
  }

  static bool Folded(std::string_view hay, std::string_view needle) {
    auto lower = [](std::string s) {
      for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return s;
    };
    return lower(std::string(hay)).find(lower(std::string(needle))) != std::string::npos;
  }

  static bool Matches(const trail::Query& q, const Model& m) {
    for (const auto& s : q.subjects)
      if (m.subject != s) return false;
    for (const auto& a : q.actors)
      if (m.actor != a) return false;
    for (const auto& ip : q.ips)
      if (m.ip != ip) return false;
    for (const auto& t : q.tags)
      if (t.prefix ? m.tag.rfind(t.value, 0) != 0 : m.tag != t.value) return false;
    for (const auto& a : q.not_actors)
      if (m.actor == a) return false;
    for (const auto& t : q.not_tags)
      if (t.prefix ? m.tag.rfind(t.value, 0) == 0 : m.tag == t.value) return false;
    for (const auto& w : q.words)
      if (!Folded(m.description, w)) return false;
    if (q.since && m.recorded_at < *q.since) return false;
    if (q.until && m.recorded_at >= *q.until) return false;
    return true;
  }

  trail::Query RandomQuery(std::mt19937& rng) {
    trail::Query q;
    auto chance = [&](int percent) { return static_cast<int>(rng() % 100) < percent; };
    if (chance(30)) {
      auto subjects = SubjectsOf(kTags[rng() % std::size(kTags)]);
      q.subjects.push_back(subjects[rng() % subjects.size()]);
    }
    if (chance(30)) q.actors.push_back(kActors[rng() % std::size(kActors)]);
    if (chance(5)) q.actors.push_back("nobody");
    if (chance(40)) {
      if (chance(50)) {
        q.tags.push_back({kTags[rng() % std::size(kTags)], false});
      } else {
        q.tags.push_back({kPrefixes[rng() % std::size(kPrefixes)], true});
      }
    }
    if (chance(5)) q.tags.push_back({kPrefixes[rng() % std::size(kPrefixes)], true});
    if (chance(20)) q.ips.push_back(kIps[rng() % std::size(kIps)]);
    const Micros first = model_.front().recorded_at, last = model_.back().recorded_at;
    auto some_time = [&] {
      // Often exactly an event's time (boundaries), sometimes between or outside.
      if (chance(70))
        return model_[rng() % model_.size()].recorded_at + static_cast<Micros>(rng() % 3) - 1;
      return first - 10 + static_cast<Micros>(rng() % static_cast<uint64_t>(last - first + 20));
    };
    if (chance(30)) q.since = some_time();
    if (chance(30)) q.until = some_time();
    if (chance(10)) q.not_actors.push_back(kActors[rng() % std::size(kActors)]);
    if (chance(10)) q.not_tags.push_back({kPrefixes[rng() % std::size(kPrefixes)], true});
    if (chance(10)) q.words.push_back(chance(50) ? "ALICE" : "Logged In");
    q.ascending = chance(50);
    const int limits[] = {1, 2, 3, 10, 64, 1000};
    q.limit = limits[rng() % std::size(limits)];
    return q;
  }

  // Runs q page by page and compares with brute force. Returns the number of pages.
  int Check(trail::Query q, int query_number) {
    std::vector<uint64_t> want;
    for (const Model& m : model_)
      if (Matches(q, m)) want.push_back(m.seq);
    if (!q.ascending) std::reverse(want.begin(), want.end());
    // Keep the page count reasonable: tiny limits on big results make many round trips.
    if (want.size() / static_cast<size_t>(q.limit) > 150)
      q.limit = static_cast<int>(want.size() / 150) + 1;

    std::vector<uint64_t> got;
    int pages = 0;
    while (true) {
      auto page = store_->Query(q, nullptr);
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      if (!page.ok()) return pages;
      ++pages;
      EXPECT_LE(page->events.size(), static_cast<size_t>(q.limit));
      for (const Event& e : page->events) {
        got.push_back(e.seq);
        const Model& m = model_[e.seq];
        EXPECT_EQ(e.id, m.id);
        EXPECT_EQ(e.recorded_at, m.recorded_at);
      }
      if (!page->next_after) break;
      EXPECT_EQ(page->events.size(), static_cast<size_t>(q.limit)) << "a short page with a cursor";
      EXPECT_EQ(*page->next_after, page->events.back().seq);
      q.after_seq = page->next_after;
      if (pages > 2500) {
        ADD_FAILURE() << "paging does not end";
        break;
      }
    }
    EXPECT_EQ(got, want) << "query #" << query_number << Describe(q);
    return pages;
  }

  static std::string Describe(const trail::Query& q) {
    std::string s;
    for (const auto& x : q.subjects) s += " subject=" + x;
    for (const auto& x : q.actors) s += " actor=" + x;
    for (const auto& x : q.ips) s += " ip=" + x;
    for (const auto& x : q.tags) s += " tag=" + x.value + (x.prefix ? "*" : "");
    for (const auto& x : q.not_actors) s += " -actor=" + x;
    for (const auto& x : q.not_tags) s += " -tag=" + x.value + (x.prefix ? "*" : "");
    for (const auto& x : q.words) s += " word=" + x;
    if (q.since) s += " since=" + std::to_string(*q.since);
    if (q.until) s += " until=" + std::to_string(*q.until);
    s += q.ascending ? " asc" : " desc";
    s += " limit=" + std::to_string(q.limit);
    return s;
  }

  std::vector<Model> model_;
};

TEST_F(SqliteStorePropertyTest, QueriesMatchBruteForceAcrossSealedAndOpenSegmentsAndReopen) {
  std::mt19937 rng(20261127);
  AppendRandom(1000, rng);
  if (HasFatalFailure()) return;
  Reopen();                     // index recovered from the events table
  AppendRandom(1000 + 7, rng);  // ends inside an open segment
  if (HasFatalFailure()) return;
  ASSERT_EQ(model_.size(), 2007u);

  // Every event reads back as written.
  std::vector<Event> all = test::ReadAll(*store_);
  ASSERT_EQ(all.size(), model_.size());
  for (size_t i = 0; i < all.size(); ++i) {
    const Model& m = model_[i];
    ASSERT_EQ(all[i].seq, m.seq);
    EXPECT_EQ(all[i].id, m.id);
    EXPECT_EQ(all[i].tag, m.tag);
    EXPECT_EQ(all[i].subject, m.subject);
    EXPECT_EQ(all[i].actor, m.actor);
    EXPECT_EQ(all[i].ip, m.ip);
    EXPECT_EQ(all[i].description, m.description);
    EXPECT_EQ(all[i].recorded_at, m.recorded_at);
  }

  // Fixed queries on every index key, then random ones.
  int n = 0;
  for (const char* tag : kTags) {
    trail::Query q;
    q.tags.push_back({tag, false});
    q.limit = 100;
    Check(q, n++);
  }
  for (const char* prefix : kPrefixes) {
    trail::Query q;
    q.tags.push_back({prefix, true});
    q.ascending = true;
    q.limit = 100;
    Check(q, n++);
  }
  for (const char* actor : kActors) {
    trail::Query q;
    q.actors.push_back(actor);
    q.limit = 50;
    Check(q, n++);
  }
  for (const char* ip : kIps) {
    trail::Query q;
    q.ips.push_back(ip);
    q.limit = 50;
    q.ascending = true;
    Check(q, n++);
  }
  for (const char* subject : {"user:alice", "project:flask", "organization:psf"}) {
    trail::Query q;
    q.subjects.push_back(subject);
    q.limit = 3;  // many small pages
    Check(q, n++);
  }
  for (int i = 0; i < 250; ++i) Check(RandomQuery(rng), n++);

  // And again after another restart, this time with every complete segment sealed on disk.
  Reopen();
  EXPECT_EQ(store_->index().first_open_segment(), 2007u / 16);
  for (int i = 0; i < 60; ++i) Check(RandomQuery(rng), n++);
}

}  // namespace
}  // namespace trail
