// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "auth/viewer_token.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>

#include "core/codec.h"

namespace trail {
namespace {

Status Refused() { return Status::Unauthenticated("invalid credential"); }

// Numeric date (RFC 7519 §2): seconds since the epoch, integer or fractional.
bool NumericDate(const boost::json::value& v, Micros* out) {
  double secs;
  if (v.is_int64()) {
    secs = static_cast<double>(v.get_int64());
  } else if (v.is_uint64()) {
    secs = static_cast<double>(v.get_uint64());
  } else if (v.is_double()) {
    secs = v.get_double();
  } else {
    return false;
  }
  if (!std::isfinite(secs) || secs < 0 || secs > 253402300799.0) return false;  // year 9999
  *out = static_cast<Micros>(secs * 1e6);
  return true;
}

}  // namespace

bool LooksLikeJwt(std::string_view c) {
  size_t first = c.find('.');
  if (first == std::string_view::npos) return false;
  size_t second = c.find('.', first + 1);
  return second != std::string_view::npos && c.find('.', second + 1) == std::string_view::npos;
}

Status CheckViewerSecret(std::string_view secret, const std::string& what) {
  if (secret.size() < kMinViewerSecretBytes)
    return Status::Invalid("invalid_config",
                           what + " holds " + std::to_string(secret.size()) +
                               " bytes; a viewer-token secret needs at least " +
                               std::to_string(kMinViewerSecretBytes) +
                               " random bytes (e.g. `openssl rand -base64 48 > FILE`)");
  return Status::Ok();
}

Result<ViewerClaims> VerifyViewerToken(std::string_view token, std::string_view secret, Micros now,
                                       const ViewerTokenPolicy& policy) {
  if (secret.empty() || token.size() > kMaxTokenBytes || !LooksLikeJwt(token)) return Refused();
  const size_t d1 = token.find('.'), d2 = token.find('.', d1 + 1);
  std::string_view head64 = token.substr(0, d1), body64 = token.substr(d1 + 1, d2 - d1 - 1),
                   sig64 = token.substr(d2 + 1);
  auto head = Base64UrlDecode(head64);
  auto body = Base64UrlDecode(body64);
  auto sig = Base64UrlDecode(sig64);
  if (!head || !body || !sig) return Refused();

  boost::json::error_code ec;
  boost::json::value h = boost::json::parse(*head, ec);
  if (ec || !h.is_object()) return Refused();
  const auto& ho = h.get_object();
  auto alg = ho.find("alg");
  // Only HS256: "none", RS256 and every other alg are refused before any signature check.
  if (alg == ho.end() || !alg->value().is_string() || alg->value().get_string() != "HS256")
    return Refused();
  if (auto typ = ho.find("typ");
      typ != ho.end() && (!typ->value().is_string() || (typ->value().get_string() != "JWT" &&
                                                        typ->value().get_string() != "jwt")))
    return Refused();
  if (ho.contains("crit")) return Refused();  // no extensions are understood

  std::string signing_input(token.substr(0, d2));
  if (!ConstantTimeEqual(HmacSha256(secret, signing_input), *sig)) return Refused();

  boost::json::value b = boost::json::parse(*body, ec);
  if (ec || !b.is_object()) return Refused();
  const auto& bo = b.get_object();
  ViewerClaims c;
  auto sub = bo.find("sub");
  if (sub == bo.end() || !sub->value().is_string() || sub->value().get_string().empty() ||
      sub->value().get_string().size() > 1024)
    return Refused();
  c.sub = std::string(sub->value().get_string());
  auto exp = bo.find("exp");
  if (exp == bo.end() || !NumericDate(exp->value(), &c.exp)) return Refused();
  if (now >= c.exp + kTokenSkew) return Refused();
  if (auto nbf = bo.find("nbf"); nbf != bo.end()) {
    Micros t;
    if (!NumericDate(nbf->value(), &t) || now + kTokenSkew < t) return Refused();
  }
  Micros born = now;
  if (auto iat = bo.find("iat"); iat != bo.end()) {
    Micros t;
    if (!NumericDate(iat->value(), &t) || t > now + kTokenSkew)
      return Refused();  // minted in the future
    born = std::min(born, t);
  }
  // Lifetime: exp may lie at most max_lifetime after iat, and after now (an iat can be forged
  // by whoever holds the secret, but not moved past the check against now).
  if (policy.max_lifetime > 0 && (c.exp - born > policy.max_lifetime + kTokenSkew ||
                                  c.exp - now > policy.max_lifetime + kTokenSkew))
    return Refused();
  if (!policy.issuer.empty()) {
    auto iss = bo.find("iss");
    if (iss == bo.end() || !iss->value().is_string() || iss->value().get_string() != policy.issuer)
      return Refused();
  }
  if (!policy.audience.empty()) {
    auto aud = bo.find("aud");
    if (aud == bo.end()) return Refused();
    bool named = false;
    if (aud->value().is_string()) {
      named = aud->value().get_string() == policy.audience;
    } else if (aud->value().is_array()) {
      for (const auto& a : aud->value().get_array()) {
        if (!a.is_string()) return Refused();
        named = named || a.get_string() == policy.audience;
      }
    } else {
      return Refused();
    }
    if (!named) return Refused();
  }
  if (auto admin = bo.find("admin"); admin != bo.end() && !admin->value().is_null()) {
    if (!admin->value().is_bool()) return Refused();
    c.admin = admin->value().get_bool();
  }
  if (auto roles = bo.find("roles"); roles != bo.end() && !roles->value().is_null()) {
    if (!roles->value().is_object()) return Refused();
    for (const auto& kv : roles->value().get_object()) {
      if (!kv.value().is_array()) return Refused();
      auto& names = c.roles[std::string(kv.key())];
      for (const auto& r : kv.value().get_array()) {
        if (!r.is_string()) return Refused();
        names.emplace_back(r.get_string());
      }
    }
  }
  return c;
}

std::string MintViewerToken(const ViewerClaims& claims, std::string_view secret) {
  boost::json::object body{{"sub", claims.sub}, {"exp", claims.exp / 1000000}};
  if (claims.admin) body["admin"] = true;
  if (!claims.roles.empty()) {
    boost::json::object roles;
    for (const auto& [subject, names] : claims.roles) {
      boost::json::array a;
      for (const auto& n : names) a.emplace_back(n);
      roles[subject] = std::move(a);
    }
    body["roles"] = std::move(roles);
  }
  std::string input = Base64UrlEncode(R"({"alg":"HS256","typ":"JWT"})") + "." +
                      Base64UrlEncode(boost::json::serialize(body));
  return input + "." + Base64UrlEncode(HmacSha256(secret, input));
}

}  // namespace trail
