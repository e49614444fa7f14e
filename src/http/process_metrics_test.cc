// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "http/process_metrics.h"

#include <gtest/gtest.h>

namespace trail {
namespace {

TEST(ProcessMetrics, ParsesProcSelfStatWithSpacesInTheName) {
  // Fields 1-24 of proc(5): utime 250, stime 50 ticks; starttime 1000 ticks; vsize; rss pages.
  const std::string stat =
      "4242 (trail (a b)) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 9 0 1000 "
      "123456789 300 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
  auto f = ParseProcStat(stat, 1'700'000'000, 100, 4096);
  ASSERT_TRUE(f.has_value());
  EXPECT_DOUBLE_EQ(f->cpu_seconds, 3.0);
  EXPECT_DOUBLE_EQ(f->start_time_seconds, 1'700'000'010);
  EXPECT_DOUBLE_EQ(f->virtual_bytes, 123456789);
  EXPECT_DOUBLE_EQ(f->resident_bytes, 300 * 4096);
  EXPECT_FALSE(ParseProcStat("4242 (trail) S 1 2", 0, 100, 4096).has_value());
  EXPECT_FALSE(ParseProcStat("garbage", 0, 100, 4096).has_value());
}

TEST(ProcessMetrics, RendersTheStandardNames) {
  std::string out;
  RenderProcessMetrics(&out);
  for (const char* name : {"process_cpu_seconds_total ", "process_resident_memory_bytes ",
                           "process_virtual_memory_bytes ", "process_start_time_seconds ",
                           "process_open_fds ", "process_max_fds "})
    EXPECT_NE(out.find(std::string("\n") + name), std::string::npos) << name << "\n" << out;
}

}  // namespace
}  // namespace trail
