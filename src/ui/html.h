// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// HTML and URL text for the web viewer (SPEC §9). Event data is attacker-controlled: every
// piece of it reaches a page only through HtmlEscape (or AppendEscaped), in text and in
// quoted attribute values alike, and reaches a URL only through UrlEncode. Pure functions.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"

namespace trail::ui {

// Escapes & < > " ' and replaces NUL and other C0 controls (but tab, LF, CR) with U+FFFD, so
// the result is inert in element text and in a double- or single-quoted attribute value.
std::string HtmlEscape(std::string_view s);
void AppendEscaped(std::string_view s, std::string* out);

// Percent-encodes everything but RFC 3986 unreserved characters (and ':' when keep_colon,
// for `kind:id` path segments).
std::string UrlEncode(std::string_view s, bool keep_colon = false);

using Params = std::vector<std::pair<std::string, std::string>>;
// "a=1&b=x%20y" from pairs, in order; pairs with an empty value are left out.
std::string QueryString(const Params& params);
// path + "?" + QueryString(params), or path alone when that is empty. Not yet HTML-escaped.
std::string Href(std::string_view path, const Params& params);

// "2026-11-27 22:03:07" (UTC), for table cells; the full RFC 3339 form goes in datetime=.
std::string ShortTime(Micros t);
// "2026-11-27" of t (UTC), the value of an <input type=date>.
std::string DateOf(Micros t);

}  // namespace trail::ui
