// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// Visibility (SPEC §6): which events a viewer token may see, and what of them.
//
// A viewer sees an event when the token says admin, or the event type's `visible_to` holds
// "self" and the subject is `user:<sub>`, or it holds a role the token grants on the event's
// subject. An empty `visible_to` means admins only; a tag no longer registered is admins only.
// Non-admin viewers see `ip` and `user_agent` only on events they are the actor of.
// Pure functions over immutable inputs; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "auth/viewer_token.h"
#include "core/event.h"
#include "core/event_types.h"

namespace trail {

bool MaySee(const ViewerClaims& viewer, const EventType* type, std::string_view subject);
// The subjects a non-admin viewer has any standing on: user:<sub> and those with roles.
std::vector<std::string> StandingSubjects(const ViewerClaims& viewer);
bool HasStanding(const ViewerClaims& viewer, std::string_view subject);
bool ShowsNetworkFields(const ViewerClaims& viewer, const Event& e);

}  // namespace trail
