// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// The embed page's styling hook (SPEC §9): a host application sets trail's CSS custom
// properties (`--trail-*`) through one URL parameter, `style`, e.g.
//   style=scheme:dark,accent:0a66c2,bg:fff,font:serif,size:14
// Only these keys are allowed, each with a strictly checked value, so nothing a URL carries
// can become CSS beyond a colour, one of three font stacks or a size:
//   scheme  light | dark                       built-in palette to start from
//   bg fg muted accent border surface          colours: 3 or 6 hex digits, no '#'
//   font    system | serif | mono              size   12…20 (px)
// The page links /ui/static/theme.css?style=<canonical form>, which CSP allows (style-src
// 'self'); inline styles stay forbidden. Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace trail::ui {

// The canonical form of a `style` value (keys in a fixed order, lower-case hex), "" for an
// empty one, or nullopt when any part is not allowed.
std::optional<std::string> CanonicalStyle(std::string_view param);

// The stylesheet for a canonical style: `:root.themed{--trail-…:…}`.
std::string ThemeCss(std::string_view canonical);

}  // namespace trail::ui
