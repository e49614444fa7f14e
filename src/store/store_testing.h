// What the store tests share, whatever the engine (store_contract_test.cc, sqlite/*_test.cc,
// postgres/*_test.cc): reading a log back the way a client pages through it. Header-only, so
// that each engine's tests can include it without linking the others.
#pragma once

#include <gtest/gtest.h>

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

}  // namespace trail::test
