// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// libFuzzer target: tile paths (GET /tile/...; C2SP tlog-tiles). ParseTilePath accepts exactly
// what TilePath produces: whatever it accepts must print back to the same path.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "tlog/tiles.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto id = trail::tlog::ParseTilePath(in);
  if (!id) return 0;
  if (id->level < 0 || id->level > trail::tlog::kMaxTileLevel || id->width < 1 ||
      id->width > trail::tlog::kTileWidth)
    __builtin_trap();
  std::string_view bare = in.substr(!in.empty() && in[0] == '/' ? 1 : 0);
  if (trail::tlog::TilePath(id->level, id->index, id->width) != bare) __builtin_trap();
  (void)trail::tlog::TileWidthAt(id->level, id->index,
                                 id->index * 256 + static_cast<uint64_t>(id->width));
  return 0;
}
