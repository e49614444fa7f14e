// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "core/uuid7.h"

#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>

namespace trail {
namespace {

constexpr uint64_t kMaxTimestampMs = (uint64_t{1} << 48) - 1;

inline bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

}  // namespace

Uuid7Generator::Uuid7Generator(const Clock& clock) : clock_(clock) {}

uint64_t Uuid7Generator::TakeRandom(size_t bytes) {
  if (random_pos_ + bytes > random_.size()) {
    if (RAND_bytes(random_.data(), static_cast<int>(random_.size())) != 1) {
      std::fprintf(stderr, "trail: RAND_bytes failed\n");
      std::abort();
    }
    random_pos_ = 0;
  }
  uint64_t v = 0;
  for (size_t i = 0; i < bytes; ++i) v = (v << 8) | random_[random_pos_ + i];
  random_pos_ += bytes;
  return v;
}

std::string Uuid7Generator::Next() {
  constexpr uint64_t kCounterMax = (uint64_t{1} << kCounterBits) - 1;
  const Micros now_us = clock_.NowMicros();
  uint64_t now_ms = now_us <= 0 ? 0 : static_cast<uint64_t>(now_us / 1000);
  if (now_ms > kMaxTimestampMs) now_ms = kMaxTimestampMs;

  uint64_t ms, counter, tail;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (now_ms > last_ms_ || !started_) {
      started_ = true;
      last_ms_ = now_ms;
      counter_ = TakeRandom(6) & (kCounterMax >> 1);  // top bit clear: room to count
    } else if (counter_ < kCounterMax) {
      ++counter_;  // same millisecond, or the clock went back: keep order by counting
    } else {
      // 2^41+ ids in one millisecond: borrow the next one (RFC 9562 §6.2 allows this).
      if (last_ms_ < kMaxTimestampMs) ++last_ms_;
      counter_ = 0;
    }
    ms = last_ms_;
    counter = counter_;
    tail = TakeRandom(4);
  }

  // 128 bits as two words, then the hex text.
  const uint64_t hi = (ms << 16) | (uint64_t{7} << 12) | (counter >> 30);
  const uint64_t lo = (uint64_t{2} << 62) | ((counter & ((uint64_t{1} << 30) - 1)) << 32) | tail;

  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(36, '-');
  char* p = out.data();
  auto put = [&](uint64_t word, int nibbles_from, int nibbles_to, int at) {
    for (int i = nibbles_from; i < nibbles_to; ++i) {
      p[at++] = kHex[(word >> (60 - 4 * i)) & 15];
    }
  };
  put(hi, 0, 8, 0);     // time_high
  put(hi, 8, 12, 9);    // time_low
  put(hi, 12, 16, 14);  // version + rand_a
  put(lo, 0, 4, 19);    // variant + rand_b
  put(lo, 4, 16, 24);
  return out;
}

bool IsUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < 36; ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
    } else if (!IsHex(s[i])) {
      return false;
    }
  }
  return true;
}

}  // namespace trail
