// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// The leaf hash an external verifier recomputes from a read (SPEC §5), AppendEventJson
// (SPEC §3) and its inverse ParseEventJson. PrepareEvent itself: event_test.cc.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/event.h"
#include "core/event_testing.h"

namespace trail {
namespace {

using test::EventTest;
using test::kRecorded;
using ::testing::HasSubstr;

// --- Leaf hash, format 2 (SPEC §5; the layers themselves are tested in leaf_test.cc) ---

class LeafHashTest : public EventTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(LeafHashTest, AnExternalVerifierRecomputesItFromTheRead) {
  const std::string request = GetParam();
  PreparedEvent e = Ok(request);
  ASSERT_EQ(e.salt.size(), 16u);
  ASSERT_EQ(e.personal_hash.size(), 32u);
  const std::string leaf = LeafHash(e, kRecorded);
  EXPECT_EQ(leaf.size(), 32u);
  Event stored = Stored(e, kRecorded, 41);

  // From the read JSON, as an auditor sees it (salt included) and as a viewer who is not the
  // actor sees it (no salt: from personal_hash).
  for (bool redact : {false, true}) {
    std::string out;
    AppendEventJson(stored, &out, redact);
    boost::json::value read = Json(out);
    ASSERT_TRUE(read.is_object()) << out;
    EXPECT_EQ(read.as_object().contains("salt"), !redact) << out;
    EXPECT_EQ(LeafHashFromReadJson(read.as_object()), leaf) << out;
  }
  // The stored event recomputes it with no problem, whole, scrubbed and pruned.
  std::string problem = "unset";
  EXPECT_EQ(RecomputeLeafHash(stored, &problem), leaf);
  EXPECT_EQ(problem, "");
  Event scrubbed = stored;
  scrubbed.salt = scrubbed.ip = scrubbed.user_agent = scrubbed.location_json = std::nullopt;
  EXPECT_EQ(RecomputeLeafHash(scrubbed, &problem), leaf);
  EXPECT_EQ(problem, "");
  Event pruned = scrubbed;
  pruned.pruned = true;
  pruned.subject = pruned.actor = std::nullopt;
  pruned.personal_hash.clear();
  EXPECT_EQ(RecomputeLeafHash(pruned, &problem), leaf);
  EXPECT_EQ(problem, "");
  std::string out;
  AppendEventJson(pruned, &out);
  EXPECT_EQ(LeafHashFromReadJson(Json(out).as_object()), leaf) << out;

  // ParseEventJson (what `trail verify --url --key` reads) gives back events that recompute
  // the same leaf hash, in all three forms, with every field as it was.
  for (const Event* form : {&stored, &scrubbed, &pruned}) {
    std::string read;
    AppendEventJson(*form, &read);
    auto parsed = ParseEventJson(read);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString() << read;
    EXPECT_EQ(RecomputeLeafHash(*parsed, &problem), leaf) << read;
    EXPECT_EQ(problem, "") << read;
    EXPECT_EQ(parsed->leaf_hash, form->leaf_hash);
    std::string again;
    AppendEventJson(*parsed, &again);
    EXPECT_EQ(again, read);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Events, LeafHashTest,
    ::testing::Values(
        // Bare minimum: no actor, ip, user agent, occurred_at, metadata.
        R"({"tag":"account:login:success","subject":"user:alice"})",
        // Everything present.
        R"({"tag":"project:role:add","subject":"project:requests","actor":"alice","ip":"203.0.113.7",
            "user_agent":"warehouse/1.0","metadata":{"target_user":"bob","role_name":"Maintainer",
            "submitted_by":"carol"},"occurred_at":"2026-11-27T22:03:07.123456Z","idempotency_key":"k1",
            "location":{"country":"NZ","city":"Wellington","region":"WGN","country_name":"New Zealand"}})",
        // Each optional alone.
        R"({"tag":"account:login:success","subject":"user:a","actor":"a"})",
        R"({"tag":"account:login:success","subject":"user:a","ip":"2001:db8::1"})",
        R"({"tag":"account:login:success","subject":"user:a","user_agent":"curl/8.0"})",
        R"({"tag":"account:login:success","subject":"user:a","location":{"country":"DE"}})",
        R"({"tag":"account:login:success","subject":"user:a","occurred_at":"2020-02-29T23:59:59.999999Z"})",
        R"({"tag":"account:login:success","subject":"user:a","occurred_at":"2026-01-01T05:30:00.5+05:30"})",
        // A client id, uppercase.
        R"({"tag":"account:login:success","subject":"user:a","id":"0193A2B4-C5D6-7E8F-9A0B-1C2D3E4F5A6B"})",
        // Unicode and escapes in every string.
        R"({"tag":"account:login:success","subject":"user:j\u00fcrgen \u2603 \ud83d\ude00",
            "actor":"\"quoted\" \\back\\slash\/ \u0000\u0001\u001f\u007f \b\f\n\r\t",
            "user_agent":"Mozilla/5.0 \u2028\u2029 \u00e9\u00e8 \ue000 \ud800\udc00",
            "location":{"city":"Z\u00fcrich \ud83d\ude00","country":"CH"}})",
        // Nested metadata with keys that sort differently in UTF-16 and UTF-8, numbers,
        // literals and nulls.
        R"({"tag":"project:release:add","subject":"project:requests","actor":"alice",
            "metadata":{"version":"2.32.0","files":[{"name":"a.whl","size":1},{"z":null,"a":[true,false]}],
            "details":{"\ud83d\ude00":1,"\ue000":2,"b":{"y":[1.5,-0,1e21,1e-7,333333333.33333329]},"a":"\u20ac"},
            "size":9007199254740991,"extra":{"deep":{"deeper":{"deepest":[[[]]]}}},"neg":-12}})"));

// SPEC §2, §5: the description is rendered on read from the running types and never stored.
TEST_F(EventTest, DescriptionIsRenderedOnReadFromTheTypes) {
  Event e = Stored(Ok(R"({"tag":"project:role:add","subject":"project:requests","actor":"alice",
      "metadata":{"target_user":"bob","role_name":"Maintainer"}})"),
                   kRecorded, 3);
  EXPECT_EQ(DescribeEvent(*types_, e), "alice added bob as Maintainer");
  // A template changed by a reload applies to the whole history.
  auto next = TypeRegistry::FromToml(R"x([[event]]
tag = "project:role:add"
subject = "project"
description = "{target_user} became {role_name} (by {actor})"
fields = { target_user = "string", role_name = "string" }
)x",
                                     "next.toml");
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(DescribeEvent(**next, e), "bob became Maintainer (by alice)");
  // Pruned events and tags no longer registered have none.
  Event pruned = e;
  pruned.pruned = true;
  EXPECT_EQ(DescribeEvent(*types_, pruned), "");
  Event unknown = e;
  unknown.tag = "project:gone";
  EXPECT_EQ(DescribeEvent(*types_, unknown), "");
  // Templates naming only built-ins never parse the metadata.
  Event login =
      Stored(Ok(R"({"tag":"account:login:success","subject":"user:a","actor":"a"})"), kRecorded, 4);
  login.metadata_json = "not json";
  EXPECT_EQ(DescribeEvent(*types_, login), "a logged in");
}

TEST_F(EventTest, EachEventGetsItsOwnSalt) {
  const char* req = R"({"tag":"account:login:success","subject":"user:a","ip":"10.0.0.1",
      "occurred_at":"2026-01-01T00:00:00Z","id":"0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b"})";
  PreparedEvent a = Ok(req), b = Ok(req);
  EXPECT_NE(a.salt, b.salt);
  // So the same ip never hashes alike: personal_hash does not reveal a guessable ip.
  EXPECT_NE(a.personal_hash, b.personal_hash);
  EXPECT_NE(LeafHash(a, kRecorded), LeafHash(b, kRecorded));
}

TEST_F(EventTest, BodyIsHashedInTheRequestThreadWhenOccurredAtIsKnown) {
  PreparedEvent given = Ok(
      R"({"tag":"account:login:success","subject":"user:a","occurred_at":"2026-01-01T00:00:00Z"})");
  EXPECT_EQ(given.body_hash.size(), 32u);
  EXPECT_EQ(CompleteBodyHash(given, kRecorded), given.body_hash);
  EXPECT_EQ(CompleteBodyHash(given, kRecorded + 1), given.body_hash);
  // Without occurred_at the body holds recorded_at, which only the writer knows.
  PreparedEvent later = Ok(R"({"tag":"account:login:success","subject":"user:a"})");
  EXPECT_TRUE(later.body_hash.empty());
  EXPECT_NE(CompleteBodyHash(later, kRecorded), CompleteBodyHash(later, kRecorded + 1));
}

TEST_F(EventTest, IdempotencyKeyIsNotPartOfTheLeaf) {
  PreparedEvent a = Ok(
      R"({"tag":"account:login:success","subject":"user:a","id":"0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b"})");
  PreparedEvent b = Ok(
      R"({"tag":"account:login:success","subject":"user:a","id":"0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b","idempotency_key":"k"})");
  b.salt = a.salt;
  b.personal_hash = a.personal_hash;
  EXPECT_EQ(LeafHash(a, kRecorded), LeafHash(b, kRecorded));
}

TEST_F(EventTest, LeafHashDependsOnEveryStoredField) {
  const char* base = R"({"tag":"project:role:add","subject":"project:r","actor":"a","ip":"10.0.0.1",
      "user_agent":"u","metadata":{"target_user":"b","role_name":"r"},"occurred_at":"2026-01-01T00:00:00Z",
      "id":"0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b","location":{"country":"NZ"}})";
  PreparedEvent first = Ok(base);
  auto with_salt = [&](PreparedEvent e) {  // the same salt, so only the field differs
    e.salt = first.salt;
    e.personal_hash = PersonalHash(e.salt, e.ip, e.user_agent, e.location_json);
    e.body_hash.clear();
    return LeafHash(e, kRecorded);
  };
  const std::string h = with_salt(first);
  EXPECT_NE(LeafHash(first, kRecorded + 1), h);
  boost::json::object o = Json(base).as_object();
  auto variant = [&](const char* key, boost::json::value v) {
    boost::json::object c = o;
    c[key] = std::move(v);
    return with_salt(Ok(boost::json::serialize(c)));
  };
  EXPECT_NE(variant("subject", "project:s"), h);
  EXPECT_NE(variant("actor", "b"), h);
  EXPECT_NE(variant("actor", nullptr), h);
  EXPECT_NE(variant("ip", "10.0.0.2"), h);
  EXPECT_NE(variant("user_agent", "v"), h);
  EXPECT_NE(variant("location", Json(R"({"country":"AU"})")), h);
  EXPECT_NE(variant("occurred_at", "2026-01-01T00:00:00.000001Z"), h);
  EXPECT_NE(variant("id", "0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6c"), h);
  EXPECT_NE(variant("metadata", Json(R"({"target_user":"b","role_name":"s"})")), h);
  EXPECT_EQ(variant("idempotency_key", "x"), h);
}

TEST_F(EventTest, LocationIsCheckedStrictly) {
  EXPECT_THAT(
      Error(R"({"tag":"account:login:success","subject":"user:a","location":"NZ"})").message(),
      HasSubstr("location: expected an object"));
  EXPECT_THAT(
      Error(R"({"tag":"account:login:success","subject":"user:a","location":{"country":"nz"}})")
          .message(),
      HasSubstr("ISO 3166-1"));
  EXPECT_THAT(
      Error(R"({"tag":"account:login:success","subject":"user:a","location":{"country":"NZL"}})")
          .message(),
      HasSubstr("ISO 3166-1"));
  EXPECT_THAT(
      Error(R"({"tag":"account:login:success","subject":"user:a","location":{"planet":"Earth"}})")
          .message(),
      HasSubstr("location.planet"));
  EXPECT_THAT(Error(R"({"tag":"account:login:success","subject":"user:a","location":{"city":1}})")
                  .message(),
              HasSubstr("location.city: expected a string"));
  EXPECT_THAT(Error(R"({"tag":"account:login:success","subject":"user:a","location":{"city":""}})")
                  .message(),
              HasSubstr("location.city"));
  PreparedEvent e = Ok(
      R"({"tag":"account:login:success","subject":"user:a","location":{"region":"WGN","city":"Wellington"}})");
  EXPECT_EQ(e.location_json, R"({"city":"Wellington","region":"WGN"})");
  EXPECT_FALSE(
      Ok(R"({"tag":"account:login:success","subject":"user:a","location":{}})").location_json);
}

// --- AppendEventJson (SPEC §3) ---

TEST_F(EventTest, EventJsonHasEveryFieldOfTheSpec) {
  PreparedEvent e = Ok(R"({"tag":"project:role:add","subject":"project:requests","actor":"alice",
      "ip":"203.0.113.7","user_agent":"warehouse/1.0","metadata":{"target_user":"bob","role_name":"Maintainer"},
      "occurred_at":"2026-11-27T22:03:07.123456Z"})");
  Event ev = Stored(e, kRecorded, 41);
  ev.description = DescribeEvent(*types_, ev);
  std::string out;
  AppendEventJson(ev, &out);
  boost::json::object o = Json(out).as_object();
  EXPECT_EQ(o.size(), 16u) << out;
  EXPECT_EQ(o.at("id").as_string(), e.id);
  EXPECT_EQ(o.at("seq").as_int64(), 41);
  EXPECT_EQ(o.at("recorded_at").as_string(), "2026-11-27T22:06:27.123456Z");
  EXPECT_EQ(o.at("occurred_at").as_string(), "2026-11-27T22:03:07.123456Z");
  EXPECT_EQ(o.at("tag").as_string(), "project:role:add");
  EXPECT_EQ(o.at("subject").as_string(), "project:requests");
  EXPECT_EQ(o.at("actor").as_string(), "alice");
  EXPECT_EQ(o.at("ip").as_string(), "203.0.113.7");
  EXPECT_EQ(o.at("user_agent").as_string(), "warehouse/1.0");
  EXPECT_EQ(o.at("metadata"), Json(R"({"target_user":"bob","role_name":"Maintainer"})"));
  EXPECT_EQ(o.at("description").as_string(), "alice added bob as Maintainer");
  auto hash = Base64Decode(o.at("leaf_hash").as_string());
  ASSERT_TRUE(hash);
  EXPECT_EQ(*hash, LeafHash(e, kRecorded));
  EXPECT_EQ(Base64Decode(o.at("body_hash").as_string()), e.body_hash);
  EXPECT_EQ(Base64Decode(o.at("personal_hash").as_string()), e.personal_hash);
  EXPECT_EQ(Base64Decode(o.at("salt").as_string()), e.salt);
  EXPECT_EQ(o.at("pruned").as_bool(), false);
}

TEST_F(EventTest, EventJsonWritesAbsentFieldsAsNull) {
  PreparedEvent e = Ok(R"({"tag":"account:login:success","subject":"user:a"})");
  Event ev = Stored(e, kRecorded, 0);
  std::string out;
  AppendEventJson(ev, &out);
  boost::json::object o = Json(out).as_object();
  EXPECT_TRUE(o.at("actor").is_null());
  EXPECT_TRUE(o.at("ip").is_null());
  EXPECT_TRUE(o.at("user_agent").is_null());
  EXPECT_EQ(o.at("occurred_at").as_string(), o.at("recorded_at").as_string());
  EXPECT_EQ(o.at("metadata"), boost::json::object());
  EXPECT_EQ(o.at("seq").as_int64(), 0);
}

TEST_F(EventTest, EventJsonRedactsNetworkFieldsOnRequest) {
  PreparedEvent e =
      Ok(R"({"tag":"account:login:success","subject":"user:a","ip":"10.1.2.3","user_agent":"ua"})");
  Event ev = Stored(e, kRecorded, 3);
  std::string out;
  AppendEventJson(ev, &out, /*redact_network=*/true);
  boost::json::object o = Json(out).as_object();
  EXPECT_EQ(o.at("ip").as_string(), "redacted");
  EXPECT_EQ(o.at("user_agent").as_string(), "redacted");
  // The salt would let a reader test guesses of the ip against personal_hash.
  EXPECT_FALSE(o.contains("salt")) << out;
  EXPECT_TRUE(o.contains("personal_hash")) << out;
  // The description keeps what the template put in; redaction covers the fields only.
  EXPECT_EQ(o.at("leaf_hash").as_string(), Base64Encode(LeafHash(e, kRecorded)));
  // Absent values stay null rather than "redacted".
  Event bare = Stored(Ok(R"({"tag":"account:login:success","subject":"user:a"})"), kRecorded, 4);
  out.clear();
  AppendEventJson(bare, &out, true);
  o = Json(out).as_object();
  EXPECT_TRUE(o.at("ip").is_null());
  EXPECT_TRUE(o.at("user_agent").is_null());
}

TEST_F(EventTest, EventJsonOfAPrunedEvent) {
  Event ev;
  ev.seq = 7;
  ev.id = "0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b";
  ev.recorded_at = kRecorded;
  ev.tag = "account:login:success";
  ev.leaf_hash = std::string(32, '\x01');
  ev.body_hash = std::string(32, '\x02');
  ev.pruned = true;
  std::string out;
  AppendEventJson(ev, &out);
  boost::json::object o = Json(out).as_object();
  EXPECT_EQ(o.size(), 15u) << out;
  EXPECT_EQ(o.at("body_hash").as_string(), Base64Encode(ev.body_hash));
  EXPECT_TRUE(o.at("personal_hash").is_null());
  EXPECT_FALSE(o.contains("salt"));
  EXPECT_EQ(o.at("seq").as_int64(), 7);
  EXPECT_EQ(o.at("tag").as_string(), "account:login:success");
  for (const char* k :
       {"occurred_at", "subject", "actor", "ip", "user_agent", "metadata", "description"})
    EXPECT_TRUE(o.at(k).is_null()) << k;
  EXPECT_TRUE(o.at("pruned").as_bool());
  EXPECT_EQ(o.at("leaf_hash").as_string(), Base64Encode(ev.leaf_hash));
}

TEST_F(EventTest, EventJsonWithoutSeq) {
  Event ev = Stored(Ok(R"({"tag":"account:login:success","subject":"user:a"})"), kRecorded, 0);
  ev.has_seq = false;
  std::string out;
  AppendEventJson(ev, &out);
  EXPECT_TRUE(Json(out).as_object().at("seq").is_null());
}

TEST_F(EventTest, EventJsonEscapesStrings) {
  PreparedEvent e = Ok(R"({"tag":"account:login:success","subject":"user:\"x\"\u2028",
      "actor":"a\\b\n\u0000","user_agent":"\ud83d\ude00"})");
  Event ev = Stored(e, kRecorded, 1);
  std::string out;
  AppendEventJson(ev, &out);
  boost::json::object o = Json(out).as_object();
  EXPECT_EQ(o.at("subject").as_string(), "user:\"x\"\xe2\x80\xa8");
  EXPECT_EQ(o.at("actor").as_string(), std::string_view("a\\b\n\0", 5));
  EXPECT_EQ(o.at("user_agent").as_string(), "\xf0\x9f\x98\x80");
}

// --- ParseEventJson (the inverse, for verifiers) ---

TEST_F(EventTest, ParseEventJsonCanonicalizesObjectsAndTakesAnyRfc3339Time) {
  Event ev =
      Stored(Ok(R"({"tag":"project:role:add","subject":"project:p","actor":"alice","ip":"10.0.0.1",
      "location":{"country":"NZ","city":"Wellington"},"metadata":{"target_user":"b","role_name":"Owner"}})"),
             kRecorded, 3);
  ev.leaf_hash = RecomputeLeafHash(ev);
  std::string read;
  AppendEventJson(ev, &read);
  boost::json::object o = Json(read).as_object();
  o["metadata"] = Json(R"({ "target_user" : "b", "role_name" : "Owner" })");
  o["location"] = Json(R"({"country":"NZ", "city":"Wellington"})");
  o["recorded_at"] = "2026-11-28T00:06:27.123456+02:00";
  auto parsed = ParseEventJson(o);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->metadata_json, ev.metadata_json);
  EXPECT_EQ(parsed->location_json, ev.location_json);
  EXPECT_EQ(parsed->recorded_at, kRecorded);
  EXPECT_EQ(parsed->seq, 3u);
  EXPECT_EQ(RecomputeLeafHash(*parsed), ev.leaf_hash);
}

TEST_F(EventTest, ParseEventJsonRefusesWhatNoReadHolds) {
  Event ev = Stored(Ok(R"({"tag":"account:login:success","subject":"user:a","ip":"10.0.0.1"})"),
                    kRecorded, 3);
  std::string read;
  AppendEventJson(ev, &read);
  const boost::json::object good = Json(read).as_object();
  ASSERT_TRUE(ParseEventJson(good).ok());
  auto refused = [&](const char* key, boost::json::value v) {
    boost::json::object o = good;
    if (v.is_string() && v.get_string() == "<erase>") {
      o.erase(key);
    } else {
      o[key] = v;
    }
    auto r = ParseEventJson(o);
    return r.ok() ? std::string("accepted") : r.status().message();
  };
  EXPECT_EQ(refused("id", "<erase>"), "id: missing");
  EXPECT_EQ(refused("tag", 5), "tag: expected a string");
  EXPECT_EQ(refused("recorded_at", "yesterday"), "recorded_at: not an RFC 3339 time");
  EXPECT_EQ(refused("occurred_at", nullptr), "occurred_at: missing");
  EXPECT_EQ(refused("leaf_hash", "not*base64"), "leaf_hash: not base64");
  EXPECT_EQ(refused("salt", 1), "salt: expected a string");
  EXPECT_EQ(refused("metadata", "{}"), "metadata: expected an object");
  EXPECT_EQ(refused("location", boost::json::array{}), "location: expected an object");
  EXPECT_EQ(refused("pruned", "<erase>"), "pruned: expected true or false");
  EXPECT_EQ(refused("seq", -1), "seq: expected a whole number");
  EXPECT_EQ(refused("personal_hash", nullptr), "personal_hash: missing");
  EXPECT_EQ(refused("future_member", 1), "accepted");
  EXPECT_FALSE(ParseEventJson(std::string_view("[]")).ok());
  EXPECT_FALSE(ParseEventJson(std::string_view("{\"id\":")).ok());

  // A pruned event reads with nothing but id, seq, recorded_at, tag and the two hashes.
  Event pruned;
  pruned.id = ev.id;
  pruned.recorded_at = kRecorded;
  pruned.tag = ev.tag;
  pruned.body_hash = ev.body_hash;
  pruned.leaf_hash = LeafHash(ev.id, kRecorded, ev.tag, ev.body_hash);
  pruned.pruned = true;
  read.clear();
  AppendEventJson(pruned, &read);
  boost::json::object p = Json(read).as_object();
  ASSERT_TRUE(ParseEventJson(p).ok());
  for (const char* key :
       {"subject", "actor", "ip", "occurred_at", "description", "salt", "personal_hash"}) {
    boost::json::object o = p;
    o[key] = good.contains(key) && !good.at(key).is_null() ? good.at(key) : boost::json::value("x");
    auto r = ParseEventJson(o);
    ASSERT_FALSE(r.ok()) << key;
    EXPECT_EQ(r.status().message(), std::string("a pruned event shows ") + key);
  }
}

// The exact text of one event, appended after what the buffer holds, twice: the way a page
// of a read is written.
TEST_F(EventTest, EventJsonAppendsToWhatIsThere) {
  Event ev;
  ev.id = "0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b";
  ev.seq = 9;
  ev.recorded_at = kRecorded;
  ev.occurred_at = kRecorded - 1'000'000;
  ev.tag = "account:login:success";
  ev.subject = "user:a";
  ev.actor = "a";
  ev.metadata_json = "{}";
  ev.description = "a logged in";
  ev.leaf_hash = std::string(32, '\x01');
  ev.body_hash = std::string(32, '\x02');
  ev.personal_hash = std::string(32, '\x03');
  const std::string one =
      R"({"id":"0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b","seq":9,"recorded_at":"2026-11-27T22:06:27.123456Z",)"
      R"("occurred_at":"2026-11-27T22:06:26.123456Z","tag":"account:login:success","subject":"user:a",)"
      R"("actor":"a","ip":null,"user_agent":null,"metadata":{},"description":"a logged in",)"
      R"("leaf_hash":"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=",)"
      R"("body_hash":"AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=",)"
      R"("personal_hash":"AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwM=","pruned":false})";
  std::string out = "[";
  AppendEventJson(ev, &out);
  EXPECT_EQ(out, "[" + one);
  out += ",";
  AppendEventJson(ev, &out);
  out += "]";
  EXPECT_EQ(out, "[" + one + "," + one + "]");
}

// Found by fuzz_event_json: a hash read as "" is not an empty hash. It would write back out as
// null and parse no more (the reader's round trip broke).
TEST_F(EventTest, ParseEventJsonRefusesHashesAndSaltsOfTheWrongSize) {
  PreparedEvent p = Ok(R"({"tag":"account:login:success","subject":"user:a","ip":"10.0.0.1"})");
  std::string out;
  AppendEventJson(Stored(p, kRecorded, 1), &out);
  ASSERT_TRUE(ParseEventJson(out).ok()) << out;
  for (const char* key : {"personal_hash", "body_hash", "leaf_hash", "salt"}) {
    boost::json::object o = Json(out).as_object();
    o[key] = "";
    EXPECT_FALSE(ParseEventJson(boost::json::serialize(o)).ok()) << key;
    o[key] = "AAAA";
    EXPECT_FALSE(ParseEventJson(boost::json::serialize(o)).ok()) << key;
  }
}

}  // namespace
}  // namespace trail
