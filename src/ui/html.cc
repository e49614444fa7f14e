// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "ui/html.h"

#include "core/time_format.h"
#include "query/query.h"

namespace trail::ui {

void AppendEscaped(std::string_view s, std::string* out) {
  out->reserve(out->size() + s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out->append("&amp;");
        break;
      case '<':
        out->append("&lt;");
        break;
      case '>':
        out->append("&gt;");
        break;
      case '"':
        out->append("&quot;");
        break;
      case '\'':
        out->append("&#39;");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') {
          out->append("&#xFFFD;");
        } else {
          out->push_back(c);
        }
    }
  }
}

std::string HtmlEscape(std::string_view s) {
  std::string out;
  AppendEscaped(s, &out);
  return out;
}

std::string UrlEncode(std::string_view s, bool keep_colon) {
  return UrlEncodeComponent(s, keep_colon);
}

std::string QueryString(const Params& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (v.empty()) continue;
    if (!out.empty()) out.push_back('&');
    out += UrlEncode(k);
    out.push_back('=');
    out += UrlEncode(v, true);
  }
  return out;
}

std::string Href(std::string_view path, const Params& params) {
  std::string q = QueryString(params);
  return q.empty() ? std::string(path) : std::string(path) + "?" + q;
}

std::string ShortTime(Micros t) {
  std::string s = FormatRfc3339Micros(t);  // 2026-11-27T22:03:07.123456Z
  if (s.size() < 19) return s;
  s.resize(19);
  s[10] = ' ';
  return s;
}

std::string DateOf(Micros t) { return FormatRfc3339Micros(t).substr(0, 10); }

}  // namespace trail::ui
