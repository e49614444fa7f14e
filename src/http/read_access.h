// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// Who may read what (SPEC §6), for every read path: the JSON API (api_events.cc,
// api_integrity.cc) and the web viewer (api_ui*.cc) apply these same functions, so the rules
// live in one place. Pure functions; thread-safe.
#pragma once

#include <memory>
#include <optional>

#include "auth/key_ring.h"
#include "core/event.h"
#include "core/event_types.h"
#include "query/query.h"
#include "store/query_executor.h"

namespace trail {

// Readers: auditor and admin keys and viewer tokens; writer keys are 403.
Status NeedRead(const Principal& p);

// What a principal may read of a query. For viewers who are not admins: asking for a subject
// without standing is 403; otherwise *out restricts the query to the viewer's subjects and
// checks each type's visible_to on the rows. May move terms of *query into the filter.
Status ScopeFor(const Principal& p, Query* query, std::shared_ptr<const TypeRegistry> types,
                std::optional<AccessFilter>* out);

// True when ip and user agent of `e` read "redacted" for `p`.
bool Redacts(const Principal& p, const Event& e);

// True when `p` may see the single event `e` (GET /v1/events/{id}, the detail page).
bool MaySeeEvent(const Principal& p, const TypeRegistry& types, const Event& e);

}  // namespace trail
