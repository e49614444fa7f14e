// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// The web viewer's static files, compiled into the binary (nothing to install or find at run
// time) and served under /ui/static/<name>: the stylesheet, the live-tail script and the icon.
// Scripts only enhance server-rendered pages; CSP allows them as 'self', never inline.
#pragma once

#include <string_view>

namespace trail::ui {

struct StaticAsset {
  std::string_view content_type;
  std::string_view body;
};

// The asset named `name` ("trail.css", "live.js", "icon.svg"), or null.
const StaticAsset* FindStaticAsset(std::string_view name);

}  // namespace trail::ui
