// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// Clock: where trail reads the time. SystemClock in production, FakeClock in tests.
// Times are microseconds since the Unix epoch, UTC. Implementations are thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace trail {

using Micros = int64_t;  // microseconds since 1970-01-01T00:00:00Z

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Micros NowMicros() const = 0;
};

class SystemClock final : public Clock {
 public:
  Micros NowMicros() const override {
    using namespace std::chrono;
    return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
  }
  static SystemClock& Get() {
    static SystemClock c;
    return c;
  }
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(Micros start = 1'700'000'000'000'000) : now_(start) {}
  Micros NowMicros() const override { return now_.load(); }
  void Set(Micros t) { now_.store(t); }
  void Advance(Micros d) { now_.fetch_add(d); }

 private:
  std::atomic<Micros> now_;
};

}  // namespace trail
