// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// Who may read what (SPEC §6); see read_access.h.
#include "http/read_access.h"

#include "auth/visibility.h"

namespace trail {

Status NeedRead(const Principal& p) {
  if (p.is_viewer || p.role == KeyRole::kAuditor || p.role == KeyRole::kAdmin) return Status::Ok();
  return Status::Forbidden("a " + std::string(KeyRoleName(p.role)) + " key may not read events");
}

// The store restricts a viewer's query to the viewer's subjects (an index OR-group, so a
// viewer who sees 0.1 % of the log reads only that) and checks each type's visible_to on the
// rows.
//
// An ip a viewer may not see must not be searchable either: `ip=` matches only events whose
// ip the viewer sees, and `-ip:` is evaluated on what the viewer sees.
Status ScopeFor(const Principal& p, Query* query, std::shared_ptr<const TypeRegistry> types,
                std::optional<AccessFilter>* out) {
  out->reset();
  if (p.ReadsAll()) return Status::Ok();
  const Query& q = *query;
  for (const auto& subject : q.subjects) {
    if (!HasStanding(*p.viewer, subject))
      return Status::Forbidden("this viewer holds no role on " + subject);
  }
  AccessFilter f;
  for (const auto& subject : StandingSubjects(*p.viewer))
    f.any_of_keys.push_back(SubjectKey(subject));
  auto viewer = p.viewer;
  const bool ip_terms = !q.ips.empty();
  std::vector<std::string> not_ips = std::move(query->not_ips);
  query->not_ips.clear();
  f.allows = [viewer, types, ip_terms, not_ips](const Event& e) {
    if (!e.subject || !MaySee(*viewer, types->Find(e.tag), *e.subject)) return false;
    const bool sees_ip = ShowsNetworkFields(*viewer, e);
    if (ip_terms && !sees_ip) return false;
    if (sees_ip && e.ip) {
      for (const auto& ip : not_ips)
        if (*e.ip == ip) return false;
    }
    return true;
  };
  *out = std::move(f);
  return Status::Ok();
}

bool Redacts(const Principal& p, const Event& e) {
  return p.is_viewer && !ShowsNetworkFields(*p.viewer, e);
}

bool MaySeeEvent(const Principal& p, const TypeRegistry& types, const Event& e) {
  if (!p.is_viewer) return p.ReadsAll();
  return p.viewer->admin || (e.subject && MaySee(*p.viewer, types.Find(e.tag), *e.subject));
}

}  // namespace trail
