// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "loadgen/workload.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/clock.h"
#include "core/event.h"
#include "core/event_types.h"
#include "core/uuid7.h"

namespace trail {
namespace {

TEST(WorkloadTest, OneSeedGivesOneSequence) {
  Workload a(7), b(7), c(8);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    std::string x = a.NextJson();
    EXPECT_EQ(x, b.NextJson());
    differs = differs || x != c.NextJson();
  }
  EXPECT_TRUE(differs);
}

// The benchmarks prepare every event as ingest does and stop at the first refusal.
TEST(WorkloadTest, EveryEventIsValidUnderTheWarehouseTypes) {
  auto types = TypeRegistry::FromFile(TRAIL_WAREHOUSE_TYPES);
  ASSERT_TRUE(types.ok()) << types.status().ToString();
  Uuid7Generator ids(SystemClock::Get());
  Workload w(1, WorkloadShape{100, 50, 100});
  for (int i = 0; i < 2000; ++i) {
    std::string text = w.NextJson();
    boost::json::error_code ec;
    boost::json::value v = boost::json::parse(text, ec);
    ASSERT_FALSE(ec) << text;
    auto e = PrepareEvent(v, **types, ids, SystemClock::Get().NowMicros());
    ASSERT_TRUE(e.ok()) << e.status().ToString() << ": " << text;
    EXPECT_EQ(w.last_tag(), v.as_object().at("tag").as_string());
    EXPECT_EQ(w.last_subject(), v.as_object().at("subject").as_string());
  }
}

}  // namespace
}  // namespace trail
