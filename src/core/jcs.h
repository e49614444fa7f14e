// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// RFC 8785 JSON Canonicalization Scheme (JCS) over boost::json values.
//
// The canonical form is what trail hashes into the Merkle tree (SPEC §5), so it must be
// byte-identical to any other conforming implementation:
//   - no whitespace; object members sorted by key compared as UTF-16 code units (§3.2.3),
//     which differs from UTF-8 byte order when U+E000..U+FFFF meets a supplementary char;
//   - strings escape only `"`, `\` and controls below U+0020 (`\b \t \n \f \r`, else
//     `\u00xx` lowercase); everything else, `/` and U+2028 included, is written as UTF-8;
//   - doubles use ECMAScript Number.prototype.toString (shortest round-trip digits,
//     exponent form outside [1e-6, 1e21)); -0 is written `0`; `1.0` and `1e2` are numbers
//     like any other and come out `1` and `100`.
// Deviations, both unreachable for I-JSON values (below), which is all trail accepts:
//   - int64/uint64 are written as exact integers (ECMAScript would round those above 2^53);
//   - NaN and infinities, which JSON cannot express, are written `null`.
// Strings are emitted as stored; callers must ensure they are valid UTF-8 (boost::json's
// parser does).
//
// Input side: Boost 1.81's boost::json::parse rounds many doubles to a neighbouring value
// (e.g. 333333333.33333329, RFC 8785's own sample, comes back one ulp off), so the canonical
// form of a parsed body would disagree with other JCS implementations, and a stored value
// re-parsed later may hash differently. ParseJsonExact is a drop-in replacement that
// converts every non-integer number with std::from_chars (correctly rounded). Parse any JSON
// whose canonical form will be hashed with it.
//
// Pure functions over a const value; safe to call concurrently on shared values.
#pragma once

#include <boost/json/error.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace trail {

std::string CanonicalJson(const boost::json::value& v);

// Appends the canonical form of `v` to *out. The ingest hot path: no intermediate strings.
void AppendCanonicalJson(const boost::json::value& v, std::string* out);

// Appends a double the way ECMAScript's Number.prototype.toString writes it (RFC 8785
// §3.2.2.3). Exposed for tests and for callers that format numbers outside a value.
void AppendEcmaScriptNumber(double d, std::string* out);

// True iff key a sorts before key b under RFC 8785 §3.2.3 (UTF-16 code unit order) when
// both are valid UTF-8.
bool JcsKeyLess(std::string_view a, std::string_view b);

// I-JSON (RFC 7493 §2.2) numbers are the ones every RFC 8785 implementation reads and writes
// alike: integers within ±(2^53−1), other numbers finite doubles (SPEC §2). Returns "" when
// every number in `v` is one, else `<path>: <why>; send it as a string` for the first that is
// not; `path` names `v` and is extended by `.key` and `[i]`.
std::string IJsonNumberError(const boost::json::value& v, const std::string& path);
std::string IJsonNumberError(const boost::json::object& v, const std::string& path);

// The same check on JSON text, which also sees what the parsed value hides: an integer
// literal too wide for 64 bits that ParseJsonExact read as a double, and the text of a
// literal beyond the double range. `json` must be valid JSON; paths start at its root
// (`events[2].metadata.n`). Returns the first problem, or nullopt when there is none.
struct JsonTextProblem {
  std::string path;
  std::string why;  // `integer … is outside ±(2^53−1) (I-JSON); send it as a string`
};
std::optional<JsonTextProblem> FindNonIJsonNumber(std::string_view json);

// Same contract as boost::json::parse(s, ec, sp, opt): on success returns the value and
// clears ec; on malformed input (or trailing data) sets ec and returns null. Differs only in
// that doubles are correctly rounded from their text.
boost::json::value ParseJsonExact(std::string_view s, boost::json::error_code& ec,
                                  boost::json::storage_ptr sp = {},
                                  const boost::json::parse_options& opt = {});
// As above, and sets *not_ijson when some number literal of `s` is not I-JSON (see
// FindNonIJsonNumber, which then finds it), without slowing the parse down.
boost::json::value ParseJsonExact(std::string_view s, boost::json::error_code& ec, bool* not_ijson);

}  // namespace trail
