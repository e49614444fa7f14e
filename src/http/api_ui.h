// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// Internals of the web viewer's handlers (api_ui.cc, api_ui_pages.cc), shared with api.cc:
// who asks for a page, and the HTML responses with their security headers.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "auth/key_ring.h"
#include "http/message.h"
#include "ui/pages.h"

namespace trail {

inline constexpr std::string_view kConsoleCookie = "trail_session";
inline constexpr std::string_view kEmbedCookie = "trail_embed";

// Who is asking for a page, and how.
struct UiCaller {
  Principal who;
  std::string session;  // the session id when signed in by cookie, else ""
  std::string csrf;     // that session's token for the sign-out form
  bool embed = false;   // an /embed/ page: framable, no console header
  std::string style;    // the embed page's canonical theme (ui/theme.h)
};

// A page with trail's headers: a strict Content-Security-Policy (scripts, styles and images
// from trail itself only; no inline code), no caching, no referrer. Console pages may not be
// framed; embed pages only by `frame_ancestors` (the [ui] list, 'self' when empty).
HttpResponse HtmlResponse(int status, std::string body, bool embed,
                          const std::vector<std::string>& frame_ancestors);

// The frame of a caller's pages: title, who is signed in, the sign-out form's token.
ui::Frame FrameFor(const UiCaller& caller, std::string title);

}  // namespace trail
