// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "loadgen/workload.h"

#include <fmt/format.h>

namespace trail {

std::string Workload::NextJson() {
  ++n_;
  uint32_t kind = Pick(100);
  uint32_t user = Pick(shape_.users);
  uint32_t ip = Pick(shape_.ips);
  std::string ipt = fmt::format("10.{}.{}.{}", (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
  static const char* kAgents[] = {"pip/24.0 CPython/3.12.1", "twine/5.0.0 CPython/3.11.7",
                                  "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0", "uv/0.4.0"};
  const char* ua = kAgents[Pick(4)];
  actor_ = fmt::format("u{}", user);
  if (kind < 40) {
    tag_ = "account:login:success";
    subject_ = fmt::format("user:u{}", user);
    return fmt::format(
        R"({{"tag":"account:login:success","subject":"{}","actor":"u{}","ip":"{}","user_agent":"{}","metadata":{{"auth_method":"password","two_factor_method":"totp"}}}})",
        subject_, user, ipt, ua);
  }
  if (kind < 50) {
    tag_ = "account:login:failure";
    subject_ = fmt::format("user:u{}", user);
    return fmt::format(
        R"({{"tag":"account:login:failure","subject":"{}","actor":"u{}","ip":"{}","user_agent":"{}","metadata":{{"reason":"bad password","failed_attempts":{}}}}})",
        subject_, user, ipt, ua, Pick(5) + 1);
  }
  uint32_t project = Pick(shape_.projects);
  subject_ = fmt::format("project:p{}", project);
  if (kind < 75) {
    tag_ = "project:release:add";
    return fmt::format(
        R"({{"tag":"project:release:add","subject":"{}","actor":"u{}","ip":"{}","user_agent":"{}","metadata":{{"version":"{}.{}.{}","files":{},"uploaded_via":"twine"}}}})",
        subject_, user, ipt, ua, Pick(5), Pick(20), n_ % 100, Pick(8) + 1);
  }
  if (kind < 90) {
    tag_ = "project:file:add";
    return fmt::format(
        R"({{"tag":"project:file:add","subject":"{}","actor":"u{}","ip":"{}","user_agent":"{}","metadata":{{"filename":"p{}-1.{}.0-py3-none-any.whl","version":"1.{}.0","size":{},"sha256":"{:016x}{:016x}"}}}})",
        subject_, user, ipt, ua, project, Pick(30), Pick(30), 10000 + Pick(5000000), rng_(),
        rng_());
  }
  if (kind < 95) {
    tag_ = "project:role:add";
    return fmt::format(
        R"({{"tag":"project:role:add","subject":"{}","actor":"u{}","ip":"{}","user_agent":"{}","metadata":{{"target_user":"u{}","role_name":"Maintainer"}}}})",
        subject_, user, ipt, ua, Pick(shape_.users));
  }
  tag_ = "project:api_token:added";
  return fmt::format(
      R"({{"tag":"project:api_token:added","subject":"{}","actor":"u{}","ip":"{}","user_agent":"{}","metadata":{{"token_name":"ci-{}","caveats":["project:p{}"]}}}})",
      subject_, user, ipt, ua, n_, project);
}

}  // namespace trail
