// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "ui/theme.h"

#include <array>
#include <map>

namespace trail::ui {
namespace {

constexpr std::array<std::string_view, 10> kKeys = {"scheme", "bg",      "fg",   "muted", "accent",
                                                    "border", "surface", "font", "size",  ""};

bool IsHexColor(std::string_view v) {
  if (v.size() != 3 && v.size() != 6) return false;
  for (char c : v) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  }
  return true;
}

bool Valid(std::string_view key, std::string_view v) {
  if (key == "scheme") return v == "light" || v == "dark";
  if (key == "font") return v == "system" || v == "serif" || v == "mono";
  if (key == "size") return v.size() == 2 && v >= "12" && v <= "20";
  return IsHexColor(v);
}

std::string Lower(std::string_view v) {
  std::string out(v);
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  return out;
}

}  // namespace

std::optional<std::string> CanonicalStyle(std::string_view param) {
  std::map<std::string_view, std::string> given;
  while (!param.empty()) {
    size_t comma = param.find(',');
    std::string_view part = param.substr(0, comma);
    param = comma == std::string_view::npos ? std::string_view() : param.substr(comma + 1);
    if (part.empty()) continue;
    size_t colon = part.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    std::string_view key = part.substr(0, colon), value = part.substr(colon + 1);
    bool known = false;
    for (std::string_view k : kKeys) known = known || (!k.empty() && k == key);
    if (!known || !Valid(key, value) || given.count(key)) return std::nullopt;
    given[key] = Lower(value);
  }
  std::string out;
  for (std::string_view k : kKeys) {
    auto it = given.find(k);
    if (k.empty() || it == given.end()) continue;
    if (!out.empty()) out.push_back(',');
    out.append(k);
    out.push_back(':');
    out.append(it->second);
  }
  return out;
}

std::string ThemeCss(std::string_view canonical) {
  auto style = CanonicalStyle(canonical);
  std::string css = ":root.themed{";
  if (!style) return css + "}\n";
  std::string_view rest = *style;
  std::string scheme = "light";
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view part = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    size_t colon = part.find(':');
    std::string_view key = part.substr(0, colon), value = part.substr(colon + 1);
    if (key == "scheme") {
      scheme = std::string(value);
      if (value == "dark")
        css +=
            "--trail-bg:#0d1117;--trail-fg:#e6edf3;--trail-muted:#9da7b3;--trail-accent:#6cb6ff;"
            "--trail-border:#3d444d;--trail-surface:#161b22;";
    } else if (key == "font") {
      css += "--trail-font:";
      css += value == "serif" ? "Georgia,'DejaVu Serif',serif;"
             : value == "mono"
                 ? "'DejaVu Sans Mono',Menlo,Consolas,monospace;"
                 : "system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;";
    } else if (key == "size") {
      css += "--trail-size:" + std::string(value) + "px;";
    } else {
      css += "--trail-" + std::string(key) + ":#" + std::string(value) + ";";
    }
  }
  css += "color-scheme:" + scheme + ";}\n";
  return css;
}

}  // namespace trail::ui
