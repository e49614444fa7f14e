// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// libFuzzer target: the web viewer's list filter (/ui/, /ui/history/<subject>, /embed/history):
// the query string through ParseUiListParams (percent-decoding, dates, the q syntax, cursors)
// and back out through the HTML and URL encoders every value of it reaches the page with.
// Nothing may crash; escaped text may hold no markup character, encoded URLs no unsafe byte.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/ui_params.h"
#include "ui/html.h"

namespace {
void CheckEscaped(std::string_view v) {
  for (char ch : trail::ui::HtmlEscape(v))
    if (ch == '<' || ch == '>' || ch == '"' || ch == '\'') __builtin_trap();
  for (char ch : trail::ui::UrlEncode(v))
    if (ch == '<' || ch == '>' || ch == '"' || ch == '\'' || ch == ' ' || ch == '&' || ch == '#' ||
        static_cast<unsigned char>(ch) < 0x20 || static_cast<unsigned char>(ch) >= 0x7f)
      __builtin_trap();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte: console or a history page.
  std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::string subject = "user:alice";
  auto p = trail::ParseUiListParams(in, (data[0] & 1) ? &subject : nullptr);
  for (const auto& [k, v] : p.typed) CheckEscaped(v);
  for (const auto& [k, v] : p.api) CheckEscaped(v);
  CheckEscaped(p.cursor);
  std::string href = trail::ui::Href("/ui/", p.api);
  for (char ch : trail::ui::HtmlEscape(href))
    if (ch == '<' || ch == '>' || ch == '"') __builtin_trap();
  return 0;
}
