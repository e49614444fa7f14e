#include "core/event.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "core/codec.h"
#include "core/jcs.h"
#include "core/leaf.h"
#include "core/time_format.h"
#include "core/uuid7.h"
#include "testing/test_types.h"

namespace trail {
namespace {

using ::testing::HasSubstr;

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
