// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// The process_* series every Prometheus client library exports (CPU time, memory, file
// descriptors, start time), read from /proc/self on each scrape. Linux only; a figure that
// cannot be read is left out. Thread-safe (reads only).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace trail {

struct ProcessFigures {
  double cpu_seconds = 0;  // user + system
  double resident_bytes = 0;
  double virtual_bytes = 0;
  double start_time_seconds = 0;  // Unix time
};

// The figures of /proc/self/stat's text `stat`, given the boot time (/proc/stat btime), clock
// ticks per second and page size; nullopt when the text is malformed.
std::optional<ProcessFigures> ParseProcStat(std::string_view stat, double boot_time_seconds,
                                            double ticks_per_second, double page_bytes);

// Appends process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_start_time_seconds, process_open_fds and
// process_max_fds to `out`.
void RenderProcessMetrics(std::string* out);

}  // namespace trail
