// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// The routes the main HTTP server answers: one table of (method, path template), the single
// list that Api::Handle admits requests against, that /metrics labels requests with (a
// template, never the raw path, so label values are bounded) and that routes_test.cc compares
// with docs/openapi.yaml in both directions. A route added to the handlers but not here is
// answered 404; one added here but not documented fails the test.
//
// A template's `{name}` matches one non-empty path segment, except as its last segment, where
// it matches the rest of the path (a tile's index `x001/234`, an encoded subject, a file name).
// Pure functions over constant data; thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace trail {

struct Route {
  std::string_view method;
  std::string_view path;  // template, as in docs/openapi.yaml
};

// More specific templates first: the first match wins.
inline constexpr std::array<Route, 30> kRoutes = {{
    {"GET", "/healthz"},
    {"HEAD", "/healthz"},
    {"GET", "/readyz"},
    {"GET", "/metrics"},
    {"GET", "/checkpoint"},
    {"GET", "/tile/{level}/{index}"},
    {"POST", "/v1/events"},
    {"GET", "/v1/events"},
    {"GET", "/v1/events/{id}/proof"},
    {"GET", "/v1/events/{id}"},
    {"GET", "/v1/proof/consistency"},
    {"GET", "/v1/export"},
    {"GET", "/v1/stream"},
    {"GET", "/v1/types"},
    {"POST", "/v1/admin/keys"},
    {"GET", "/v1/admin/keys"},
    {"DELETE", "/v1/admin/keys/{id}"},
    {"POST", "/v1/admin/gc"},
    {"POST", "/v1/admin/redact"},
    {"POST", "/v1/admin/reload"},
    {"GET", "/ui"},
    {"GET", "/ui/"},
    {"GET", "/ui/static/{name}"},
    {"POST", "/ui/login"},
    {"POST", "/ui/logout"},
    {"GET", "/ui/events/{id}"},
    {"GET", "/ui/history/{subject}"},
    {"GET", "/embed/history"},
    {"GET", "/embed/events/{id}"},
    {"GET", "/embed/stream"},
}};

// The index in kRoutes of the route that answers `method path` (path without the query), or
// nullopt when none does.
std::optional<size_t> MatchRoute(std::string_view method, std::string_view path);

// Whether `path` matches the template `pattern` (the rules above).
bool MatchTemplate(std::string_view pattern, std::string_view path);

}  // namespace trail
