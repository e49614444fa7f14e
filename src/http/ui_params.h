// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// The web viewer's list filter (SPEC §9): the query string of `/ui/`, `/ui/history/<subject>`
// and `/embed/history` turned into what the page shows, the links it keeps, and the `Query` the
// store answers. Pure and thread-safe (fuzz/fuzz_ui_params.cc feeds it anything).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "core/status.h"
#include "query/query.h"
#include "ui/pages.h"

namespace trail {

struct UiListParams {
  // As typed, shown back in the form (q, subject, actor and ip only on the console).
  std::string q, subject, actor, ip, tag, since, until;
  std::string chart = "day";  // hour | day | week
  std::string cursor;
  ui::Params typed;   // the filter as typed, for the page's own links (without embed's keep)
  ui::Params api;     // the filter as the API takes it (times normalised), for export and stream
  std::string error;  // a parameter the page cannot use, said for a person; empty when none
  Result<Query> query = Status::Invalid("invalid_query", "not parsed");
};

// `history_subject`: the subject of a history page (null for the console).
UiListParams ParseUiListParams(std::string_view raw_query, const std::string* history_subject);

}  // namespace trail
