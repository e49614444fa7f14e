// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "store/posting_index.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace trail {
namespace {

using ::testing::ElementsAre;
using Seqs = std::vector<uint64_t>;

// gmock's UnorderedElementsAre needs libgmock, which store_test does not link.
std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// --- Keys ---

TEST(IndexKeysTest, EveryKindOfKey) {
  std::vector<std::string> keys;
  IndexKeysOf("project:role:add", "project:requests", "alice", "203.0.113.7", &keys);
  EXPECT_EQ(Sorted(keys), Sorted({"sproject:requests", "aalice", "i203.0.113.7",
                                  "tproject:role:add", "pproject:", "pproject:role:"}));
}

TEST(IndexKeysTest, TagPrefixesOfEveryLength) {
  std::vector<std::string> keys;
  IndexKeysOf("organization:team:project_role:add", "organization:psf", "", "", &keys);
  EXPECT_EQ(Sorted(keys),
            Sorted({"sorganization:psf", "torganization:team:project_role:add",
                    "porganization:", "porganization:team:", "porganization:team:project_role:"}));
  IndexKeysOf("account:login", "user:a", "", "", &keys);
  EXPECT_EQ(Sorted(keys), Sorted({"suser:a", "taccount:login", "paccount:"}));
}

TEST(IndexKeysTest, AbsentActorIpAndSubjectHaveNoKey) {
  std::vector<std::string> keys{"stale"};
  IndexKeysOf("a:b", "", "", "", &keys);
  EXPECT_EQ(Sorted(keys), Sorted({"ta:b", "pa:"}));
}

TEST(IndexKeysTest, KeyConstructorsMatchIndexKeysOf) {
  EXPECT_EQ(SubjectKey("user:a"), "suser:a");
  EXPECT_EQ(ActorKey("alice"), "aalice");
  EXPECT_EQ(IpKey("::1"), "i::1");
  EXPECT_EQ(TagKey("a:b"), "ta:b");
  EXPECT_EQ(TagPrefixKey("project:role:"), "pproject:role:");
  // The same text in different roles never collides.
  EXPECT_NE(SubjectKey("x:y"), ActorKey("x:y"));
  EXPECT_NE(TagKey("x:y"), TagPrefixKey("x:y"));
}

// --- Posting list coding ---

Seqs RoundTrip(const Seqs& in) {
  Seqs out{999};
  EXPECT_TRUE(DecodePostings(EncodePostings(in), &out));
  return out;
}

TEST(PostingCodingTest, RoundTripsSmallLists) {
  EXPECT_EQ(RoundTrip({}), Seqs{});
  EXPECT_EQ(EncodePostings({}), "");
  EXPECT_EQ(RoundTrip({0}), Seqs{0});
  EXPECT_EQ(RoundTrip({0, 1, 2, 3}), (Seqs{0, 1, 2, 3}));
  EXPECT_EQ(RoundTrip({127, 128, 16383, 16384}), (Seqs{127, 128, 16383, 16384}));
  EXPECT_EQ(EncodePostings({0, 1, 2}), std::string("\x00\x01\x01", 3));
  EXPECT_EQ(EncodePostings({300}), "\xac\x02");
}

TEST(PostingCodingTest, RoundTripsExtremeValues) {
  const uint64_t max = std::numeric_limits<uint64_t>::max();
  EXPECT_EQ(RoundTrip({max}), Seqs{max});
  EXPECT_EQ(RoundTrip({0, max}), (Seqs{0, max}));
  EXPECT_EQ(RoundTrip({max - 1, max}), (Seqs{max - 1, max}));
  EXPECT_EQ(RoundTrip({uint64_t{1} << 63}), Seqs{uint64_t{1} << 63});
  EXPECT_EQ(EncodePostings({max}).size(), 10u);
}

TEST(PostingCodingTest, RoundTripsRandomAscendingLists) {
  std::mt19937_64 rng(42);
  for (int round = 0; round < 200; ++round) {
    std::set<uint64_t> s;
    const int bits = 1 + static_cast<int>(rng() % 63);
    const int n = static_cast<int>(std::min<uint64_t>(rng() % 300, uint64_t{1} << bits));
    while (static_cast<int>(s.size()) < n) s.insert(rng() >> (64 - bits));
    Seqs in(s.begin(), s.end());
    EXPECT_EQ(RoundTrip(in), in) << "round " << round;
  }
}

TEST(PostingCodingTest, DenseListsAreOneBytePerSeq) {
  Seqs in;
  for (uint64_t i = 65536; i < 65536 + 1000; ++i) in.push_back(i);
  EXPECT_EQ(EncodePostings(in).size(), 3u + 999u);
}

TEST(PostingCodingTest, CorruptBlobsAreRejected) {
  Seqs out;
  // A varint cut short.
  EXPECT_FALSE(DecodePostings("\x80", &out));
  EXPECT_FALSE(DecodePostings(std::string("\x01\xff\xff", 3), &out));
  // A zero delta: a repeated seq.
  EXPECT_FALSE(DecodePostings(std::string("\x05\x00", 2), &out));
  // More than ten bytes in one varint.
  EXPECT_FALSE(DecodePostings(std::string(10, '\x80') + '\x01', &out));
  EXPECT_FALSE(DecodePostings(std::string(20, '\xff'), &out));
}

// A tenth varint byte above 1 carries bits past 2^64; they used to be dropped silently.
TEST(PostingCodingTest, VarintPastSixtyFourBitsIsRejected) {
  Seqs out;
  EXPECT_FALSE(DecodePostings(std::string(9, '\xff') + '\x02', &out));
  EXPECT_FALSE(DecodePostings(std::string(9, '\xff') + '\x7f', &out));
  EXPECT_TRUE(DecodePostings(std::string(9, '\xff') + '\x01', &out));
  EXPECT_EQ(out, Seqs{std::numeric_limits<uint64_t>::max()});
}

// A delta that wraps past 2^64 used to decode to a smaller seq: lists must stay ascending.
TEST(PostingCodingTest, DeltaThatWrapsAroundIsRejected) {
  Seqs out;
  std::string blob = EncodePostings({5});
  blob += EncodePostings({std::numeric_limits<uint64_t>::max()});  // 5 + (2^64 - 1) wraps to 4
  EXPECT_FALSE(DecodePostings(blob, &out));
}

TEST(PostingCodingTest, RandomGarbageNeverCrashes) {
  std::mt19937 rng(7);
  for (int round = 0; round < 2000; ++round) {
    std::string blob(rng() % 24, '\0');
    for (char& c : blob) c = static_cast<char>(rng());
    Seqs out;
    if (DecodePostings(blob, &out)) {
      for (size_t i = 1; i < out.size(); ++i) ASSERT_LT(out[i - 1], out[i]);
      EXPECT_EQ(RoundTrip(out), out);
    }
  }
}

// --- PostingIndex ---

std::vector<std::string> Keys(std::initializer_list<const char*> ks) {
  return std::vector<std::string>(ks.begin(), ks.end());
}

TEST(PostingIndexTest, SegmentArithmetic) {
  PostingIndex idx(4);
  EXPECT_EQ(idx.segment_bits(), 4);
  EXPECT_EQ(idx.SegmentOf(0), 0u);
  EXPECT_EQ(idx.SegmentOf(15), 0u);
  EXPECT_EQ(idx.SegmentOf(16), 1u);
  EXPECT_EQ(idx.SegmentStart(3), 48u);
}

TEST(PostingIndexTest, SnapshotSeesOnlyPublishedSeqs) {
  PostingIndex idx(4);
  idx.Reset(0);
  for (uint64_t s = 0; s < 10; ++s) idx.Add(s, Keys({"ta:b", s % 2 ? "aodd" : "aeven"}));
  auto v = idx.Snapshot(Keys({"ta:b", "aodd", "aeven", "anone"}));
  EXPECT_EQ(v.end, 0u);
  EXPECT_TRUE((v.lists["ta:b"]).empty());

  idx.Publish(5);
  v = idx.Snapshot(Keys({"ta:b", "aodd", "aeven", "anone"}));
  EXPECT_EQ(v.end, 5u);
  EXPECT_EQ(v.first_open_segment, 0u);
  EXPECT_THAT(v.lists["ta:b"], ElementsAre(0, 1, 2, 3, 4));
  EXPECT_THAT(v.lists["aodd"], ElementsAre(1, 3));
  EXPECT_THAT(v.lists["aeven"], ElementsAre(0, 2, 4));
  ASSERT_TRUE(v.lists.count("anone"));  // every requested key has an entry
  EXPECT_TRUE((v.lists["anone"]).empty());

  idx.Publish(10);
  v = idx.Snapshot(Keys({"aodd"}));
  EXPECT_THAT(v.lists["aodd"], ElementsAre(1, 3, 5, 7, 9));
  EXPECT_EQ(v.lists.size(), 1u);
}

TEST(PostingIndexTest, SnapshotMergesOpenSegmentsInOrder) {
  PostingIndex idx(2);  // 4 seqs per segment
  idx.Reset(0);
  for (uint64_t s = 0; s < 11; ++s) idx.Add(s, Keys({"k"}));
  idx.Publish(11);
  auto v = idx.Snapshot(Keys({"k"}));
  EXPECT_THAT(v.lists["k"], ElementsAre(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
}

TEST(PostingIndexTest, SnapshotOfARepeatedKeyListsItOnce) {
  PostingIndex idx(4);
  idx.Reset(0);
  idx.Add(0, Keys({"k"}));
  idx.Add(1, Keys({"k"}));
  idx.Publish(2);
  auto v = idx.Snapshot(Keys({"k", "k"}));
  EXPECT_THAT(v.lists["k"], ElementsAre(0, 1));
}

TEST(PostingIndexTest, SealableOnlyWhenTheOldestSegmentIsComplete) {
  PostingIndex idx(2);
  idx.Reset(0);
  EXPECT_EQ(idx.Sealable(), nullptr);
  for (uint64_t s = 0; s < 6; ++s) idx.Add(s, Keys({"k", s < 2 ? "early" : "late"}));
  idx.Publish(3);
  EXPECT_EQ(idx.Sealable(), nullptr);  // seq 3 added but not published
  idx.Publish(4);
  const PostingIndex::Lists* lists = idx.Sealable();
  ASSERT_NE(lists, nullptr);
  EXPECT_THAT(lists->at("k"), ElementsAre(0, 1, 2, 3));
  EXPECT_THAT(lists->at("early"), ElementsAre(0, 1));
  EXPECT_THAT(lists->at("late"), ElementsAre(2, 3));  // seqs of the next segment stay out
  EXPECT_EQ(lists->size(), 3u);
}

TEST(PostingIndexTest, DropSealedMovesTheBoundary) {
  PostingIndex idx(2);
  idx.Reset(0);
  for (uint64_t s = 0; s < 10; ++s) idx.Add(s, Keys({"k"}));
  idx.Publish(10);
  EXPECT_EQ(idx.memory_entries(), 10u);

  ASSERT_NE(idx.Sealable(), nullptr);
  idx.DropSealed();
  EXPECT_EQ(idx.first_open_segment(), 1u);
  EXPECT_EQ(idx.memory_entries(), 6u);
  auto v = idx.Snapshot(Keys({"k"}));
  EXPECT_EQ(v.first_open_segment, 1u);
  EXPECT_EQ(v.end, 10u);
  EXPECT_THAT(v.lists["k"], ElementsAre(4, 5, 6, 7, 8, 9));  // segment 0 is the store's now

  ASSERT_NE(idx.Sealable(), nullptr);  // segment 1 (4..7) is complete too
  EXPECT_THAT(idx.Sealable()->at("k"), ElementsAre(4, 5, 6, 7));
  idx.DropSealed();
  EXPECT_EQ(idx.first_open_segment(), 2u);
  EXPECT_EQ(idx.Sealable(), nullptr);  // segment 2 holds 8, 9 of 8..11
  EXPECT_EQ(idx.memory_entries(), 2u);
  EXPECT_THAT(idx.Snapshot(Keys({"k"})).lists["k"], ElementsAre(8, 9));

  idx.Add(10, Keys({"k"}));
  idx.Add(11, Keys({"other"}));
  idx.Publish(12);
  ASSERT_NE(idx.Sealable(), nullptr);
  EXPECT_THAT(idx.Sealable()->at("k"), ElementsAre(8, 9, 10));
  EXPECT_THAT(idx.Sealable()->at("other"), ElementsAre(11));
  idx.DropSealed();
  EXPECT_EQ(idx.memory_entries(), 0u);
  EXPECT_TRUE((idx.Snapshot(Keys({"k"})).lists["k"]).empty());
}

TEST(PostingIndexTest, SealableSegmentWithoutEntriesIsEmptyNotNull) {
  PostingIndex idx(2);
  idx.Reset(0);
  idx.Publish(4);  // e.g. every event of the segment was already erased from memory
  const PostingIndex::Lists* lists = idx.Sealable();
  ASSERT_NE(lists, nullptr);
  EXPECT_TRUE(lists->empty());
  idx.DropSealed();
  EXPECT_EQ(idx.first_open_segment(), 1u);
}

TEST(PostingIndexTest, ResetStartsAtASegmentBoundary) {
  PostingIndex idx(4);
  idx.Reset(0);
  idx.Add(0, Keys({"k"}));
  idx.Publish(1);
  idx.Reset(3);
  EXPECT_EQ(idx.first_open_segment(), 3u);
  EXPECT_EQ(idx.memory_entries(), 0u);
  auto v = idx.Snapshot(Keys({"k"}));
  EXPECT_EQ(v.end, 48u);
  EXPECT_EQ(v.first_open_segment, 3u);
  EXPECT_TRUE((v.lists["k"]).empty());
  EXPECT_EQ(idx.Sealable(), nullptr);
  idx.Add(48, Keys({"k"}));
  idx.Publish(49);
  EXPECT_THAT(idx.Snapshot(Keys({"k"})).lists["k"], ElementsAre(48));
}

TEST(PostingIndexTest, RemoveKeyForgetsItInEveryOpenSegment) {
  PostingIndex idx(2);
  idx.Reset(0);
  for (uint64_t s = 0; s < 6; ++s) idx.Add(s, Keys({"k", "sgone"}));
  idx.Publish(6);
  idx.RemoveKey("sgone");
  EXPECT_EQ(idx.memory_entries(), 6u);
  auto v = idx.Snapshot(Keys({"k", "sgone"}));
  EXPECT_TRUE((v.lists["sgone"]).empty());
  EXPECT_THAT(v.lists["k"], ElementsAre(0, 1, 2, 3, 4, 5));
}

TEST(PostingIndexTest, ReadersSeeConsistentViewsWhileTheWriterAdds) {
  PostingIndex idx(3);
  idx.Reset(0);
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> snapshots{0};
  std::thread reader([&] {
    while (!stop.load()) {
      auto v = idx.Snapshot(Keys({"k", "aeven"}));
      const Seqs& k = v.lists["k"];
      // Every published seq of the open segments, nothing past end.
      uint64_t first = v.first_open_segment << 3;
      ASSERT_EQ(k.size(), v.end - std::min(v.end, first));
      for (size_t i = 0; i < k.size(); ++i) ASSERT_EQ(k[i], first + i);
      for (uint64_t s : v.lists["aeven"]) ASSERT_TRUE(s % 2 == 0 && s < v.end);
      snapshots.fetch_add(1);
    }
  });
  // The reader must really run alongside: wait for its first view, and let it take more
  // while the writer works (on a loaded machine the writer could otherwise finish first).
  while (snapshots.load() == 0) std::this_thread::yield();
  for (uint64_t s = 0; s < 5000; ++s) {
    idx.Add(s, s % 2 ? Keys({"k"}) : Keys({"k", "aeven"}));
    if (s % 7 == 6) idx.Publish(s + 1);
    if (idx.Sealable() && s % 50 == 0) idx.DropSealed();
    if (s % 500 == 0) {
      const uint64_t seen = snapshots.load();
      while (snapshots.load() == seen) std::this_thread::yield();
    }
  }
  stop.store(true);
  reader.join();
  EXPECT_GT(snapshots.load(), 0u);
}

}  // namespace
}  // namespace trail
