// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "http/stream_slots.h"

namespace trail {

std::shared_ptr<void> StreamSlots::TryAcquire(const std::string& principal) {
  {
    std::lock_guard<std::mutex> l(mu_);
    size_t& n = open_[principal];
    if (n >= per_principal_) {
      if (n == 0) open_.erase(principal);
      return nullptr;
    }
    ++n;
  }
  auto self = shared_from_this();
  // Non-null (it points at the table) so that callers can test it.
  return std::shared_ptr<void>(self.get(), [self, principal](void*) { self->Release(principal); });
}

size_t StreamSlots::InUse(const std::string& principal) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = open_.find(principal);
  return it == open_.end() ? 0 : it->second;
}

void StreamSlots::Release(const std::string& principal) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = open_.find(principal);
  if (it != open_.end() && --it->second == 0) open_.erase(it);
}

}  // namespace trail
