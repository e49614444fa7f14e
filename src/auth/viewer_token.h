// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// ViewerToken: the JWTs (RFC 7519) a host application mints for its signed-in user (SPEC §6).
//
// HS256 only, keyed by the shared secret of `[auth] viewer_secret_file`. `sub` and `exp` are
// required; `nbf`, when present, is honoured; `admin` (bool) and `roles` (subject -> role
// names) are optional. 60 s of clock skew is allowed on exp, nbf and iat. The policy
// (`[auth] audience`, `issuer`, `max_token_lifetime`) adds: `aud` (a string or an array of
// them, RFC 7519 §4.1.3) must name the audience and `iss` must equal the issuer when they are
// configured, and no token may live longer than the maximum, counted from `iat` when present
// and from now in any case (a stolen long-lived token is worth little). Anything else —
// another alg (including "none"), a bad signature, malformed base64 or JSON, a claim of the
// wrong type — is refused with one undifferentiated kUnauthenticated. The functions are pure;
// ViewerTokenVerifier is thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace trail {

struct ViewerClaims {
  std::string sub;
  Micros exp = 0;
  bool admin = false;
  std::map<std::string, std::vector<std::string>, std::less<>> roles;  // subject -> role names
};

constexpr Micros kTokenSkew = 60LL * 1000000;
constexpr size_t kMaxTokenBytes = 8192;
// An operator's secret shorter than this is refused at start (HS256 keys need the hash's
// 256 bits; a short one can be brute-forced offline from any token).
constexpr size_t kMinViewerSecretBytes = 32;

struct ViewerTokenPolicy {
  std::string audience;                         // "" = aud is not checked
  std::string issuer;                           // "" = iss is not checked
  Micros max_lifetime = 24LL * 3600 * 1000000;  // 0 = unbounded
};

// True when `credential` has the shape of a JWT (three dot-separated parts) rather than an API key.
bool LooksLikeJwt(std::string_view credential);

Result<ViewerClaims> VerifyViewerToken(std::string_view token, std::string_view secret, Micros now,
                                       const ViewerTokenPolicy& policy = {});

// kInvalidArgument naming `what` when `secret` is too short to key HS256.
Status CheckViewerSecret(std::string_view secret, const std::string& what);

// The running secret and policy; the secret is replaced on SIGHUP (tokens signed with the old
// one stop working at once, open streams included).
class ViewerTokenVerifier {
 public:
  ViewerTokenVerifier(std::string secret, ViewerTokenPolicy policy)
      : secret_(std::make_shared<const std::string>(std::move(secret))),
        policy_(std::move(policy)) {}
  Result<ViewerClaims> Verify(std::string_view token, Micros now) const {
    return VerifyViewerToken(token, *Secret(), now, policy_);
  }
  void SetSecret(std::string secret) {
    auto next = std::make_shared<const std::string>(std::move(secret));
    std::lock_guard<std::mutex> l(mu_);
    secret_.swap(next);
  }
  std::shared_ptr<const std::string> Secret() const {
    std::lock_guard<std::mutex> l(mu_);
    return secret_;
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const std::string> secret_;
  const ViewerTokenPolicy policy_;
};

// Mints a token (tests, benchmarks and the CLI's `keys viewer-token` helper).
std::string MintViewerToken(const ViewerClaims& claims, std::string_view secret);

}  // namespace trail
