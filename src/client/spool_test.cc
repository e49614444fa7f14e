// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "client/spool.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "testing/temp_dir.h"

namespace trail::client {
namespace {

namespace fs = std::filesystem;

class SpoolTest : public ::testing::Test {
 protected:
  std::unique_ptr<Spool> Open(uint64_t max_bytes = 1 << 20, uint64_t segment_bytes = 0) {
    auto s = Spool::Open({dir_.string(), max_bytes, segment_bytes});
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s.value()) : nullptr;
  }

  static std::vector<std::string> Drain(Spool& s, size_t per_peek = 3) {
    std::vector<std::string> all, got;
    while (s.pending() > 0) {
      SpoolPosition end;
      EXPECT_TRUE(s.Peek(per_peek, 1 << 20, &got, &end).ok());
      if (got.empty()) break;
      uint64_t bytes = 0;
      for (auto& g : got) bytes += g.size();
      EXPECT_TRUE(s.Commit(end, got.size(), bytes).ok());
      all.insert(all.end(), got.begin(), got.end());
    }
    return all;
  }

  std::vector<fs::path> SegmentFiles() const {
    std::vector<fs::path> out;
    for (auto& e : fs::directory_iterator(dir_))
      if (e.path().filename().string().rfind("seg-", 0) == 0) out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
  }

  static std::vector<std::string> Events(int from, int to) {
    std::vector<std::string> v;
    for (int i = from; i < to; ++i)
      v.push_back(R"({"tag":"project:create","subject":"project:p","n":)" + std::to_string(i) +
                  "}");
    return v;
  }

  static std::vector<std::string_view> Views(const std::vector<std::string>& v) {
    return {v.begin(), v.end()};
  }

  test::TempDir tmp_{"trail-spool-test"};
  fs::path dir_ = tmp_.path() / "spool";  // not made yet: Spool::Open makes it
};

TEST(SpoolRecordTest, EncodesMagicLengthCrcPayload) {
  std::string r = EncodeSpoolRecord("hello");
  ASSERT_EQ(r.size(), kSpoolHeader + 5);
  EXPECT_EQ(r.substr(0, 4), "TRL1");
  EXPECT_EQ(static_cast<unsigned char>(r[4]), 5);
  EXPECT_EQ(Crc32("hello"), 0x3610a686u);  // zlib.crc32(b"hello"): the Python client agrees
  EXPECT_EQ(r.substr(12), "hello");
}

TEST(SpoolRecordTest, ScanSkipsCorruptRecordsAndReportsTornTail) {
  std::string buf = EncodeSpoolRecord("a") + EncodeSpoolRecord("bb") + EncodeSpoolRecord("ccc");
  std::string bad = buf;
  bad[kSpoolHeader + 1 + kSpoolHeader] ^= 0x55;  // flip a byte of "bb"
  auto s = ScanSpoolRecords(bad);
  ASSERT_EQ(s.records.size(), 2u);
  EXPECT_EQ(s.records[0].second, "a");
  EXPECT_EQ(s.records[1].second, "ccc");
  EXPECT_EQ(s.corrupt, 1u);
  EXPECT_EQ(s.torn_bytes, 0u);

  std::string torn = buf + EncodeSpoolRecord("dddd").substr(0, 9);
  auto t = ScanSpoolRecords(torn);
  EXPECT_EQ(t.records.size(), 3u);
  EXPECT_EQ(t.good_end, buf.size());
  EXPECT_EQ(t.torn_bytes, 9u);
}

TEST_F(SpoolTest, RoundTripInOrderAcrossSegmentsAndReopen) {
  auto events = Events(0, 200);
  {
    auto s = Open(1 << 20, 4096);  // small segments: many files
    auto n = s->Append(Views(events));
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, 200u);
    EXPECT_EQ(s->pending(), 200u);
    EXPECT_GT(SegmentFiles().size(), 2u);
    // Deliver the first 50, then "crash".
    std::vector<std::string> got;
    SpoolPosition end;
    ASSERT_TRUE(s->Peek(50, 1 << 20, &got, &end).ok());
    ASSERT_EQ(got.size(), 50u);
    EXPECT_EQ(got.front(), events[0]);
    ASSERT_TRUE(s->Commit(end, 50, 0).ok());
  }
  auto s = Open(1 << 20, 4096);
  EXPECT_EQ(s->pending(), 150u);
  auto rest = Drain(*s, 7);
  EXPECT_EQ(rest, std::vector<std::string>(events.begin() + 50, events.end()));
  EXPECT_EQ(s->pending(), 0u);
  EXPECT_TRUE(SegmentFiles().empty());  // everything delivered: the files are gone
  EXPECT_EQ(s->disk_bytes(), 0u);
  // And it goes on working.
  auto more = Events(200, 203);
  ASSERT_TRUE(s->Append(Views(more)).ok());
  EXPECT_EQ(Drain(*s), more);
}

TEST_F(SpoolTest, UncommittedRecordsAreReplayedAfterReopen) {
  auto events = Events(0, 10);
  {
    auto s = Open();
    ASSERT_TRUE(s->Append(Views(events)).ok());
    std::vector<std::string> got;
    SpoolPosition end;
    ASSERT_TRUE(s->Peek(4, 1 << 20, &got, &end).ok());  // sent, but the ack never came
  }
  auto s = Open();
  EXPECT_EQ(Drain(*s), events);
}

TEST_F(SpoolTest, TornTailIsCutOffAtOpen) {
  auto events = Events(0, 5);
  {
    auto s = Open();
    ASSERT_TRUE(s->Append(Views(events)).ok());
  }
  auto seg = SegmentFiles().back();
  auto whole = fs::file_size(seg);
  {
    std::ofstream f(seg, std::ios::binary | std::ios::app);
    std::string rec = EncodeSpoolRecord(R"({"tag":"project:create","subject":"project:torn"})");
    f << rec.substr(0, rec.size() - 7);  // the process died mid-append
  }
  auto s = Open();
  EXPECT_EQ(s->torn(), 1u);
  EXPECT_EQ(s->pending(), 5u);
  EXPECT_EQ(fs::file_size(seg), whole);
  auto more = Events(5, 7);
  ASSERT_TRUE(s->Append(Views(more)).ok());  // appends land after the cut, readable
  auto all = Drain(*s);
  auto want = events;
  want.insert(want.end(), more.begin(), more.end());
  EXPECT_EQ(all, want);
}

TEST_F(SpoolTest, CorruptRecordInTheMiddleIsSkippedAndCounted) {
  auto events = Events(0, 5);
  {
    auto s = Open();
    ASSERT_TRUE(s->Append(Views(events)).ok());
  }
  auto seg = SegmentFiles().back();
  {
    std::fstream f(seg, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(static_cast<std::streamoff>(2 * (kSpoolHeader + events[0].size()) + kSpoolHeader + 3));
    f.put('X');  // inside the third record's payload
  }
  auto s = Open();
  EXPECT_EQ(s->corrupt(), 1u);
  EXPECT_EQ(s->torn(), 0u);
  EXPECT_EQ(s->pending(), 4u);
  EXPECT_EQ(Drain(*s), (std::vector<std::string>{events[0], events[1], events[3], events[4]}));
}

TEST_F(SpoolTest, FullSpoolTakesAPrefixAndRoomReturnsAfterDelivery) {
  auto events = Events(0, 100);
  uint64_t rec = kSpoolHeader + events[0].size();
  auto s = Open(rec * 10 + rec / 2, 1 << 20);  // room for exactly 10 records
  auto n = s->Append(Views(events));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 10u);
  EXPECT_LE(s->disk_bytes(), s->max_bytes());
  auto again = s->Append(Views(events));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0u);  // full: nothing more, nothing partial
  EXPECT_EQ(Drain(*s), std::vector<std::string>(events.begin(), events.begin() + 10));
  auto n2 = s->Append(Views(events));
  ASSERT_TRUE(n2.ok());
  EXPECT_EQ(*n2, 10u);
}

TEST_F(SpoolTest, ACorruptCursorReplaysFromTheFirstSegment) {
  auto events = Events(0, 6);
  {
    auto s = Open();
    ASSERT_TRUE(s->Append(Views(events)).ok());
    std::vector<std::string> got;
    SpoolPosition end;
    ASSERT_TRUE(s->Peek(3, 1 << 20, &got, &end).ok());
    ASSERT_TRUE(s->Commit(end, 3, 0).ok());
  }
  std::ofstream(dir_ / "CURSOR") << "1 999 12345\n";  // checksum does not match
  auto s = Open();
  EXPECT_EQ(Drain(*s), events);  // at-least-once here; idempotency keys make it exactly once
}

// Regression test: the spool holds events with IP addresses; its directories were created
// 0777 less the umask (0755 usually, 0777 under umask 0). Files are 0600 from creation.
TEST_F(SpoolTest, SpoolDirectoriesAndFilesArePrivateWhateverTheUmask) {
  const mode_t old = ::umask(0);
  int fd = -1;
  auto s = OpenSpoolSlot((dir_ / "a" / "spool").string(), 1 << 20, &fd);
  ::umask(old);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  auto events = Events(0, 3);
  ::umask(0);
  ASSERT_TRUE((*s)->Append(Views(events)).ok());
  std::vector<std::string> got;
  SpoolPosition end;
  ASSERT_TRUE((*s)->Peek(1, 1 << 20, &got, &end).ok());
  ASSERT_TRUE((*s)->Commit(end, 1, 0).ok());
  ::umask(old);
  int files = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir_ / "a" / "spool")) {
    const auto perms = static_cast<unsigned>(fs::status(e.path()).permissions()) & 0777;
    if (e.is_directory()) {
      EXPECT_EQ(perms, 0700u) << e.path();
    } else {
      ++files;
      EXPECT_EQ(perms, 0600u) << e.path();
    }
  }
  EXPECT_GE(files, 3);  // LOCK, a segment, CURSOR
  ::close(fd);
}

TEST_F(SpoolTest, OneProcessPerSlot) {
  int fd1 = -1, fd2 = -1;
  auto a = OpenSpoolSlot(dir_.string(), 1 << 20, &fd1);
  ASSERT_TRUE(a.ok());
  auto b = OpenSpoolSlot(dir_.string(), 1 << 20, &fd2);
  ASSERT_TRUE(b.ok());
  EXPECT_NE((*a)->dir(), (*b)->dir());
  EXPECT_EQ(fs::path((*a)->dir()).filename(), "slot-0");
  EXPECT_EQ(fs::path((*b)->dir()).filename(), "slot-1");
  ::close(fd1);
  int fd3 = -1;
  auto c = OpenSpoolSlot(dir_.string(), 1 << 20, &fd3);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(fs::path((*c)->dir()).filename(), "slot-0");  // freed by its owner: taken again
  ::close(fd2);
  ::close(fd3);
}

}  // namespace
}  // namespace trail::client
