// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "auth/visibility.h"

#include <algorithm>

namespace trail {

namespace {
bool IsSelf(const ViewerClaims& v, std::string_view subject) {
  return subject.size() == v.sub.size() + 5 && subject.compare(0, 5, "user:") == 0 &&
         subject.substr(5) == v.sub;
}
}  // namespace

bool MaySee(const ViewerClaims& viewer, const EventType* type, std::string_view subject) {
  if (viewer.admin) return true;
  if (!type) return false;
  for (const auto& who : type->visible_to) {
    if (who == "self") {
      if (IsSelf(viewer, subject)) return true;
      continue;
    }
    auto it = viewer.roles.find(subject);
    if (it != viewer.roles.end() &&
        std::find(it->second.begin(), it->second.end(), who) != it->second.end())
      return true;
  }
  return false;
}

std::vector<std::string> StandingSubjects(const ViewerClaims& viewer) {
  std::vector<std::string> out{"user:" + viewer.sub};
  for (const auto& [subject, roles] : viewer.roles) {
    if (!roles.empty() && subject != out[0]) out.push_back(subject);
  }
  return out;
}

bool HasStanding(const ViewerClaims& viewer, std::string_view subject) {
  if (viewer.admin || IsSelf(viewer, subject)) return true;
  auto it = viewer.roles.find(subject);
  return it != viewer.roles.end() && !it->second.empty();
}

bool ShowsNetworkFields(const ViewerClaims& viewer, const Event& e) {
  return viewer.admin || (e.actor && *e.actor == viewer.sub);
}

}  // namespace trail
