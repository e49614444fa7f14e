// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "http/ui_params.h"

#include "core/time_format.h"

namespace trail {
namespace {

std::string Param(const std::multimap<std::string, std::string>& params, const std::string& name) {
  auto it = params.find(name);
  return it == params.end() ? std::string() : it->second;
}

}  // namespace

UiListParams ParseUiListParams(std::string_view raw_query, const std::string* history_subject) {
  UiListParams p;
  auto raw = ParseUrlQuery(raw_query);
  const std::multimap<std::string, std::string> params =
      raw ? *raw : std::multimap<std::string, std::string>{};
  if (!history_subject) {
    p.q = Param(params, "q");
    p.subject = Param(params, "subject");
    p.actor = Param(params, "actor");
    p.ip = Param(params, "ip");
  }
  p.tag = Param(params, "tag");
  p.since = Param(params, "since");
  p.until = Param(params, "until");
  p.chart = Param(params, "chart");
  if (p.chart != "hour" && p.chart != "week") p.chart = "day";
  if (history_subject) p.api.emplace_back("subject", *history_subject);
  p.error = raw ? "" : "The address's query string is not valid percent-encoded UTF-8.";
  for (const auto& [name, value] : {std::pair<std::string, std::string*>{"q", &p.q},
                                    {"subject", &p.subject},
                                    {"actor", &p.actor},
                                    {"ip", &p.ip},
                                    {"tag", &p.tag},
                                    {"since", &p.since},
                                    {"until", &p.until}}) {
    if (value->empty()) continue;
    p.typed.emplace_back(name, *value);
    if (name == "since" || name == "until") {
      auto t = ParseDateOrTime(*value);
      if (!t) p.error = name + ": '" + *value + "' is not a date (2026-05-01) or an RFC 3339 time";
      p.api.emplace_back(name, t ? FormatRfc3339Micros(*t) : *value);
    } else {
      p.api.emplace_back(name, *value);
    }
  }
  if (p.chart != "day") p.typed.emplace_back("chart", p.chart);
  std::multimap<std::string, std::string> query_params(p.api.begin(), p.api.end());
  p.cursor = Param(params, "cursor");
  if (!p.cursor.empty()) query_params.emplace("cursor", p.cursor);
  p.query = p.error.empty() ? ParseQuery(query_params)
                            : Result<Query>(Status::Invalid("invalid_query", p.error));
  return p;
}

}  // namespace trail
