// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "http/process_metrics.h"

#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace trail {
namespace {

std::string ReadFile(const char* path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// /proc/stat's "btime <seconds>" line: when the machine booted.
double BootTime() {
  std::istringstream in(ReadFile("/proc/stat"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("btime ", 0) == 0) return std::strtod(line.c_str() + 6, nullptr);
  }
  return 0;
}

void Figure(std::string* out, const char* name, const char* type, const char* help, double v) {
  fmt::format_to(std::back_inserter(*out), "# HELP {0} {1}\n# TYPE {0} {2}\n{0} {3}\n", name, help,
                 type, v);
}

}  // namespace

std::optional<ProcessFigures> ParseProcStat(std::string_view stat, double boot_time_seconds,
                                            double ticks_per_second, double page_bytes) {
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so fields count from the
  // last ')'. Field 3 (state) is fields[0]; utime 14, stime 15, starttime 22, vsize 23, rss 24.
  const size_t close = stat.rfind(')');
  if (close == std::string_view::npos || ticks_per_second <= 0) return std::nullopt;
  std::vector<std::string_view> fields;
  std::string_view rest = stat.substr(close + 1);
  while (!rest.empty()) {
    const size_t start = rest.find_first_not_of(" \n");
    if (start == std::string_view::npos) break;
    rest.remove_prefix(start);
    const size_t end = std::min(rest.find_first_of(" \n"), rest.size());
    fields.push_back(rest.substr(0, end));
    rest.remove_prefix(end);
  }
  if (fields.size() < 22) return std::nullopt;
  auto num = [&](int field, double* v) {
    std::string_view f = fields[static_cast<size_t>(field - 3)];
    uint64_t n = 0;
    auto [p, ec] = std::from_chars(f.data(), f.data() + f.size(), n);
    *v = static_cast<double>(n);
    return ec == std::errc() && p == f.data() + f.size();
  };
  double utime, stime, start, vsize, rss;
  if (!num(14, &utime) || !num(15, &stime) || !num(22, &start) || !num(23, &vsize) ||
      !num(24, &rss))
    return std::nullopt;
  ProcessFigures f;
  f.cpu_seconds = (utime + stime) / ticks_per_second;
  f.start_time_seconds = boot_time_seconds + start / ticks_per_second;
  f.virtual_bytes = vsize;
  f.resident_bytes = rss * page_bytes;
  return f;
}

void RenderProcessMetrics(std::string* out) {
  static const double boot = BootTime();
  static const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  static const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  if (auto f = ParseProcStat(ReadFile("/proc/self/stat"), boot, ticks, page)) {
    Figure(out, "process_cpu_seconds_total", "counter",
           "Total user and system CPU time spent in seconds.", f->cpu_seconds);
    Figure(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
           f->resident_bytes);
    Figure(out, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.",
           f->virtual_bytes);
    Figure(out, "process_start_time_seconds", "gauge",
           "Start time of the process since unix epoch in seconds.", f->start_time_seconds);
  }
  std::error_code ec;
  size_t fds = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec))
    ++fds;
  if (!ec) Figure(out, "process_open_fds", "gauge", "Number of open file descriptors.", fds);
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
    Figure(out, "process_max_fds", "gauge", "Maximum number of open file descriptors.",
           rl.rlim_cur == RLIM_INFINITY ? 1e18 : static_cast<double>(rl.rlim_cur));
}

}  // namespace trail
