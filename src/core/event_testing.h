// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// The fixture shared by event_test.cc (PrepareEvent: what is accepted and refused) and
// event_json_test.cc (the leaf hash from a read, AppendEventJson, ParseEventJson).
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "core/codec.h"
#include "core/event.h"
#include "core/jcs.h"
#include "core/leaf.h"
#include "core/time_format.h"
#include "core/uuid7.h"
#include "testing/test_types.h"

namespace trail::test {

constexpr Micros kRecorded = 1'795'817'187'123'456;  // 2026-11-27T22:06:27.123456Z

class EventTest : public ::testing::Test {
 protected:
  boost::json::value Json(std::string_view text) {
    boost::json::error_code ec;
    boost::json::value v = ParseJsonExact(text, ec);
    EXPECT_FALSE(ec) << text;
    return v;
  }

  Result<PreparedEvent> Prepare(std::string_view json) {
    return PrepareEvent(Json(json), *types_, ids_);
  }

  PreparedEvent Ok(std::string_view json) {
    auto r = Prepare(json);
    EXPECT_TRUE(r.ok()) << json << ": " << r.status().ToString();
    return r.ok() ? std::move(r).value() : PreparedEvent{};
  }

  Status Error(std::string_view json) {
    auto r = Prepare(json);
    EXPECT_FALSE(r.ok()) << "accepted: " << json;
    return r.ok() ? Status::Ok() : r.status();
  }

  // What an external verifier does (SPEC §5, format 2): from an event as a read returns it,
  // drop nulls, canonicalize each layer with the JCS of core/jcs.h (not the hand-written
  // texts of core/leaf.cc), hash up to the leaf.
  static std::string LeafHashFromReadJson(const boost::json::object& read) {
    auto b64sha = [](const std::string& text) { return Base64Encode(Sha256(text)); };
    std::string body_hash;
    if (read.at("pruned").as_bool()) {
      body_hash = std::string(read.at("body_hash").as_string());
    } else {
      std::string personal_hash;
      if (auto* salt = read.if_contains("salt"); salt && !salt->is_null()) {
        boost::json::object personal{{"salt", *salt}};
        for (const char* k : {"ip", "user_agent", "location"}) {
          if (auto* v = read.if_contains(k); v && !v->is_null()) personal[k] = *v;
        }
        personal_hash = b64sha(CanonicalJson(personal));
      } else {
        personal_hash = std::string(read.at("personal_hash").as_string());
      }
      boost::json::object body{{"personal_hash", personal_hash}};
      for (const char* k : {"subject", "actor", "occurred_at", "metadata"}) {
        if (auto* v = read.if_contains(k); v && !v->is_null()) body[k] = *v;
      }
      body_hash = b64sha(CanonicalJson(body));
    }
    boost::json::object leaf{{"v", 2},
                             {"id", read.at("id")},
                             {"recorded_at", read.at("recorded_at")},
                             {"tag", read.at("tag")},
                             {"body_hash", body_hash}};
    return Sha256(std::string(1, '\0') + CanonicalJson(leaf));
  }

  // The stored event a writer would produce from `e` at `recorded`.
  static Event Stored(const PreparedEvent& e, Micros recorded, uint64_t seq) {
    Event ev;
    ev.seq = seq;
    ev.id = e.id;
    ev.recorded_at = recorded;
    ev.occurred_at = e.occurred_at.value_or(recorded);
    ev.tag = e.tag;
    ev.subject = e.subject;
    ev.actor = e.actor;
    ev.ip = e.ip;
    ev.user_agent = e.user_agent;
    ev.location_json = e.location_json;
    ev.metadata_json = e.metadata_json;
    ev.salt = e.salt;
    ev.personal_hash = e.personal_hash;
    ev.body_hash = CompleteBodyHash(e, recorded);
    ev.leaf_hash = LeafHash(e, recorded);
    return ev;
  }

  FakeClock clock_{kRecorded - 5'000'000};
  Uuid7Generator ids_{clock_};
  std::shared_ptr<const TypeRegistry> types_ = test::Types();  // src/testing/test_types.toml
};

}  // namespace trail::test
