// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "http/routes.h"

#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <set>
#include <string>
#include <utility>

namespace trail {
namespace {

using MethodPath = std::pair<std::string, std::string>;

// The operations of docs/openapi.yaml: under `paths:`, a key at indent 2 is a path and a key
// at indent 4 naming an HTTP method is one of its operations. Enough YAML for this document.
std::set<MethodPath> DocumentedOperations() {
  std::ifstream in(TRAIL_OPENAPI_FILE);
  EXPECT_TRUE(in.good()) << TRAIL_OPENAPI_FILE;
  static const std::set<std::string> kMethods = {"get",   "head",   "post",   "put",
                                                 "patch", "delete", "options"};
  std::set<MethodPath> out;
  std::string line, path;
  bool in_paths = false;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != ' ' && line[0] != '#') {
      in_paths = line.rfind("paths:", 0) == 0;
      continue;
    }
    if (!in_paths) continue;
    const size_t indent = line.find_first_not_of(' ');
    if (indent == std::string::npos || line[indent] == '#') continue;
    const size_t colon = line.find(':', indent);
    if (colon == std::string::npos) continue;
    std::string key = line.substr(indent, colon - indent);
    if (indent == 2) {
      path = key;
    } else if (indent == 4 && kMethods.count(key)) {
      for (char& c : key) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      out.emplace(key, path);
    }
  }
  return out;
}

TEST(Routes, EveryServedRouteIsDocumentedAndNothingElse) {
  std::set<MethodPath> served;
  for (const Route& r : kRoutes) served.emplace(std::string(r.method), std::string(r.path));
  const std::set<MethodPath> documented = DocumentedOperations();
  ASSERT_FALSE(documented.empty());
  for (const auto& [m, p] : served)
    EXPECT_TRUE(documented.count({m, p})) << m << " " << p << " is served, not in openapi.yaml";
  for (const auto& [m, p] : documented)
    EXPECT_TRUE(served.count({m, p})) << m << " " << p << " is in openapi.yaml, not served";
}

TEST(Routes, TemplatesMatchOneSegmentOrTheRest) {
  EXPECT_TRUE(MatchTemplate("/v1/events/{id}", "/v1/events/019abc"));
  EXPECT_FALSE(MatchTemplate("/v1/events/{id}", "/v1/events/"));
  EXPECT_TRUE(MatchTemplate("/v1/events/{id}/proof", "/v1/events/019abc/proof"));
  EXPECT_FALSE(MatchTemplate("/v1/events/{id}/proof", "/v1/events//proof"));
  EXPECT_TRUE(MatchTemplate("/tile/{level}/{index}", "/tile/0/x001/234.p/7"));
  EXPECT_FALSE(MatchTemplate("/tile/{level}/{index}", "/tile/0"));
  EXPECT_FALSE(MatchTemplate("/healthz", "/healthz/"));
  EXPECT_FALSE(MatchTemplate("/ui/", "/ui"));
}

TEST(Routes, RequestsFindTheirTemplate) {
  auto route = [](std::string_view m, std::string_view p) -> std::string {
    auto i = MatchRoute(m, p);
    return i ? std::string(kRoutes[*i].method) + " " + std::string(kRoutes[*i].path) : "none";
  };
  EXPECT_EQ(route("GET", "/v1/events/019abc/proof"), "GET /v1/events/{id}/proof");
  EXPECT_EQ(route("GET", "/v1/events/019abc"), "GET /v1/events/{id}");
  EXPECT_EQ(route("POST", "/v1/events"), "POST /v1/events");
  EXPECT_EQ(route("HEAD", "/healthz"), "HEAD /healthz");
  EXPECT_EQ(route("DELETE", "/v1/admin/keys/k1"), "DELETE /v1/admin/keys/{id}");
  EXPECT_EQ(route("GET", "/ui/history/project%3Aflask"), "GET /ui/history/{subject}");
  EXPECT_EQ(route("PUT", "/v1/events"), "none");
  EXPECT_EQ(route("GET", "/v2/events"), "none");
  EXPECT_EQ(route("GET", "/metrics/"), "none");
}

}  // namespace
}  // namespace trail
