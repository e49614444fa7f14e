// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "ui/chart.h"

#include <algorithm>
#include <map>
#include <optional>

#include "ui/html.h"

namespace trail::ui {
namespace {

constexpr int kWidth = 960, kHeight = 200;
constexpr int kLeft = 44, kRight = 8, kTop = 10, kBottom = 24;
constexpr size_t kMostBars = 4096;  // more than the plot has pixels for
constexpr size_t kSeries = 8;       // colours; the smallest prefixes past the 7th share the last

std::string Num(double v) {
  char buf[32];
  snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string BucketLabel(Micros start, Micros bucket) {
  return bucket % (24LL * 3600 * 1000000) == 0 ? DateOf(start) : ShortTime(start).substr(0, 16);
}

}  // namespace

std::string RenderChart(const std::vector<HistogramBucket>& counts, const ChartSpec& asked) {
  // The spec comes from a request's time window: bound it so that no window allocates more
  // than kMostBars bars or overflows its end.
  ChartSpec spec = asked;
  Micros span = 0;
  if (spec.bucket <= 0) spec.buckets = 0;
  spec.buckets = std::min(spec.buckets, kMostBars);
  if (__builtin_mul_overflow(spec.bucket, static_cast<Micros>(spec.buckets), &span) ||
      __builtin_add_overflow(spec.start, span, &span))
    spec.buckets = 0;
  // Totals per prefix decide the colours (largest first) and the legend.
  std::map<std::string, uint64_t> totals;
  std::vector<std::map<std::string, uint64_t>> bars(spec.buckets);
  uint64_t all = 0;
  std::optional<Micros> counted_from;
  for (const auto& c : counts) {
    if (c.prefix.empty()) {
      counted_from = c.start;
      continue;
    }
    if (spec.bucket <= 0 || c.start < spec.start) continue;
    const auto i = static_cast<size_t>((c.start - spec.start) / spec.bucket);
    if (i >= spec.buckets) continue;
    bars[i][c.prefix] += c.count;
    totals[c.prefix] += c.count;
    all += c.count;
  }
  std::vector<std::pair<std::string, uint64_t>> order(totals.begin(), totals.end());
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::map<std::string, size_t> series;
  for (size_t i = 0; i < order.size(); ++i) series[order[i].first] = std::min(i, kSeries - 1);

  uint64_t peak = 0;
  for (const auto& bar : bars) {
    uint64_t sum = 0;
    for (const auto& [p, n] : bar) sum += n;
    peak = std::max(peak, sum);
  }
  const Micros end = spec.start + spec.bucket * static_cast<Micros>(spec.buckets);
  std::string summary = std::to_string(all) + (all == 1 ? " event" : " events") + " from " +
                        BucketLabel(spec.start, spec.bucket) + " to " +
                        BucketLabel(end, spec.bucket) + " (UTC)";
  std::string out = "<figure class=\"chart\">";
  out += "<svg viewBox=\"0 0 " + std::to_string(kWidth) + " " + std::to_string(kHeight) +
         "\" role=\"img\" aria-label=\"";
  AppendEscaped(spec.caption + ": " + summary, &out);
  out += "\" xmlns=\"http://www.w3.org/2000/svg\">";
  const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  const double slot = spec.buckets ? plot_w / static_cast<double>(spec.buckets) : plot_w;
  const double bar_w = std::max(1.0, slot * 0.8);
  for (size_t i = 0; i < bars.size() && peak > 0; ++i) {
    double y = kTop + plot_h;
    // Stack in legend order so colours sit in the same place in every bar.
    for (const auto& [prefix, total] : order) {
      auto it = bars[i].find(prefix);
      if (it == bars[i].end()) continue;
      const double h = plot_h * static_cast<double>(it->second) / static_cast<double>(peak);
      y -= h;
      out += "<rect class=\"s" + std::to_string(series[prefix]) + "\" x=\"" +
             Num(kLeft + slot * static_cast<double>(i) + (slot - bar_w) / 2) + "\" y=\"" + Num(y) +
             "\" width=\"" + Num(bar_w) + "\" height=\"" + Num(std::max(h, 0.5)) + "\"><title>";
      AppendEscaped(BucketLabel(spec.start + spec.bucket * static_cast<Micros>(i), spec.bucket) +
                        " · " + prefix + "* " + std::to_string(it->second),
                    &out);
      out += "</title></rect>";
    }
  }
  // Axes and labels: the peak, zero, and the first, middle and last bucket.
  out += "<line class=\"axis\" x1=\"" + std::to_string(kLeft) + "\" y1=\"" + Num(kTop + plot_h) +
         "\" x2=\"" + std::to_string(kWidth - kRight) + "\" y2=\"" + Num(kTop + plot_h) + "\"/>";
  out += "<text x=\"" + std::to_string(kLeft - 6) + "\" y=\"" + Num(kTop + 8) +
         "\" text-anchor=\"end\">" + std::to_string(peak) + "</text>";
  out += "<text x=\"" + std::to_string(kLeft - 6) + "\" y=\"" + Num(kTop + plot_h) +
         "\" text-anchor=\"end\">0</text>";
  if (spec.buckets > 0) {
    for (size_t i : {size_t{0}, spec.buckets / 2, spec.buckets - 1}) {
      const char* anchor = i == 0 ? "start" : i == spec.buckets - 1 ? "end" : "middle";
      double x = i == 0                  ? kLeft
                 : i == spec.buckets - 1 ? kWidth - kRight
                                         : kLeft + slot * (static_cast<double>(i) + 0.5);
      out += "<text x=\"" + Num(x) + "\" y=\"" + std::to_string(kHeight - 6) + "\" text-anchor=\"" +
             anchor + "\">";
      AppendEscaped(BucketLabel(spec.start + spec.bucket * static_cast<Micros>(i), spec.bucket),
                    &out);
      out += "</text>";
    }
  }
  out += "</svg><figcaption>";
  AppendEscaped(spec.caption, &out);
  out += ": ";
  AppendEscaped(summary, &out);
  out += ".";
  if (counted_from && *counted_from > spec.start) {
    out += " <strong>Counted ";
    out += *counted_from >= end ? std::string("in no bucket")
                                : "from " + BucketLabel(*counted_from, spec.bucket) + " on";
    out +=
        " only:</strong> this filter matches too many rows to count them all for a chart; narrow "
        "it "
        "(time, subject, actor, a one-part tag prefix) for the whole period.";
  }
  out += "</figcaption>";
  if (!order.empty()) {
    out += "<ul class=\"legend\" aria-label=\"Tag prefixes\">";
    for (const auto& [prefix, total] : order) {
      out += "<li><span class=\"swatch s" + std::to_string(series[prefix]) +
             "\" aria-hidden=\"true\"></span>";
      AppendEscaped(prefix + "* ", &out);
      out += std::to_string(total) + "</li>";
    }
    out += "</ul>";
  }
  out += "</figure>";
  return out;
}

}  // namespace trail::ui
