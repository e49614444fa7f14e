// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// Helpers shared by the benchmark programs (bench/*.cc): flag parsing, timing, percentiles,
// a tiny JSON writer for the one-line results that bench/run.py reads, and turning Workload
// events into PreparedEvents exactly as the HTTP ingest path does (PrepareEvent on the parsed
// JSON, with the types of examples/warehouse/events.toml).
#pragma once

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/event_types.h"
#include "core/json_text.h"
#include "core/uuid7.h"
#include "loadgen/workload.h"

namespace trail::bench {

[[noreturn]] inline void Die(const std::string& msg) {
  std::fprintf(stderr, "bench: %s\n", msg.c_str());
  std::exit(1);
}

// --name value pairs; a flag without a value (next token starts with "--") reads as "1".
class Flags {
 public:
  Flags(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
      std::string a = argv[i];
      if (a.rfind("--", 0) != 0) Die("unexpected argument " + a);
      a = a.substr(2);
      if (auto eq = a.find('='); eq != std::string::npos) {
        v_[a.substr(0, eq)] = a.substr(eq + 1);
      } else if (i + 1 < argc && std::string(argv[i + 1]).rfind("--", 0) != 0) {
        v_[a] = argv[++i];
      } else {
        v_[a] = "1";
      }
    }
  }
  std::string Str(const std::string& k, const std::string& def = "") const {
    auto it = v_.find(k);
    return it == v_.end() ? def : it->second;
  }
  double Num(const std::string& k, double def) const {
    auto it = v_.find(k);
    return it == v_.end() ? def : std::stod(it->second);
  }
  bool Has(const std::string& k) const { return v_.count(k) > 0; }

 private:
  std::map<std::string, std::string> v_;
};

inline double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Nearest-rank percentile (p in [0,1]) of an unsorted sample; sorts a copy.
inline double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t k = static_cast<size_t>(p * static_cast<double>(v.size()) + 0.999999);
  if (k == 0) k = 1;
  return v[std::min(k, v.size()) - 1];
}

inline double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Builds one JSON object; values are numbers, strings, arrays of numbers or nested JSON text.
class JsonObj {
 public:
  JsonObj& Num(const std::string& k, double v) {
    Key(k);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    s_ += buf;
    return *this;
  }
  JsonObj& Int(const std::string& k, uint64_t v) {
    Key(k);
    s_ += std::to_string(v);
    return *this;
  }
  JsonObj& Str(const std::string& k, const std::string& v) {
    Key(k);
    AppendJsonString(v, &s_);
    return *this;
  }
  JsonObj& Nums(const std::string& k, const std::vector<double>& v) {
    Key(k);
    s_ += '[';
    for (size_t i = 0; i < v.size(); ++i) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%s%.6g", i ? "," : "", v[i]);
      s_ += buf;
    }
    s_ += ']';
    return *this;
  }
  JsonObj& Raw(const std::string& k, const std::string& json) {
    Key(k);
    s_ += json;
    return *this;
  }
  std::string Text() const { return s_ + "}"; }

 private:
  void Key(const std::string& k) {
    s_ += s_.size() > 1 ? "," : "";
    AppendJsonString(k, &s_);
    s_ += ':';
  }
  std::string s_ = "{";
};

inline std::shared_ptr<const TypeRegistry> LoadTypes(const std::string& file) {
  auto t = TypeRegistry::FromFile(file);
  if (!t.ok()) Die("event types " + file + ": " + t.status().ToString());
  return *t;
}

// The next Workload event, prepared as the HTTP ingest path prepares it (arriving at `arrival`'s
// now: the server's occurred_at, since the workload sends none).
inline PreparedEvent NextPrepared(Workload& w, const TypeRegistry& types, Uuid7Generator& ids,
                                  const Clock& arrival = SystemClock::Get()) {
  std::string text = w.NextJson();
  boost::json::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec) Die("workload produced bad JSON: " + text);
  auto e = PrepareEvent(v, types, ids, arrival.NowMicros());
  if (!e.ok()) Die("workload event refused: " + e.status().ToString() + ": " + text);
  return std::move(e.value());
}

// Print one result line (stdout is for results only; progress goes to stderr).
inline void Emit(const JsonObj& o) {
  std::printf("%s\n", o.Text().c_str());
  std::fflush(stdout);
}

inline void Progress(const std::string& msg) {
  std::fprintf(stderr, "  %s\n", msg.c_str());
  std::fflush(stderr);
}

}  // namespace trail::bench
