// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "store/query_executor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace trail {
namespace {

using ::testing::ElementsAre;

constexpr Micros kT0 = 1'767'225'600'000'000;  // 2026-01-01T00:00:00Z

Event MakeEvent() {
  Event e;
  e.seq = 12;
  e.id = "0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b";
  e.recorded_at = kT0;
  e.occurred_at = kT0;
  e.tag = "project:role:add";
  e.subject = "project:requests";
  e.actor = "alice";
  e.ip = "203.0.113.7";
  e.user_agent = "ua";
  e.description = "Alice added Bob as Maintainer";
  return e;
}

Query Q() { return Query{}; }

TagMatch Exact(std::string v) { return TagMatch{std::move(v), false}; }
TagMatch Prefix(std::string v) { return TagMatch{std::move(v), true}; }

// --- EventMatches ---

TEST(EventMatchesTest, EmptyQueryMatchesEverythingButPruned) {
  Event e = MakeEvent();
  EXPECT_TRUE(EventMatches(Q(), e));
  e.pruned = true;
  EXPECT_FALSE(EventMatches(Q(), e));
  Query q;
  q.include_pruned = true;
  EXPECT_TRUE(EventMatches(q, e));
}

TEST(EventMatchesTest, Subject) {
  Event e = MakeEvent();
  Query q;
  q.subjects = {"project:requests"};
  EXPECT_TRUE(EventMatches(q, e));
  q.subjects = {"project:request"};
  EXPECT_FALSE(EventMatches(q, e));
  q.subjects = {"project:requests", "project:flask"};  // ANDed: no event has two subjects
  EXPECT_FALSE(EventMatches(q, e));
  e.subject.reset();  // pruned payload
  q.subjects = {"project:requests"};
  EXPECT_FALSE(EventMatches(q, e));
}

TEST(EventMatchesTest, Actor) {
  Event e = MakeEvent();
  Query q;
  q.actors = {"alice"};
  EXPECT_TRUE(EventMatches(q, e));
  q.actors = {"Alice"};  // exact, case-sensitive
  EXPECT_FALSE(EventMatches(q, e));
  e.actor.reset();
  q.actors = {""};
  EXPECT_FALSE(EventMatches(q, e));  // a system event has no actor, not an empty one
}

TEST(EventMatchesTest, Ip) {
  Event e = MakeEvent();
  Query q;
  q.ips = {"203.0.113.7"};
  EXPECT_TRUE(EventMatches(q, e));
  q.ips = {"203.0.113.70"};
  EXPECT_FALSE(EventMatches(q, e));
  e.ip.reset();
  q.ips = {"203.0.113.7"};
  EXPECT_FALSE(EventMatches(q, e));
}

TEST(EventMatchesTest, TagExactAndPrefix) {
  Event e = MakeEvent();
  Query q;
  q.tags = {Exact("project:role:add")};
  EXPECT_TRUE(EventMatches(q, e));
  q.tags = {Exact("project:role")};
  EXPECT_FALSE(EventMatches(q, e));
  q.tags = {Prefix("project:role:")};
  EXPECT_TRUE(EventMatches(q, e));
  q.tags = {Prefix("project:")};
  EXPECT_TRUE(EventMatches(q, e));
  q.tags = {Prefix("project:rol")};  // prefixes are whole parts in practice; plain prefix here
  EXPECT_TRUE(EventMatches(q, e));
  q.tags = {Prefix("account:")};
  EXPECT_FALSE(EventMatches(q, e));
  q.tags = {Prefix("project:role:add:")};
  EXPECT_FALSE(EventMatches(q, e));
  q.tags = {Prefix("project:"), Exact("project:role:add")};
  EXPECT_TRUE(EventMatches(q, e));
}

TEST(EventMatchesTest, Negations) {
  Event e = MakeEvent();
  Query q;
  q.not_tags = {Prefix("account:")};
  EXPECT_TRUE(EventMatches(q, e));
  q.not_tags = {Prefix("project:role:")};
  EXPECT_FALSE(EventMatches(q, e));
  q.not_tags = {Exact("project:role:add")};
  EXPECT_FALSE(EventMatches(q, e));

  q = Q();
  q.not_actors = {"bob"};
  EXPECT_TRUE(EventMatches(q, e));
  q.not_actors = {"bob", "alice"};
  EXPECT_FALSE(EventMatches(q, e));

  q = Q();
  q.not_subjects = {"project:requests"};
  EXPECT_FALSE(EventMatches(q, e));
  q.not_subjects = {"project:flask"};
  EXPECT_TRUE(EventMatches(q, e));

  q = Q();
  q.not_ips = {"203.0.113.7"};
  EXPECT_FALSE(EventMatches(q, e));
  q.not_ips = {"10.0.0.1"};
  EXPECT_TRUE(EventMatches(q, e));

  // A negation on an absent field holds.
  e.actor.reset();
  e.ip.reset();
  q = Q();
  q.not_actors = {"alice"};
  q.not_ips = {"203.0.113.7"};
  EXPECT_TRUE(EventMatches(q, e));

  // Positive and negative together.
  e = MakeEvent();
  q = Q();
  q.tags = {Prefix("project:")};
  q.not_tags = {Prefix("project:role:")};
  EXPECT_FALSE(EventMatches(q, e));
}

TEST(EventMatchesTest, WordsAreCaseInsensitiveSubstringsOfTheDescription) {
  Event e = MakeEvent();  // "Alice added Bob as Maintainer"
  Query q;
  q.words = {"maintainer"};
  EXPECT_TRUE(EventMatches(q, e));
  q.words = {"MAINTAINER", "alice"};
  EXPECT_TRUE(EventMatches(q, e));
  q.words = {"added bob"};  // a quoted phrase
  EXPECT_TRUE(EventMatches(q, e));
  q.words = {"bob added"};
  EXPECT_FALSE(EventMatches(q, e));
  q.words = {"maint"};
  EXPECT_TRUE(EventMatches(q, e));
  q.words = {"owner"};
  EXPECT_FALSE(EventMatches(q, e));
  q.words = {"alice", "owner"};  // all words must match
  EXPECT_FALSE(EventMatches(q, e));
  q.words = {"Alice added Bob as Maintainer!"};  // longer than the description
  EXPECT_FALSE(EventMatches(q, e));
  q.words = {""};
  EXPECT_TRUE(EventMatches(q, e));
  // Words do not search other fields.
  q.words = {"requests"};
  EXPECT_FALSE(EventMatches(q, e));
  q.words = {"203.0.113.7"};
  EXPECT_FALSE(EventMatches(q, e));
}

TEST(EventMatchesTest, NegatedWords) {
  Event e = MakeEvent();
  Query q;
  q.not_words = {"OWNER"};
  EXPECT_TRUE(EventMatches(q, e));
  q.not_words = {"MAINTAINER"};
  EXPECT_FALSE(EventMatches(q, e));
  q.words = {"alice"};
  q.not_words = {"bob as"};
  EXPECT_FALSE(EventMatches(q, e));
}

TEST(EventMatchesTest, CaseFoldingIsAsciiOnly) {
  Event e = MakeEvent();
  e.description = "Jürgen added ÉMILE";
  Query q;
  q.words = {"JÜRGEN"};  // non-ASCII letters are compared as bytes
  EXPECT_FALSE(EventMatches(q, e));
  q.words = {"jürgen"};
  EXPECT_TRUE(EventMatches(q, e));
  q.words = {"ÉMILE"};
  EXPECT_TRUE(EventMatches(q, e));
  q.words = {"éMILE"};
  EXPECT_FALSE(EventMatches(q, e));
  q.words = {"rgen ADDED"};
  EXPECT_TRUE(EventMatches(q, e));
}

TEST(EventMatchesTest, TimeWindowIsSinceInclusiveUntilExclusive) {
  Event e = MakeEvent();
  Query q;
  q.since = kT0;
  EXPECT_TRUE(EventMatches(q, e));
  q.since = kT0 + 1;
  EXPECT_FALSE(EventMatches(q, e));
  q = Q();
  q.until = kT0;
  EXPECT_FALSE(EventMatches(q, e));
  q.until = kT0 + 1;
  EXPECT_TRUE(EventMatches(q, e));
  q.since = kT0 - 10;
  EXPECT_TRUE(EventMatches(q, e));
  // The window is on recorded_at, not occurred_at.
  e.occurred_at = kT0 - 1'000'000;
  q = Q();
  q.until = kT0 - 10;
  EXPECT_FALSE(EventMatches(q, e));
}

TEST(EventMatchesTest, PrunedEventsAreHiddenUnlessIncluded) {
  Event e = MakeEvent();
  e.pruned = true;
  e.subject.reset();
  e.actor.reset();
  e.ip.reset();
  e.user_agent.reset();
  e.description.clear();
  Query q;
  q.tags = {Exact("project:role:add")};
  EXPECT_FALSE(EventMatches(q, e));
  q.include_pruned = true;
  EXPECT_TRUE(EventMatches(q, e));
  q.actors = {"alice"};  // the payload is gone: it no longer matches on it
  EXPECT_FALSE(EventMatches(q, e));
  q = Q();
  q.include_pruned = true;
  q.not_words = {"alice"};
  EXPECT_TRUE(EventMatches(q, e));
}

TEST(EventMatchesTest, ParsedSearchTerms) {
  Event e = MakeEvent();
  auto matches = [&](std::string_view search) {
    Query q;
    Status s = ParseSearch(search, &q);
    EXPECT_TRUE(s.ok()) << search << ": " << s.ToString();
    return EventMatches(q, e);
  };
  EXPECT_TRUE(matches("tag:project:role:* actor:alice"));
  EXPECT_TRUE(matches("subject:project:requests ip:203.0.113.7 maintainer"));
  EXPECT_TRUE(matches("-tag:account:login:* \"added bob\""));
  EXPECT_FALSE(matches("-actor:alice"));
  EXPECT_FALSE(matches("-\"bob as\""));
  EXPECT_TRUE(matches("created:2026-01-01..2026-01-02"));
  EXPECT_FALSE(matches("created:>=2026-01-02"));
}

// --- ExecuteQuery over an in-memory source ---

// Events in seq order; segments below `sealed_below` are answered from `sealed`, as a store
// answers them from its postings table.
class MemorySource final : public EventSource {
 public:
  std::vector<Event> events;
  std::map<std::pair<uint64_t, std::string>, std::vector<uint64_t>> sealed;
  int fetches = 0;
  std::chrono::milliseconds postings_delay{0};  // a slow disk

  Status SealedPostings(uint64_t seg, const std::string& key, std::vector<uint64_t>* out) override {
    std::this_thread::sleep_for(postings_delay);
    auto it = sealed.find({seg, key});
    if (it == sealed.end()) {
      out->clear();
    } else {
      *out = it->second;
    }
    return Status::Ok();
  }
  Status Fetch(uint64_t seq, Event* e, bool* found) override {
    ++fetches;
    *found = seq < events.size();
    if (*found) *e = events[seq];
    return Status::Ok();
  }
  Status Scan(uint64_t lo, uint64_t hi, bool asc, const std::function<bool(Event&)>& fn) override {
    hi = std::min<uint64_t>(hi, events.size());
    for (uint64_t i = 0; i < hi - std::min(lo, hi); ++i) {
      Event e = events[asc ? lo + i : hi - 1 - i];
      if (!fn(e)) break;
    }
    return Status::Ok();
  }
  Status RecordedAt(uint64_t seq, Micros* t) override {
    if (seq >= events.size()) return Status::Corruption("no event");
    *t = events[seq].recorded_at;
    return Status::Ok();
  }
};

class ExecuteQueryTest : public ::testing::Test {
 protected:
  ExecuteQueryTest() : index_(2) { index_.Reset(0); }  // 4 events per segment

  void Add(std::string tag, std::string subject, std::optional<std::string> actor, Micros at,
           std::string description = "") {
    Event e;
    e.seq = src_.events.size();
    e.id = "id-" + std::to_string(e.seq);
    e.recorded_at = at;
    e.occurred_at = at;
    e.tag = std::move(tag);
    e.subject = std::move(subject);
    e.actor = std::move(actor);
    e.description = std::move(description);
    std::vector<std::string> keys;
    IndexKeysOf(e.tag, *e.subject, e.actor.value_or(""), "", &keys);
    index_.Add(e.seq, keys);
    src_.events.push_back(std::move(e));
    index_.Publish(src_.events.size());
  }

  // Moves complete segments out of memory, into the source's sealed lists.
  void Seal() {
    while (const PostingIndex::Lists* lists = index_.Sealable()) {
      for (const auto& [k, v] : *lists) src_.sealed[{index_.first_open_segment(), k}] = v;
      index_.DropSealed();
    }
  }

  std::vector<uint64_t> Seqs(const Query& q, const AccessFilter* access = nullptr) {
    auto page = ExecuteQuery(q, index_, src_, access);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    std::vector<uint64_t> out;
    if (page.ok())
      for (const auto& e : page->events) out.push_back(e.seq);
    return out;
  }

  // Every page of q, following next_after.
  std::vector<uint64_t> AllPages(Query q) {
    std::vector<uint64_t> out;
    for (int guard = 0; guard < 1000; ++guard) {
      auto page = ExecuteQuery(q, index_, src_);
      EXPECT_TRUE(page.ok());
      if (!page.ok()) break;
      EXPECT_LE(page->events.size(), static_cast<size_t>(q.limit));
      for (const auto& e : page->events) out.push_back(e.seq);
      if (!page->next_after) break;
      EXPECT_EQ(*page->next_after, page->events.back().seq);
      q.after_seq = page->next_after;
    }
    return out;
  }

  PostingIndex index_;
  MemorySource src_;
};

TEST_F(ExecuteQueryTest, EmptyStore) {
  EXPECT_TRUE((Seqs(Q())).empty());
  Query q;
  q.actors = {"alice"};
  q.since = kT0;
  EXPECT_TRUE((Seqs(q)).empty());
}

TEST_F(ExecuteQueryTest, NewestFirstByDefaultAndAscOnRequest) {
  for (int i = 0; i < 10; ++i) Add("a:b", "user:x", "alice", kT0 + i);
  Seal();
  EXPECT_THAT(Seqs(Q()), ElementsAre(9, 8, 7, 6, 5, 4, 3, 2, 1, 0));
  Query q;
  q.ascending = true;
  q.actors = {"alice"};
  EXPECT_THAT(Seqs(q), ElementsAre(0, 1, 2, 3, 4, 5, 6, 7, 8, 9));
}

TEST_F(ExecuteQueryTest, IndexTermsAcrossSealedAndOpenSegments) {
  const char* actors[] = {"alice", "bob", "carol"};
  for (int i = 0; i < 23; ++i)
    Add(i % 2 ? "project:role:add" : "account:login", i % 2 ? "project:p" : "user:u", actors[i % 3],
        kT0 + i);
  Seal();
  ASSERT_EQ(index_.first_open_segment(), 5u);
  Query q;
  q.actors = {"bob"};
  q.ascending = true;
  EXPECT_THAT(Seqs(q), ElementsAre(1, 4, 7, 10, 13, 16, 19, 22));
  q.tags = {Prefix("project:")};
  EXPECT_THAT(Seqs(q), ElementsAre(1, 7, 13, 19));
  q.subjects = {"project:p"};
  q.ascending = false;
  EXPECT_THAT(Seqs(q), ElementsAre(19, 13, 7, 1));
  q.tags = {Exact("account:login")};
  EXPECT_TRUE((Seqs(q)).empty());
}

TEST_F(ExecuteQueryTest, PagingNeverRepeatsOrSkips) {
  for (int i = 0; i < 30; ++i)
    Add(i % 3 ? "a:b" : "a:c", "user:x", i % 2 ? "odd" : "even", kT0 + i / 4);
  Seal();
  for (int limit : {1, 2, 3, 5, 50}) {
    for (bool asc : {false, true}) {
      Query q;
      q.limit = limit;
      q.ascending = asc;
      std::vector<uint64_t> all = AllPages(q);
      ASSERT_EQ(all.size(), 30u) << limit;
      for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i], asc ? i : 29 - i);
      q.actors = {"odd"};
      q.tags = {Exact("a:b")};
      std::vector<uint64_t> want;
      for (uint64_t s = 0; s < 30; ++s)
        if (s % 2 && s % 3) want.push_back(s);
      if (!asc) std::reverse(want.begin(), want.end());
      EXPECT_EQ(AllPages(q), want) << "limit " << limit;
    }
  }
}

TEST_F(ExecuteQueryTest, LastPageHasNoCursor) {
  for (int i = 0; i < 4; ++i) Add("a:b", "user:x", "alice", kT0);
  Query q;
  q.limit = 4;
  auto page = ExecuteQuery(q, index_, src_);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->events.size(), 4u);
  EXPECT_FALSE(page->next_after);
  q.limit = 3;
  page = ExecuteQuery(q, index_, src_);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->next_after, 1u);
}

TEST_F(ExecuteQueryTest, TimeWindow) {
  for (int i = 0; i < 20; ++i)
    Add("a:b", "user:x", "alice", kT0 + (i / 2) * 10);  // pairs share a time
  Seal();
  Query q;
  q.ascending = true;
  q.since = kT0 + 30;
  q.until = kT0 + 60;
  EXPECT_THAT(Seqs(q), ElementsAre(6, 7, 8, 9, 10, 11));
  q.actors = {"alice"};
  EXPECT_THAT(Seqs(q), ElementsAre(6, 7, 8, 9, 10, 11));
  q.since = kT0 + 31;  // between two times
  q.until = kT0 + 59;
  EXPECT_THAT(Seqs(q), ElementsAre(8, 9, 10, 11));
  q.since = kT0 + 1000;
  q.until.reset();
  EXPECT_TRUE((Seqs(q)).empty());
  q.since.reset();
  q.until = kT0;
  EXPECT_TRUE((Seqs(q)).empty());
}

TEST_F(ExecuteQueryTest, ResidualTermsAreCheckedOnFetchedRows) {
  for (int i = 0; i < 12; ++i)
    Add("a:b", "user:x", i % 2 ? "alice" : "bob", kT0, i % 4 ? "Reset password" : "Changed email");
  Seal();
  Query q;
  q.words = {"EMAIL"};
  q.ascending = true;
  EXPECT_THAT(Seqs(q), ElementsAre(0, 4, 8));
  q.not_actors = {"bob"};
  EXPECT_TRUE((Seqs(q)).empty());
  q = Q();
  q.tags = {Exact("a:b")};
  q.not_words = {"password"};
  q.limit = 2;
  auto page = ExecuteQuery(q, index_, src_);
  ASSERT_TRUE(page.ok());
  EXPECT_THAT(page->events.size(), 2u);
  EXPECT_EQ(page->events[0].seq, 8u);
  EXPECT_EQ(page->events[1].seq, 4u);
  EXPECT_EQ(page->next_after, 4u);
  EXPECT_GE(page->rows_examined, 3u);
}

TEST_F(ExecuteQueryTest, AccessFilterRestrictsTheResult) {
  for (int i = 0; i < 10; ++i) Add("a:b", i % 2 ? "project:p" : "project:q", "alice", kT0);
  Seal();
  AccessFilter access;
  access.any_of_keys = {SubjectKey("project:p"), SubjectKey("project:none")};
  access.allows = [](const Event& e) { return e.seq != 5; };
  Query q;
  q.ascending = true;
  EXPECT_THAT(Seqs(q, &access), ElementsAre(1, 3, 7, 9));
  // The same key asked twice (by the query and the filter).
  q.subjects = {"project:p"};
  EXPECT_THAT(Seqs(q, &access), ElementsAre(1, 3, 7, 9));
  AccessFilter row_only;
  row_only.allows = [](const Event& e) { return e.seq < 3; };
  EXPECT_THAT(Seqs(Q(), &row_only), ElementsAre(2, 1, 0));
}

TEST_F(ExecuteQueryTest, PrunedRowsAreSkipped) {
  for (int i = 0; i < 6; ++i) Add("a:b", "user:x", "alice", kT0);
  src_.events[2].pruned = true;
  src_.events[4].pruned = true;
  Query q;
  q.ascending = true;
  EXPECT_THAT(Seqs(q), ElementsAre(0, 1, 3, 5));
  q.include_pruned = true;
  EXPECT_THAT(Seqs(q), ElementsAre(0, 1, 2, 3, 4, 5));
}

TEST_F(ExecuteQueryTest, UnpublishedSeqsAreInvisible) {
  for (int i = 0; i < 5; ++i) Add("a:b", "user:x", "alice", kT0);
  std::vector<std::string> keys;
  IndexKeysOf("a:b", "user:x", "alice", "", &keys);
  index_.Add(5, keys);  // indexed, not yet published
  Event e = src_.events[0];
  e.seq = 5;
  src_.events.push_back(e);
  Query q;
  EXPECT_THAT(Seqs(q), ElementsAre(4, 3, 2, 1, 0));
  q.actors = {"alice"};
  EXPECT_THAT(Seqs(q), ElementsAre(4, 3, 2, 1, 0));
}

TEST_F(ExecuteQueryTest, IndexedQueriesFetchOnlyCandidates) {
  for (int i = 0; i < 64; ++i) Add("a:b", "user:x", i == 40 ? "rare" : "common", kT0);
  Seal();
  Query q;
  q.actors = {"rare"};
  src_.fetches = 0;
  EXPECT_THAT(Seqs(q), ElementsAre(40));
  EXPECT_EQ(src_.fetches, 1);
}

// --- The budget (four `q=nomatch` searches once stalled every other reader) ---

TEST_F(ExecuteQueryTest, RowBudgetAnswersAPartialPageAtTheLastRowExamined) {
  for (int i = 0; i < 40; ++i) Add("a:b", "user:x", "alice", kT0, "nothing here");
  Seal();
  Query q;
  q.words = {"nomatch"};
  q.budget.max_rows = 7;
  for (bool asc : {false, true}) {
    q.ascending = asc;
    auto page = ExecuteQuery(q, index_, src_);
    ASSERT_TRUE(page.ok());
    EXPECT_TRUE(page->events.empty());
    EXPECT_TRUE(page->partial);
    EXPECT_EQ(page->rows_examined, 7u);
    EXPECT_EQ(page->next_after, asc ? 6u : 33u);  // the 7th row examined
    q.actors = {"alice"};                         // the same through the posting lists
    page = ExecuteQuery(q, index_, src_);
    ASSERT_TRUE(page.ok());
    EXPECT_TRUE(page->partial);
    EXPECT_EQ(page->rows_examined, 7u);
    EXPECT_EQ(page->next_after, asc ? 6u : 33u);
    q.actors.clear();
  }
  // Without a budget the same search reads the whole log and says nothing more exists.
  q.budget = {};
  auto page = ExecuteQuery(q, index_, src_);
  ASSERT_TRUE(page.ok());
  EXPECT_FALSE(page->partial);
  EXPECT_FALSE(page->next_after);
  EXPECT_EQ(page->rows_examined, 40u);
}

TEST_F(ExecuteQueryTest, PartialPagesVisitEveryMatchOnceAcrossAppends) {
  // Matches are sparse ("needle" every 5th event); pages of 2 under a budget of 6 rows: some
  // pages are full, some partial with or without matches. Events are appended between pages.
  auto add = [&](int i) {
    Add("a:b", "user:x", i % 2 ? "alice" : "bob", kT0 + i, i % 5 ? "hay" : "a NEEDLE");
  };
  for (bool asc : {false, true}) {
    for (bool indexed : {false, true}) {
      src_.events.clear();
      src_.sealed.clear();
      index_.Reset(0);
      int n = 0;
      for (; n < 37; ++n) add(n);
      Seal();
      Query q;
      q.words = {"needle"};
      if (indexed) q.tags = {Exact("a:b")};
      q.ascending = asc;
      q.limit = 2;
      q.budget.max_rows = 6;
      std::vector<uint64_t> seen;
      int partial_pages = 0;
      for (int guard = 0; guard < 200; ++guard) {
        auto page = ExecuteQuery(q, index_, src_);
        ASSERT_TRUE(page.ok());
        EXPECT_LE(page->rows_examined, 6u);
        partial_pages += page->partial;
        for (const auto& e : page->events) seen.push_back(e.seq);
        if (!page->next_after) break;
        if (!page->partial) {
          EXPECT_EQ(*page->next_after, page->events.back().seq);
        }
        q.after_seq = page->next_after;
        for (int k = 0; k < 3; ++k) add(n++);  // concurrent writes between pages
      }
      // Oldest first reaches the appended events too; newest first covers the log as it
      // was at the first page (later events have higher seqs, above its start).
      std::vector<uint64_t> want;
      const int upto = asc ? n : 37;
      for (int i = 0; i < upto; ++i)
        if (i % 5 == 0) want.push_back(i);
      if (!asc) std::reverse(want.begin(), want.end());
      EXPECT_EQ(seen, want) << "asc " << asc << " indexed " << indexed;
      EXPECT_GT(partial_pages, 0);
    }
  }
}

TEST_F(ExecuteQueryTest, BudgetAlwaysMakesProgress) {
  for (int i = 0; i < 12; ++i) Add("a:b", "user:x", "alice", kT0, "hay");
  Seal();
  Query q;
  q.words = {"nomatch"};
  q.budget.max_rows = 1;
  q.budget.max_millis = 1;
  uint64_t pages = 0;
  for (int guard = 0; guard < 100; ++guard) {
    auto page = ExecuteQuery(q, index_, src_);
    ASSERT_TRUE(page.ok());
    ++pages;
    EXPECT_EQ(page->rows_examined, 1u);
    if (!page->next_after) break;
    q.after_seq = page->next_after;
  }
  EXPECT_EQ(pages, 12u);  // one row per page, then the end
}

TEST_F(ExecuteQueryTest, BudgetCountsSegmentsWithoutCandidatesAsProgress) {
  // 5 sealed segments, only the oldest holds the actor; reading a posting list takes longer
  // than the whole time budget: each page reads one segment and the cursor moves by whole
  // segments, down to the match.
  for (int i = 0; i < 20; ++i) Add("a:b", "user:x", i == 1 ? "rare" : "common", kT0);
  Add("a:b", "user:x", "common", kT0);  // seal all 5 full segments
  Seal();
  src_.postings_delay = std::chrono::milliseconds(3);
  Query q;
  q.actors = {"rare"};
  q.budget.max_millis = 1;
  std::vector<uint64_t> seen, cursors;
  for (int guard = 0; guard < 50; ++guard) {
    auto page = ExecuteQuery(q, index_, src_);
    ASSERT_TRUE(page.ok());
    for (const auto& e : page->events) seen.push_back(e.seq);
    if (!page->next_after) break;
    cursors.push_back(*page->next_after);
    q.after_seq = page->next_after;
  }
  EXPECT_THAT(seen, ElementsAre(1));
  EXPECT_THAT(cursors, ElementsAre(16, 12, 8, 4));
}

}  // namespace
}  // namespace trail
