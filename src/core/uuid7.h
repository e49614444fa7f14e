// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// Event ids: RFC 9562 UUIDv7 in canonical lowercase text, e.g.
// `01936f3e-8c41-7a2b-9d4e-0123456789ab`.
//
// Layout (RFC 9562 §5.7, monotonicity by §6.2 Method 1, "fixed bit-length dedicated
// counter", at the 42-bit maximum the RFC suggests):
//   48 bits  unix_ts_ms from the Clock
//    4 bits  version 7
//   12 bits  rand_a  = counter bits 41..30
//    2 bits  variant 0b10
//   30 bits  rand_b  = counter bits 29..0
//   32 bits  rand_b  = fresh random bits per id
// The counter is seeded randomly (top bit clear, leaving at least 2^41 increments of room)
// each new millisecond and incremented for every id within it, so ids from one generator
// sort strictly increasing as strings, even many per millisecond and even if the clock
// steps backwards (the generator then keeps the last timestamp and counts on). If the
// counter is exhausted the timestamp is advanced by one millisecond.
//
// Randomness comes from OpenSSL's CSPRNG through a 4 KiB buffer refilled as it drains.
// Uuid7Generator is thread-safe (one mutex); ids from different generators are unique with
// overwhelming probability but not ordered relative to each other.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace trail {

class Uuid7Generator {
 public:
  // `clock` must outlive the generator.
  explicit Uuid7Generator(const Clock& clock);
  Uuid7Generator(const Uuid7Generator&) = delete;
  Uuid7Generator& operator=(const Uuid7Generator&) = delete;

  // A new id, strictly greater than every id this generator returned before.
  std::string Next();

 private:
  static constexpr size_t kRandomBufferSize = 4096;
  static constexpr int kCounterBits = 42;

  uint64_t TakeRandom(size_t bytes);  // requires mu_; 1..8 bytes, big-endian

  const Clock& clock_;
  std::mutex mu_;
  bool started_ = false;
  uint64_t last_ms_ = 0;
  uint64_t counter_ = 0;
  std::array<unsigned char, kRandomBufferSize> random_{};
  size_t random_pos_ = kRandomBufferSize;  // empty: refill on first use
};

// True iff `s` is a UUID in the 8-4-4-4-12 hex form (36 characters, either letter case, any
// version or variant).
bool IsUuid(std::string_view s);

}  // namespace trail
