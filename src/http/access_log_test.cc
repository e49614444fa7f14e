// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "http/access_log.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace trail {
namespace {

constexpr Micros kNow = 1'796'478'814'123'456;  // 2026-12-05T…

AccessEntry Entry() {
  AccessEntry e;
  e.method = "GET";
  e.route = "/ui/history/{subject}";
  e.path = "/ui/history/user:al\xffice\n";  // a client's bytes: not UTF-8, a newline
  e.status = 200;
  e.bytes = 12;
  e.seconds = 0.0021;
  e.request_id = "0123456789abcdef";
  e.remote_ip = "127.0.0.1";
  return e;
}

TEST(AccessLog, JsonIsOneValidObjectPerLine) {
  const std::string line = FormatAccessLine(LogFormat::kJson, kNow, Entry());
  EXPECT_EQ(line.find('\n'), std::string::npos);
  const boost::json::object o = boost::json::parse(line).as_object();
  EXPECT_EQ(o.at("msg"), "access");
  EXPECT_EQ(o.at("level"), "info");
  EXPECT_EQ(o.at("path"), "/ui/history/user:al%FFice%0A");
  EXPECT_EQ(o.at("route"), "/ui/history/{subject}");
  EXPECT_EQ(o.at("status"), 200);
  EXPECT_EQ(o.at("bytes"), 12);
  EXPECT_EQ(o.at("request_id"), "0123456789abcdef");
  EXPECT_EQ(o.at("time").as_string().size(), 27u);
}

TEST(AccessLog, TextIsOneLineOfTokens) {
  AccessEntry e = Entry();
  e.bytes = -1;  // a stream
  EXPECT_EQ(FormatAccessLine(LogFormat::kText, kNow, e),
            "trail: access GET /ui/history/user:al%FFice%0A 200 - 0.002100s "
            "route=/ui/history/{subject} id=0123456789abcdef ip=127.0.0.1");
}

TEST(LogLine, JsonLevelsAndBytesThatAreNotUtf8) {
  auto o = boost::json::parse(FormatLogLine(LogFormat::kJson, kNow, "internal error 12 on GET /x"))
               .as_object();
  EXPECT_EQ(o.at("level"), "error");
  o = boost::json::parse(FormatLogLine(LogFormat::kJson, kNow, "bad \xc3 byte")).as_object();
  EXPECT_EQ(o.at("level"), "info");
  EXPECT_EQ(o.at("msg"), "bad %C3 byte");
  EXPECT_EQ(FormatLogLine(LogFormat::kText, kNow, "serving"), "trail: serving");
  EXPECT_FALSE(ParseLogFormat("xml").has_value());
}

}  // namespace
}  // namespace trail
