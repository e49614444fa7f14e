// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// PrepareEvent: what it accepts, what it refuses and with which error, client ids, the size
// limit, the typed overload. The leaf hash and the JSON of a read: event_json_test.cc.
#include "core/event.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/event_testing.h"

namespace trail {
namespace {

using test::EventTest;
using test::kRecorded;
using ::testing::HasSubstr;

// --- PrepareEvent: what is accepted ---

TEST_F(EventTest, MinimalEventNeedsOnlyTagAndSubject) {
  PreparedEvent e = Ok(R"({"tag":"account:login:success","subject":"user:alice"})");
  EXPECT_EQ(e.tag, "account:login:success");
  EXPECT_EQ(e.subject, "user:alice");
  EXPECT_FALSE(e.actor || e.ip || e.user_agent || e.occurred_at || e.idempotency_key);
  EXPECT_EQ(e.metadata_json, "{}");
  EXPECT_TRUE(IsUuid(e.id));
  EXPECT_EQ(e.id[14], '7');
  EXPECT_FALSE(e.id_from_client);
  EXPECT_EQ(DescribeEvent(*types_, Stored(e, kRecorded, 0)), " logged in");
}

TEST_F(EventTest, FullEventKeepsEveryField) {
  PreparedEvent e = Ok(R"({"tag":"project:role:add","subject":"project:requests","actor":"alice",
      "ip":"203.0.113.7","user_agent":"warehouse/1.0",
      "metadata":{"target_user":"bob","role_name":"Maintainer"},
      "occurred_at":"2026-11-27T22:03:07.123456Z","idempotency_key":"c0b8"})");
  EXPECT_EQ(e.actor, "alice");
  EXPECT_EQ(e.ip, "203.0.113.7");
  EXPECT_EQ(e.user_agent, "warehouse/1.0");
  EXPECT_EQ(e.idempotency_key, "c0b8");
  EXPECT_EQ(e.occurred_at, ParseRfc3339("2026-11-27T22:03:07.123456Z"));
  EXPECT_EQ(e.metadata_json, R"({"role_name":"Maintainer","target_user":"bob"})");
  EXPECT_EQ(DescribeEvent(*types_, Stored(e, kRecorded, 0)), "alice added bob as Maintainer");
}

TEST_F(EventTest, NullOptionalMembersAreAbsent) {
  PreparedEvent e = Ok(R"({"tag":"account:login:success","subject":"user:a","actor":null,"ip":null,
      "user_agent":null,"occurred_at":null,"idempotency_key":null,"id":null,"metadata":null})");
  EXPECT_FALSE(e.actor || e.ip || e.user_agent || e.occurred_at || e.idempotency_key);
  EXPECT_FALSE(e.id_from_client);
  EXPECT_EQ(e.metadata_json, "{}");
}

TEST_F(EventTest, SubjectIdMayContainColons) {
  PreparedEvent e = Ok(R"({"tag":"account:login:success","subject":"user:a:b:c"})");
  EXPECT_EQ(e.subject, "user:a:b:c");
}

TEST_F(EventTest, Ipv6IsAccepted) {
  EXPECT_EQ(Ok(R"({"tag":"account:login:success","subject":"user:a","ip":"2001:db8::1"})").ip,
            "2001:db8::1");
  EXPECT_EQ(Ok(R"({"tag":"account:login:success","subject":"user:a","ip":"::1"})").ip, "::1");
}

TEST_F(EventTest, WithoutOccurredAtTheArrivalTimeIsTheServersValueAndTheBodyIsHashedAtOnce) {
  const Micros arrived = 1'780'000'000'123'456;
  auto sent =
      PrepareEvent(Json(R"({"tag":"account:login:success","subject":"user:a","ip":"192.0.2.1"})"),
                   *types_, ids_, arrived);
  ASSERT_TRUE(sent.ok()) << sent.status().ToString();
  EXPECT_EQ(sent->occurred_at, arrived);
  EXPECT_EQ(sent->body_hash, BodyHash("user:a", std::nullopt, arrived, "{}", sent->personal_hash));
  // The writer's recorded_at, later, does not enter the body: the leaf is the same whenever it
  // is written, and a stored copy verifies.
  EXPECT_EQ(LeafHash(*sent, arrived + 5000),
            LeafHash(sent->id, arrived + 5000, sent->tag, sent->body_hash));
  std::string problem;
  Event stored = Stored(*sent, arrived + 5000, 0);
  EXPECT_EQ(RecomputeLeafHash(stored, &problem), stored.leaf_hash);
  EXPECT_EQ(problem, "");
  // A sent occurred_at wins over the arrival time.
  auto own = PrepareEvent(
      Json(
          R"({"tag":"account:login:success","subject":"user:a","occurred_at":"2026-01-01T00:00:00Z"})"),
      *types_, ids_, arrived);
  ASSERT_TRUE(own.ok());
  EXPECT_EQ(own->occurred_at, ParseRfc3339("2026-01-01T00:00:00Z"));
}

TEST_F(EventTest, OccurredAtWithAnOffsetIsStoredInUtc) {
  PreparedEvent e = Ok(
      R"({"tag":"account:login:success","subject":"user:a","occurred_at":"2026-01-01T05:30:00+05:30"})");
  ASSERT_TRUE(e.occurred_at);
  EXPECT_EQ(FormatRfc3339Micros(*e.occurred_at), "2026-01-01T00:00:00.000000Z");
}

// --- PrepareEvent: what is refused ---

TEST_F(EventTest, TagAndSubjectAreRequired) {
  EXPECT_THAT(Error(R"({"subject":"user:a"})").message(), HasSubstr("tag: required"));
  EXPECT_THAT(Error(R"({"tag":"account:login:success"})").message(),
              HasSubstr("subject: required"));
  EXPECT_THAT(Error(R"({"tag":1,"subject":"user:a"})").message(), HasSubstr("tag: required"));
  EXPECT_THAT(Error(R"({"tag":"account:login:success","subject":null})").message(),
              HasSubstr("subject: required"));
  Status s = Error(R"({})");
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.error_code(), "invalid_event");
}

TEST_F(EventTest, NonObjectIsRefused) {
  for (const char* json : {"[]", "\"x\"", "1", "null"})
    EXPECT_THAT(Error(json).message(), HasSubstr("must be a JSON object")) << json;
}

TEST_F(EventTest, UnknownTagHasItsOwnErrorCode) {
  Status s = Error(R"({"tag":"account:nope","subject":"user:a"})");
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.error_code(), "unknown_tag");
  EXPECT_THAT(s.message(), HasSubstr("account:nope"));
}

TEST_F(EventTest, MalformedTagIsInvalidEvent) {
  Status s = Error(R"({"tag":"Account:Login","subject":"user:a"})");
  EXPECT_EQ(s.error_code(), "invalid_event");
  EXPECT_THAT(s.message(), HasSubstr("tag:"));
}

TEST_F(EventTest, WrongSubjectKindIsRefused) {
  Status s = Error(
      R"({"tag":"project:role:add","subject":"user:alice","metadata":{"target_user":"b","role_name":"r"}})");
  EXPECT_EQ(s.error_code(), "invalid_event");
  EXPECT_THAT(s.message(), HasSubstr("subject: project:role:add is recorded on project:<id>"));
}

TEST_F(EventTest, SubjectWithoutKindIsRefused) {
  for (const char* subject : {"alice", ":alice", "user:", "User:alice", ""}) {
    Status s =
        Error(std::string(R"({"tag":"account:login:success","subject":")") + subject + "\"}");
    EXPECT_EQ(s.error_code(), "invalid_event") << subject;
    EXPECT_THAT(s.message(), HasSubstr("is not kind:id")) << subject;
  }
  EXPECT_THAT(Error(R"({"tag":"account:login:success","subject":"user:a\u0001b"})").message(),
              HasSubstr("is not kind:id"));
}

TEST_F(EventTest, BadIpIsRefused) {
  for (const char* ip : {"999.1.1.1", "1.2.3", "localhost", "1.2.3.4 ", "::g", "1.2.3.4/24"}) {
    Status s = Error(std::string(R"({"tag":"account:login:success","subject":"user:a","ip":")") +
                     ip + "\"}");
    EXPECT_THAT(s.message(), HasSubstr("ip:")) << ip;
  }
  EXPECT_THAT(Error(R"({"tag":"account:login:success","subject":"user:a","ip":7})").message(),
              HasSubstr("ip: expected a string"));
  EXPECT_THAT(Error(R"({"tag":"account:login:success","subject":"user:a","ip":""})").message(),
              HasSubstr("ip: must not be empty"));
}

TEST_F(EventTest, BadOccurredAtIsRefused) {
  for (const char* t : {"2026-11-27", "2026-11-27T22:03:07", "2026-02-30T00:00:00Z", "yesterday",
                        " 2026-11-27T22:03:07Z"}) {
    Status s =
        Error(std::string(R"({"tag":"account:login:success","subject":"user:a","occurred_at":")") +
              t + "\"}");
    EXPECT_THAT(s.message(), HasSubstr("occurred_at:")) << t;
  }
  EXPECT_THAT(
      Error(R"({"tag":"account:login:success","subject":"user:a","occurred_at":1700000000})")
          .message(),
      HasSubstr("occurred_at: expected a string"));
}

TEST_F(EventTest, NonObjectMetadataIsRefused) {
  for (const char* m : {"[]", "\"x\"", "1", "true"}) {
    Status s = Error(
        std::string(R"({"tag":"account:login:success","subject":"user:a","metadata":)") + m + "}");
    EXPECT_EQ(s.message(), "metadata: expected an object") << m;
  }
}

TEST_F(EventTest, MetadataIsCheckedAgainstTheType) {
  Status s = Error(
      R"({"tag":"project:role:add","subject":"project:r","metadata":{"target_user":"bob","role_name":7}})");
  EXPECT_EQ(s.error_code(), "invalid_event");
  EXPECT_EQ(s.message(), "metadata.role_name: expected string");
  s = Error(R"({"tag":"project:role:add","subject":"project:r"})");
  EXPECT_THAT(s.message(), HasSubstr("metadata.target_user: required"));
  s = Error(R"({"tag":"project:blob:add","subject":"project:r","metadata":{"blob":"x","more":1}})");
  EXPECT_THAT(s.message(), HasSubstr("metadata.more: not a field"));
}

// SPEC §2: numbers every JCS verifier reads alike (I-JSON), at any depth of the metadata.
TEST_F(EventTest, NumbersOutsideIJsonAreRefusedNamingTheirPath) {
  const std::string head =
      R"({"tag":"project:release:add","subject":"project:r","metadata":{"version":"1",)";
  const struct {
    const char* metadata;
    const char* message;
  } cases[] = {
      {R"("n":9007199254740993)",
       "metadata.n: integer 9007199254740993 is outside ±(2^53−1) (I-JSON); send it as a string"},
      {R"("n":-9007199254740993)",
       "metadata.n: integer -9007199254740993 is outside ±(2^53−1) (I-JSON); send it as a string"},
      {R"("n":9007199254740992)",
       "metadata.n: integer 9007199254740992 is outside ±(2^53−1) (I-JSON); send it as a string"},
      {R"("size":12345678901234567890)",
       "metadata.size: integer 12345678901234567890 is outside ±(2^53−1) (I-JSON); send it as a "
       "string"},
      {R"("details":{"a":[1,{"b":[0,-9223372036854775808]}]})",
       "metadata.details.a[1].b[1]: integer -9223372036854775808 is outside ±(2^53−1) (I-JSON); "
       "send it as a "
       "string"},
      {R"("files":[1e400])",
       "metadata.files[0]: number is not a finite IEEE-754 double (I-JSON); send it as a string"},
      {R"("x":{"y":-1e999})",
       "metadata.x.y: number is not a finite IEEE-754 double (I-JSON); send it as a string"},
  };
  for (const auto& c : cases) {
    Status s = Error(head + c.metadata + "}}");
    EXPECT_EQ(s.error_code(), "invalid_event") << c.metadata;
    EXPECT_EQ(s.message(), c.message) << c.metadata;
  }
  // The bounds themselves, and every finite double, are I-JSON.
  PreparedEvent e =
      Ok(head + R"("a":9007199254740991,"b":-9007199254740991,"c":1.7976931348623157e308,)" +
         R"("d":5e-324,"e":1e21,"f":123456789012345680000.0,"g":-0,"h":1e-400}})");
  EXPECT_EQ(
      e.metadata_json,
      R"({"a":9007199254740991,"b":-9007199254740991,"c":1.7976931348623157e+308,"d":5e-324,"e":1e+21,)"
      R"("f":123456789012345680000,"g":0,"h":0,"version":"1"})");
}

TEST_F(EventTest, TypedPrepareEventRefusesNumbersOutsideIJsonToo) {
  boost::json::object m{{"version", "1"}, {"size", uint64_t{1} << 60}};
  auto r = PrepareEvent("project:release:add", "project:r", std::nullopt, m, *types_, ids_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "metadata.size: integer 1152921504606846976 is outside ±(2^53−1) (I-JSON); send it as "
            "a string");
}

TEST_F(EventTest, UnknownTopLevelFieldIsRefused) {
  Status s = Error(R"({"tag":"account:login:success","subject":"user:a","metdata":{}})");
  EXPECT_EQ(s.error_code(), "invalid_event");
  EXPECT_EQ(s.message(), "metdata: not an event field");
  // Read-only fields of a stored event cannot be sent either.
  for (const char* k : {"seq", "recorded_at", "description", "leaf_hash", "pruned"}) {
    Status st = Error(std::string(R"({"tag":"account:login:success","subject":"user:a",")") + k +
                      R"(":null})");
    EXPECT_THAT(st.message(), HasSubstr("not an event field")) << k;
  }
}

TEST_F(EventTest, OversizedStringsAreRefused) {
  std::string big(5000, 'x');
  EXPECT_THAT(
      Error(R"({"tag":"account:login:success","subject":"user:a","user_agent":")" + big + "\"}")
          .message(),
      HasSubstr("user_agent: longer than"));
  EXPECT_THAT(Error(R"({"tag":"account:login:success","subject":"user:a","actor":")" + big + "\"}")
                  .message(),
              HasSubstr("actor: longer than"));
  EXPECT_THAT(Error(R"({"tag":"account:login:success","subject":"user:a","idempotency_key":")" +
                    std::string(300, 'k') + "\"}")
                  .message(),
              HasSubstr("idempotency_key: longer than"));
}

// --- Client ids ---

TEST_F(EventTest, ClientIdIsKeptAndLowercased) {
  PreparedEvent e = Ok(
      R"({"tag":"account:login:success","subject":"user:a","id":"0193A2B4-C5D6-7E8F-9A0B-1C2D3E4F5A6B"})");
  EXPECT_EQ(e.id, "0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b");
  EXPECT_TRUE(e.id_from_client);
  // Any UUID version is accepted.
  PreparedEvent v4 = Ok(
      R"({"tag":"account:login:success","subject":"user:a","id":"f47ac10b-58cc-4372-a567-0e02b2c3d479"})");
  EXPECT_EQ(v4.id, "f47ac10b-58cc-4372-a567-0e02b2c3d479");
  EXPECT_TRUE(v4.id_from_client);
}

TEST_F(EventTest, InvalidClientIdIsRefused) {
  for (const char* id :
       {"not-a-uuid", "0193a2b4c5d67e8f9a0b1c2d3e4f5a6b", "0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6",
        "0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6bb", "{0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b}",
        "0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6g"}) {
    Status s = Error(std::string(R"({"tag":"account:login:success","subject":"user:a","id":")") +
                     id + "\"}");
    EXPECT_EQ(s.error_code(), "invalid_event") << id;
    EXPECT_THAT(s.message(), HasSubstr("is not a UUID")) << id;
  }
  EXPECT_THAT(Error(R"({"tag":"account:login:success","subject":"user:a","id":5})").message(),
              HasSubstr("id: expected a string"));
}

TEST_F(EventTest, ServerIdsIncreaseAndComeFromTheClock) {
  PreparedEvent a = Ok(R"({"tag":"account:login:success","subject":"user:a"})");
  PreparedEvent b = Ok(R"({"tag":"account:login:success","subject":"user:a"})");
  EXPECT_LT(a.id, b.id);
  uint64_t ms = std::stoull(a.id.substr(0, 8) + a.id.substr(9, 4), nullptr, 16);
  EXPECT_EQ(static_cast<Micros>(ms), clock_.NowMicros() / 1000);
}

// --- Size limit ---

TEST_F(EventTest, EventOver64KiBIsTooLarge) {
  std::string json = R"({"tag":"project:blob:add","subject":"project:r","metadata":{"blob":")" +
                     std::string(70 * 1024, 'x') + "\"}}";
  auto r = Prepare(json);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kTooLarge);
  EXPECT_EQ(r.status().error_code(), "too_large");
  EXPECT_THAT(r.status().message(), HasSubstr("65536"));
}

TEST_F(EventTest, EventJustUnder64KiBIsAccepted) {
  std::string json = R"({"tag":"project:blob:add","subject":"project:r","metadata":{"blob":")" +
                     std::string(60 * 1024, 'x') + "\"}}";
  EXPECT_TRUE(Prepare(json).ok());
}

TEST_F(EventTest, EscapesCountTowardsTheLimit) {
  // 12 KiB of control characters become 72 KiB of \u00xx escapes in the leaf.
  std::string blob;
  for (int i = 0; i < 12 * 1024; ++i) blob += "\\u0001";
  auto r = Prepare(R"({"tag":"project:blob:add","subject":"project:r","metadata":{"blob":")" +
                   blob + "\"}}");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kTooLarge);
}

// The limit is on what is stored; the description is rendered on read and never stored, so a
// template that repeats a large field does not count twice.
TEST_F(EventTest, TheLimitCountsStoredBytesNotTheRenderedDescription) {
  std::string version(40 * 1024, 'v');
  EXPECT_TRUE(
      Prepare(R"({"tag":"project:release:add","subject":"project:r","metadata":{"version":")" +
              version + "\"}}")
          .ok());
  std::string more(63 * 1024, 'v');
  auto r = Prepare(R"({"tag":"project:release:add","subject":"project:r","actor":")" +
                   std::string(1000, 'a') + R"(","metadata":{"version":")" + more + "\"}}");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kTooLarge);
}

// --- Typed overload ---

TEST_F(EventTest, TypedPrepareEventMatchesTheJsonOne) {
  boost::json::object md{{"target_user", "bob"}, {"role_name", "Owner"}};
  auto r =
      PrepareEvent("project:role:add", "project:flask", std::string("alice"), md, *types_, ids_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(DescribeEvent(*types_, Stored(*r, kRecorded, 0)), "alice added bob as Owner");
  EXPECT_EQ(r->metadata_json, R"({"role_name":"Owner","target_user":"bob"})");
  EXPECT_FALSE(r->id_from_client);
  std::string out;
  AppendEventJson(Stored(*r, kRecorded, 1), &out);
  EXPECT_EQ(LeafHashFromReadJson(Json(out).as_object()), LeafHash(*r, kRecorded)) << out;

  EXPECT_EQ(
      PrepareEvent("no:such", "project:x", std::nullopt, {}, *types_, ids_).status().error_code(),
      "unknown_tag");
  EXPECT_THAT(PrepareEvent("project:role:add", "user:x", std::nullopt, md, *types_, ids_)
                  .status()
                  .message(),
              HasSubstr("recorded on project"));
  EXPECT_THAT(PrepareEvent("project:role:add", "project:x", std::nullopt, {}, *types_, ids_)
                  .status()
                  .message(),
              HasSubstr("metadata.target_user"));
}

}  // namespace
}  // namespace trail
