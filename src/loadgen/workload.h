// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// Workload: deterministic, realistic package-index events for benchmarks and load tests —
// logins on 100,000 users, releases, files, roles and tokens on 50,000 projects, from
// 100,000 IP addresses — using the tags of examples/warehouse/events.toml. `trail bench`
// (cli/bench.cc) sends them to a server; the programs in bench/ store them directly.
// Not thread-safe; give each thread its own Workload (seeded differently).
#pragma once

#include <cstdint>
#include <random>
#include <string>

namespace trail {

struct WorkloadShape {
  uint32_t users = 100000;
  uint32_t projects = 50000;
  uint32_t ips = 100000;
};

class Workload {
 public:
  explicit Workload(uint64_t seed, WorkloadShape shape = {}) : rng_(seed), shape_(shape) {}
  // One event as a JSON object text (no trailing newline).
  std::string NextJson();
  // The subject, actor and tag of the last event (for query benchmarks: keys drawn from the
  // same distribution as the events).
  const std::string& last_subject() const { return subject_; }
  const std::string& last_actor() const { return actor_; }
  const std::string& last_tag() const { return tag_; }
  const WorkloadShape& shape() const { return shape_; }

 private:
  uint32_t Pick(uint32_t n) { return static_cast<uint32_t>(rng_() % n); }
  std::mt19937_64 rng_;
  WorkloadShape shape_;
  std::string subject_, actor_, tag_;
  uint64_t n_ = 0;
};

}  // namespace trail
