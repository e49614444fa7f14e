// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// The chart of events over time (SPEC §9): an inline SVG of stacked bars, one bar per bucket
// (an hour or a day), one colour per tag prefix, rendered on the server so it shows without
// JavaScript. Colours come from the stylesheet (classes s0…s7); each bar part has a <title>
// (a tooltip, and text for screen readers); the legend gives the totals. Pure function.
#pragma once

#include <string>
#include <vector>

#include "core/clock.h"
#include "store/histogram.h"

namespace trail::ui {

struct ChartSpec {
  Micros start = 0;     // the first bucket's start
  Micros bucket = 0;    // its length
  size_t buckets = 0;   // how many
  std::string caption;  // e.g. "Events per day, by tag prefix"
};

// `counts` from Store::CountByTime; counts outside the spec's buckets are ignored. A marker
// bucket (empty prefix: the store counted only from its start on) is said in the caption.
std::string RenderChart(const std::vector<HistogramBucket>& counts, const ChartSpec& spec);

}  // namespace trail::ui
