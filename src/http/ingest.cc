// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "http/ingest.h"

#include <boost/json.hpp>
#include <charconv>
#include <optional>
#include <string>

#include "core/jcs.h"

namespace trail {
namespace {

Status JsonError(const boost::json::error_code& ec, int index) {
  return Status::Invalid("invalid_json", "malformed JSON: " + ec.message(), index);
}

bool IsNdjson(std::string_view content_type) {
  auto semi = content_type.find(';');
  std::string_view t = content_type.substr(0, semi);
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  return t == "application/x-ndjson" || t == "application/jsonl" || t == "application/json-lines";
}

// Parses the body of POST /v1/events into prepared events: one object, {"events":[…]}, or
// NDJSON. All-or-nothing: the first bad event refuses the request, naming its index.

Status NotIJson(const JsonTextProblem& p, std::string_view path, int index) {
  return Status::Invalid("invalid_event", std::string(path) + ": " + p.why, index);
}

// Where a number of the body that is not I-JSON (SPEC §2) lies: the index of its event in
// {"events":[…]} and the path inside that event. False when it is outside every event.
bool InBatchEvent(std::string_view path, int* index, std::string_view* rest) {
  constexpr std::string_view kEvents = "events[";
  if (path.substr(0, kEvents.size()) != kEvents) return false;
  size_t close = path.find(']');
  if (close == std::string_view::npos || close + 1 >= path.size() || path[close + 1] != '.')
    return false;
  std::string_view digits = path.substr(kEvents.size(), close - kEvents.size());
  if (std::from_chars(digits.data(), digits.data() + digits.size(), *index).ec != std::errc())
    return false;
  *rest = path.substr(close + 2);
  return true;
}

}  // namespace

// The parsed value cannot show every number that is not I-JSON (an integer too wide for 64
// bits reads as a double), so when the parser flags one, the text is searched for it and it
// is refused with its literal text and path; PrepareEvent checks the values again.

Result<std::vector<PreparedEvent>> ParseIngestBody(std::string_view body,
                                                   std::string_view content_type,
                                                   const TypeRegistry& types, Uuid7Generator& ids,
                                                   Micros received_at, bool* batch) {
  std::vector<PreparedEvent> out;
  auto add = [&](const boost::json::value& v, int index) -> Status {
    if (out.size() >= kMaxBatch)
      return Status::TooLarge("a batch holds at most " + std::to_string(kMaxBatch) + " events",
                              index);
    auto e = PrepareEvent(v, types, ids, received_at);
    if (!e.ok()) return e.status().WithIndex(index);
    out.push_back(std::move(e.value()));
    return Status::Ok();
  };
  if (IsNdjson(content_type)) {
    *batch = true;
    int index = 0;
    size_t pos = 0;
    while (pos < body.size()) {
      size_t nl = body.find('\n', pos);
      std::string_view line = body.substr(pos, nl == std::string_view::npos ? body.npos : nl - pos);
      pos = nl == std::string_view::npos ? body.size() : nl + 1;
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
        line.remove_suffix(1);
      if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
      if (line.size() > kMaxEventBytes) return Status::TooLarge("event is over 65536 bytes", index);
      boost::json::error_code ec;
      bool not_ijson = false;
      boost::json::value v = ParseJsonExact(line, ec, &not_ijson);
      if (ec) return JsonError(ec, index);
      if (not_ijson) {
        if (auto p = FindNonIJsonNumber(line)) return NotIJson(*p, p->path, index);
      }
      TRAIL_RETURN_IF_ERROR(add(v, index));
      ++index;
    }
    if (out.empty()) return Status::Invalid("invalid_json", "empty body: send one event per line");
    return out;
  }
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return Status::Invalid("invalid_json",
                           "empty body: send an event object, {\"events\":[…]}, or NDJSON");
  boost::json::error_code ec;
  bool not_ijson = false;
  boost::json::value v = ParseJsonExact(body, ec, &not_ijson);
  if (ec) return JsonError(ec, -1);
  std::optional<JsonTextProblem> problem;
  if (not_ijson) problem = FindNonIJsonNumber(body);
  if (v.is_array())
    return Status::Invalid("invalid_json",
                           "a JSON array is not accepted: send {\"events\":[…]} or NDJSON");
  if (!v.is_object()) return Status::Invalid("invalid_json", "the body must be a JSON object");
  const auto& o = v.get_object();
  if (auto it = o.find("events"); it != o.end()) {
    *batch = true;
    if (o.size() != 1)
      return Status::Invalid("invalid_event", "a batch object holds only \"events\"");
    if (!it->value().is_array())
      return Status::Invalid("invalid_event", "events: expected an array");
    const auto& arr = it->value().get_array();
    if (arr.empty()) return Status::Invalid("invalid_event", "events: the batch is empty");
    int bad = -1;
    std::string_view bad_path;
    if (problem && !InBatchEvent(problem->path, &bad, &bad_path)) bad = -1;
    for (size_t i = 0; i < arr.size(); ++i) {
      if (static_cast<int>(i) == bad)
        return NotIJson(*problem, bad_path, bad);  // earlier events first
      TRAIL_RETURN_IF_ERROR(add(arr[i], static_cast<int>(i)));
    }
    return out;
  }
  *batch = false;
  if (problem) return NotIJson(*problem, problem->path, -1);
  auto e = PrepareEvent(v, types, ids, received_at);
  if (!e.ok()) return e.status();
  out.push_back(std::move(e.value()));
  return out;
}

}  // namespace trail
