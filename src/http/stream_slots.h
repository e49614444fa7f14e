// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// StreamSlots: the streams (GET /v1/stream, /embed/stream) and exports each principal has
// open, bounded per principal ([server] max_streams_per_principal), so that one viewer token
// or key cannot take every stream thread the server has. Thread-safe; shared by the handlers
// and the streams they start, which may outlive the request.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace trail {

class StreamSlots : public std::enable_shared_from_this<StreamSlots> {
 public:
  explicit StreamSlots(size_t per_principal) : per_principal_(per_principal) {}

  // A slot of `principal`, given back when the returned handle is destroyed; null when the
  // principal holds all of its slots already.
  std::shared_ptr<void> TryAcquire(const std::string& principal);

  size_t InUse(const std::string& principal) const;

 private:
  void Release(const std::string& principal);

  const size_t per_principal_;
  mutable std::mutex mu_;
  std::map<std::string, size_t> open_;  // principal -> streams open (no zero entries)
};

}  // namespace trail
