// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// Byte codecs and small crypto primitives shared by every subsystem.
//
// Base64 (RFC 4648 §4 standard alphabet, padded; §5 URL alphabet, unpadded), lowercase hex,
// SHA-256 and HMAC-SHA-256 (OpenSSL), constant-time comparison, CSPRNG bytes and a strict
// UTF-8 validator. Strings are byte containers: `std::string` results hold raw bytes.
//
// Decoders are strict and return std::nullopt on any malformed input (bad character, bad
// padding, non-zero unused bits, odd hex length), so a decoded value has exactly one encoding.
// They never throw and never assert on their input, which may come straight from a request.
//
// All functions are stateless and safe to call concurrently from any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace trail {

// Standard alphabet (`+/`), always padded with `=` to a multiple of 4.
std::string Base64Encode(std::string_view bytes);
// Base64Encode appended to `*out`.
void AppendBase64(std::string_view bytes, std::string* out);
// Inverse of Base64Encode. Rejects missing or misplaced padding, characters outside the
// alphabet (including whitespace and the URL alphabet), and non-zero unused trailing bits.
std::optional<std::string> Base64Decode(std::string_view text);

// URL-safe alphabet (`-_`), never padded.
std::string Base64UrlEncode(std::string_view bytes);
// Inverse of Base64UrlEncode. Accepts the unpadded form and, for interoperability, the
// correctly padded form; rejects everything Base64Decode rejects (with the URL alphabet).
std::optional<std::string> Base64UrlDecode(std::string_view text);

// Lowercase hex, two characters per byte.
std::string HexEncode(std::string_view bytes);
// Accepts upper- and lowercase digits; rejects odd lengths and non-hex characters.
std::optional<std::string> HexDecode(std::string_view text);

inline constexpr size_t kSha256Size = 32;

// SHA-256 of `data`: 32 raw bytes.
std::string Sha256(std::string_view data);
// The same into `out` (kSha256Size bytes), with no allocation: the hot paths of ingest and verify.
void Sha256To(std::string_view data, char* out);
// HMAC-SHA-256 (RFC 2104) of `data` under `key`: 32 raw bytes. Any key length is allowed.
std::string HmacSha256(std::string_view key, std::string_view data);

// True iff a and b are byte-for-byte equal. The time taken depends only on the lengths, not
// the contents, so it is safe for comparing MACs and secrets. Different sizes: false at once.
bool ConstantTimeEqual(std::string_view a, std::string_view b);

// `n` bytes from OpenSSL's CSPRNG. Aborts the process if the CSPRNG fails (there is no safe
// way to continue without randomness).
std::string RandomBytes(size_t n);
// `n` (at most 256) CSPRNG bytes into `out`, from a per-thread pool refilled 4 KiB at a time
// from the same CSPRNG; bytes handed out are wiped from the pool. For per-event salts.
void RandomSmallBytes(char* out, size_t n);

// True iff `s` is well-formed UTF-8 (Unicode §3.9, Table 3-7): no overlong forms, no
// surrogates (U+D800..U+DFFF), nothing above U+10FFFF, no truncated sequences.
bool IsValidUtf8(std::string_view s);

}  // namespace trail
