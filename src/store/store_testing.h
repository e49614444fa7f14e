// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// What the store tests share, whatever the engine (store_contract_test.cc, sqlite/*_test.cc,
// postgres/*_test.cc): reading a log back the way a client pages through it. Header-only, so
// that each engine's tests can include it without linking the others.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "store/store.h"

namespace trail::test {

// Every event matching `q`, oldest first, through Store::Query, a page of q.limit events at a
// time (a small limit walks many pages). A failed query fails the calling test.
inline std::vector<Event> ReadAll(Store& store, trail::Query q = {}) {
  std::vector<Event> out;
  q.ascending = true;
  while (true) {
    auto page = store.Query(q, nullptr);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    if (!page.ok()) break;
    for (auto& e : page->events) out.push_back(std::move(e));
    if (!page->next_after) break;
    q.after_seq = page->next_after;
  }
  return out;
}

// The event with `id`; its absence or a failed read fails the calling test.
inline Event GetOk(Store& store, const std::string& id) {
  auto r = store.Get(id);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r.ok() && r.value().has_value()) << "no event " << id;
  return r.ok() && r.value() ? *r.value() : Event{};
}

// Whether the store has an event `id`; a failed read fails the calling test.
inline bool Exists(Store& store, const std::string& id) {
  auto r = store.Get(id);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() && r.value().has_value();
}

// A retention run as of `as_of` with the tests' one rule: account:login:success kept 90 days;
// `personal` scrubs personal data older than it. A failed run fails the calling test.
inline GcResult LoginGc(Store& store, Micros as_of, bool dry = false,
                        std::optional<Micros> personal = std::nullopt) {
  GcRequest r;
  r.as_of = as_of;
  r.dry_run = dry;
  r.personal_data = personal;
  r.rules.push_back({"account:login:success", Micros{90} * 86'400'000'000});  // 90 days
  auto res = store.CollectGarbage(r);
  EXPECT_TRUE(res.ok()) << res.status().ToString();
  return res.ok() ? *res : GcResult{};
}

}  // namespace trail::test
