// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "auth/viewer_token.h"

#include <gtest/gtest.h>

#include "core/codec.h"
#include "testing/jwt.h"

namespace trail {
namespace {

constexpr std::string_view kSecret = "s3cr3t-viewer-key";
constexpr Micros kNow = 1'800'000'000LL * 1'000'000;

// A token built by hand, independently of MintViewerToken: header and body as given.
std::string Hand(std::string_view header, std::string_view body,
                 std::string_view secret = kSecret) {
  return test::SignedJwt(header, body, secret);
}

std::string Body(int64_t exp_seconds, std::string_view extra = "") {
  return R"({"sub":"alice","exp":)" + std::to_string(exp_seconds) + std::string(extra) + "}";
}

TEST(ViewerToken, AcceptsWhatAnyJwtLibraryMints) {
  auto t = Hand(
      R"({"alg":"HS256","typ":"JWT"})",
      Body(
          1'800'000'600,
          R"(,"admin":false,"roles":{"project:requests":["owner"],"project:flask":["maintainer"]})"));
  auto c = VerifyViewerToken(t, kSecret, kNow);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->sub, "alice");
  EXPECT_FALSE(c->admin);
  ASSERT_EQ(c->roles.size(), 2u);
  EXPECT_EQ(c->roles.at("project:requests"), std::vector<std::string>{"owner"});
}

TEST(ViewerToken, HeaderWithoutTypAndFractionalExpAreFine) {
  EXPECT_TRUE(VerifyViewerToken(Hand(R"({"alg":"HS256"})", R"({"sub":"a","exp":1800000600.5})"),
                                kSecret, kNow)
                  .ok());
}

TEST(ViewerToken, RefusesAlgNoneAndOtherAlgs) {
  for (std::string_view h : {R"({"alg":"none"})", R"({"alg":"HS512"})", R"({"alg":"RS256"})",
                             R"({"alg":"hs256"})", R"({})", R"({"alg":null})"}) {
    EXPECT_FALSE(VerifyViewerToken(Hand(h, Body(1'800'000'600)), kSecret, kNow).ok()) << h;
  }
  // alg none with an empty signature, the classic attack.
  std::string none =
      Base64UrlEncode(R"({"alg":"none"})") + "." + Base64UrlEncode(Body(1'800'000'600)) + ".";
  EXPECT_FALSE(VerifyViewerToken(none, kSecret, kNow).ok());
}

TEST(ViewerToken, RefusesAWrongSignatureOrSecret) {
  auto t = Hand(R"({"alg":"HS256"})", Body(1'800'000'600), "another secret");
  EXPECT_FALSE(VerifyViewerToken(t, kSecret, kNow).ok());
  auto good = Hand(R"({"alg":"HS256"})", Body(1'800'000'600));
  std::string tampered = good;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'a' ? 'b' : 'a';
  EXPECT_FALSE(VerifyViewerToken(tampered, kSecret, kNow).ok());
  EXPECT_FALSE(VerifyViewerToken(good, "", kNow).ok());
}

TEST(ViewerToken, ExpiryWithSixtySecondsOfSkew) {
  EXPECT_TRUE(
      VerifyViewerToken(Hand(R"({"alg":"HS256"})", Body(1'800'000'000 - 59)), kSecret, kNow).ok());
  EXPECT_FALSE(
      VerifyViewerToken(Hand(R"({"alg":"HS256"})", Body(1'800'000'000 - 60)), kSecret, kNow).ok());
  EXPECT_FALSE(
      VerifyViewerToken(Hand(R"({"alg":"HS256"})", R"({"sub":"alice"})"), kSecret, kNow).ok());
  EXPECT_FALSE(VerifyViewerToken(Hand(R"({"alg":"HS256"})", R"({"sub":"alice","exp":"soon"})"),
                                 kSecret, kNow)
                   .ok());
}

TEST(ViewerToken, NotBeforeIsHonoured) {
  EXPECT_FALSE(
      VerifyViewerToken(Hand(R"({"alg":"HS256"})", Body(1'800'009'999, R"(,"nbf":1800000100)")),
                        kSecret, kNow)
          .ok());
  EXPECT_TRUE(
      VerifyViewerToken(Hand(R"({"alg":"HS256"})", Body(1'800'009'999, R"(,"nbf":1800000030)")),
                        kSecret, kNow)
          .ok());
}

TEST(ViewerToken, RefusesMalformedParts) {
  for (std::string_view t : {"", "a.b", "a.b.c.d", "!!!.???.***", "eyJ.eyJ.sig"}) {
    EXPECT_FALSE(VerifyViewerToken(t, kSecret, kNow).ok()) << t;
  }
  EXPECT_FALSE(VerifyViewerToken(Hand("not json", Body(1'800'000'600)), kSecret, kNow).ok());
  EXPECT_FALSE(VerifyViewerToken(Hand(R"({"alg":"HS256"})", "[1,2]"), kSecret, kNow).ok());
  EXPECT_FALSE(
      VerifyViewerToken(Hand(R"({"alg":"HS256"})", R"({"sub":"","exp":1800000600})"), kSecret, kNow)
          .ok());
  EXPECT_FALSE(
      VerifyViewerToken(Hand(R"({"alg":"HS256"})", Body(1'800'000'600, R"(,"admin":"yes")")),
                        kSecret, kNow)
          .ok());
  EXPECT_FALSE(VerifyViewerToken(
                   Hand(R"({"alg":"HS256"})", Body(1'800'000'600, R"(,"roles":{"p:x":"owner"})")),
                   kSecret, kNow)
                   .ok());
  EXPECT_FALSE(
      VerifyViewerToken(Hand(R"({"alg":"HS256","crit":["x"]})", Body(1'800'000'600)), kSecret, kNow)
          .ok());
}

TEST(ViewerToken, EveryRefusalLooksTheSame) {
  auto a = VerifyViewerToken(Hand(R"({"alg":"none"})", Body(1'800'000'600)), kSecret, kNow);
  auto b = VerifyViewerToken(Hand(R"({"alg":"HS256"})", Body(1'700'000'000)), kSecret, kNow);
  auto c = VerifyViewerToken("x.y.z", kSecret, kNow);
  EXPECT_EQ(a.status().message(), b.status().message());
  EXPECT_EQ(b.status().message(), c.status().message());
  EXPECT_EQ(a.status().code(), Code::kUnauthenticated);
}

TEST(ViewerToken, MintRoundTrips) {
  ViewerClaims c;
  c.sub = "bob";
  c.exp = kNow + 3600LL * 1'000'000;
  c.admin = true;
  c.roles["project:p1"] = {"owner", "maintainer"};
  auto back = VerifyViewerToken(MintViewerToken(c, kSecret), kSecret, kNow);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->sub, "bob");
  EXPECT_TRUE(back->admin);
  EXPECT_EQ(back->roles.at("project:p1").size(), 2u);
}

TEST(ViewerToken, AudienceAsStringOrArrayWhenConfigured) {
  ViewerTokenPolicy p;
  p.audience = "trail.example.org";
  auto with = [&](std::string_view extra) {
    return VerifyViewerToken(Hand(R"({"alg":"HS256"})", Body(1'800'000'600, extra)), kSecret, kNow,
                             p)
        .ok();
  };
  EXPECT_TRUE(with(R"(,"aud":"trail.example.org")"));
  EXPECT_TRUE(with(R"(,"aud":["other","trail.example.org"])"));
  EXPECT_FALSE(with(""));
  EXPECT_FALSE(with(R"(,"aud":"other")"));
  EXPECT_FALSE(with(R"(,"aud":["other"])"));
  EXPECT_FALSE(with(R"(,"aud":[])"));
  EXPECT_FALSE(with(R"(,"aud":["trail.example.org",1])"));
  EXPECT_FALSE(with(R"(,"aud":{"a":"trail.example.org"})"));
  // Not configured: aud is not looked at.
  EXPECT_TRUE(VerifyViewerToken(Hand(R"({"alg":"HS256"})", Body(1'800'000'600, R"(,"aud":"x")")),
                                kSecret, kNow)
                  .ok());
}

TEST(ViewerToken, IssuerMustMatchWhenConfigured) {
  ViewerTokenPolicy p;
  p.issuer = "https://pypi.org";
  auto with = [&](std::string_view extra) {
    return VerifyViewerToken(Hand(R"({"alg":"HS256"})", Body(1'800'000'600, extra)), kSecret, kNow,
                             p)
        .ok();
  };
  EXPECT_TRUE(with(R"(,"iss":"https://pypi.org")"));
  EXPECT_FALSE(with(""));
  EXPECT_FALSE(with(R"(,"iss":"https://evil.example")"));
  EXPECT_FALSE(with(R"(,"iss":["https://pypi.org"])"));
}

TEST(ViewerToken, LifetimeIsBoundedFromNowAndFromIat) {
  ViewerTokenPolicy p;  // 24 h by default
  const int64_t now = 1'800'000'000, day = 86400;
  auto ok = [&](int64_t exp, std::string_view extra = "") {
    return VerifyViewerToken(Hand(R"({"alg":"HS256"})", Body(exp, extra)), kSecret, kNow, p).ok();
  };
  EXPECT_TRUE(ok(now + day));
  EXPECT_FALSE(ok(now + day + 3600));
  EXPECT_FALSE(ok(now + 3650 * day));  // "never expires"
  // iat counts: a token minted 23 h ago for 25 h has lived too long, though exp is near.
  EXPECT_FALSE(ok(now + 2 * 3600, ",\"iat\":" + std::to_string(now - 23 * 3600)));
  EXPECT_TRUE(ok(now + 3600, ",\"iat\":" + std::to_string(now - 3600)));
  // An iat in the future (beyond the skew) is refused; a wrong type too.
  EXPECT_FALSE(ok(now + 3600, ",\"iat\":" + std::to_string(now + 600)));
  EXPECT_FALSE(ok(now + 3600, R"(,"iat":"yesterday")"));
  p.max_lifetime = 0;  // unbounded
  EXPECT_TRUE(ok(now + 3650 * day));
}

TEST(ViewerToken, ShortSecretsAreRefused) {
  EXPECT_FALSE(CheckViewerSecret("short", "viewer.secret").ok());
  EXPECT_FALSE(CheckViewerSecret(std::string(31, 'x'), "viewer.secret").ok());
  EXPECT_TRUE(CheckViewerSecret(std::string(32, 'x'), "viewer.secret").ok());
  EXPECT_NE(CheckViewerSecret("short", "/etc/trail/viewer.secret")
                .message()
                .find("/etc/trail/viewer.secret"),
            std::string::npos);
}

TEST(ViewerToken, VerifierSwapsItsSecret) {
  ViewerTokenVerifier v(std::string(kSecret), {});
  auto t = Hand(R"({"alg":"HS256"})", Body(1'800'000'600));
  EXPECT_TRUE(v.Verify(t, kNow).ok());
  v.SetSecret("a completely different secret of 32+ bytes");
  EXPECT_FALSE(v.Verify(t, kNow).ok());
}

TEST(ViewerToken, RsHsConfusionIsRefused) {
  // A token "signed" RS256 with the HMAC of a public key as secret: the alg check refuses it
  // before any key is chosen.
  auto r = VerifyViewerToken(Hand(R"({"alg":"RS256"})", Body(1'800'000'600)), kSecret, kNow);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnauthenticated) << r.status().ToString();
}

TEST(ViewerToken, ApiKeysDoNotLookLikeJwts) {
  EXPECT_FALSE(LooksLikeJwt("trail_abcDEF123-_"));
  EXPECT_TRUE(LooksLikeJwt("a.b.c"));
  EXPECT_FALSE(LooksLikeJwt("a.b.c.d"));
}

}  // namespace
}  // namespace trail
