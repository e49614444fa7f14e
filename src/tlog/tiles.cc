// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "tlog/tiles.h"

#include <cstdio>
#include <limits>
#include <vector>

namespace trail::tlog {
namespace {

bool IsDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// A decimal in [0, max] with no leading zeros ("0" itself is fine).
std::optional<int> SmallDecimal(std::string_view s, int max) {
  if (!IsDigits(s) || s.size() > 3 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  if (v > max) return std::nullopt;
  return v;
}

// N as "x001/x234/067": every element exactly 3 digits, all but the last with an 'x'.
std::optional<uint64_t> ParseIndex(std::string_view s) {
  uint64_t n = 0;
  while (true) {
    size_t slash = s.find('/');
    bool last = slash == std::string_view::npos;
    std::string_view elem = last ? s : s.substr(0, slash);
    if (!last) {
      if (elem.size() != 4 || elem[0] != 'x') return std::nullopt;
      elem.remove_prefix(1);
    }
    if (elem.size() != 3 || !IsDigits(elem)) return std::nullopt;
    const uint64_t group = static_cast<uint64_t>(elem[0] - '0') * 100 +
                           static_cast<uint64_t>(elem[1] - '0') * 10 +
                           static_cast<uint64_t>(elem[2] - '0');
    if (n > (std::numeric_limits<uint64_t>::max() - group) / 1000) return std::nullopt;
    n = n * 1000 + group;
    if (last) return n;
    s.remove_prefix(slash + 1);
  }
}

}  // namespace

std::string TilePath(int level, uint64_t index, int width) {
  std::vector<unsigned> groups;
  do {
    groups.push_back(static_cast<unsigned>(index % 1000));
    index /= 1000;
  } while (index > 0);
  std::string path = "tile/" + std::to_string(level) + "/";
  char buf[8];
  for (size_t i = groups.size(); i-- > 0;) {
    std::snprintf(buf, sizeof buf, i > 0 ? "x%03u/" : "%03u", groups[i]);
    path += buf;
  }
  if (width < kTileWidth) path += ".p/" + std::to_string(width);
  return path;
}

std::optional<TileId> ParseTilePath(std::string_view path) {
  if (!path.empty() && path[0] == '/') path.remove_prefix(1);
  constexpr std::string_view kPrefix = "tile/";
  if (path.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  std::string_view rest = path.substr(kPrefix.size());

  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto level = SmallDecimal(rest.substr(0, slash), kMaxTileLevel);  // also rejects "entries"
  if (!level) return std::nullopt;
  rest.remove_prefix(slash + 1);

  TileId id;
  id.level = *level;
  id.width = kTileWidth;
  size_t partial = rest.find(".p/");
  if (partial != std::string_view::npos) {
    auto width = SmallDecimal(rest.substr(partial + 3), kTileWidth - 1);
    if (!width || *width == 0) return std::nullopt;
    id.width = *width;
    rest = rest.substr(0, partial);
  }
  auto index = ParseIndex(rest);
  if (!index) return std::nullopt;
  id.index = *index;
  // The element grammar admits "x000/001" for 1; only the shortest form is canonical.
  if (TilePath(id.level, id.index, id.width) != path) return std::nullopt;
  return id;
}

int TileWidthAt(int level, uint64_t index, uint64_t tree_size) {
  if (level < 0 || level * kTileHeight >= 64) return 0;
  uint64_t nodes = tree_size >> (level * kTileHeight);  // complete nodes at tree level 8·level
  if (index > (nodes >> kTileHeight)) return 0;
  uint64_t in_tile = nodes - (index << kTileHeight);
  return in_tile >= kTileWidth ? kTileWidth : static_cast<int>(in_tile);
}

}  // namespace trail::tlog
