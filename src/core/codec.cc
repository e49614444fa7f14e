// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "core/codec.h"

// SHA256_Init/Update/Final (Sha256To).
#define OPENSSL_SUPPRESS_DEPRECATED

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace trail {
namespace {

constexpr char kStdAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrlAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr uint8_t kInvalid = 0xff;

using DecodeTable = std::array<uint8_t, 256>;

constexpr DecodeTable MakeDecodeTable(const char* alphabet) {
  DecodeTable t{};
  for (auto& v : t) v = kInvalid;
  for (int i = 0; i < 64; ++i) t[static_cast<uint8_t>(alphabet[i])] = static_cast<uint8_t>(i);
  return t;
}

constexpr DecodeTable kStdDecode = MakeDecodeTable(kStdAlphabet);
constexpr DecodeTable kUrlDecode = MakeDecodeTable(kUrlAlphabet);

// Appends the encoding of `in` to `*out` (no temporary string: leaf texts embed hashes).
void AppendEncodedBase64(std::string_view in, const char* alphabet, bool pad, std::string* out) {
  const size_t start = out->size();
  out->resize(start + (in.size() + 2) / 3 * 4);
  const auto* p = reinterpret_cast<const uint8_t*>(in.data());
  size_t n = in.size();
  char* o = out->data() + start;
  while (n >= 3) {
    uint32_t v = (uint32_t{p[0]} << 16) | (uint32_t{p[1]} << 8) | p[2];
    o[0] = alphabet[v >> 18];
    o[1] = alphabet[(v >> 12) & 63];
    o[2] = alphabet[(v >> 6) & 63];
    o[3] = alphabet[v & 63];
    p += 3;
    n -= 3;
    o += 4;
  }
  if (n > 0) {
    uint32_t v = uint32_t{p[0]} << 16;
    if (n == 2) v |= uint32_t{p[1]} << 8;
    *o++ = alphabet[v >> 18];
    *o++ = alphabet[(v >> 12) & 63];
    if (n == 2) {
      *o++ = alphabet[(v >> 6) & 63];
    } else if (pad) {
      *o++ = '=';
    }
    if (pad) *o++ = '=';
  }
  out->resize(static_cast<size_t>(o - out->data()));
}

std::string EncodeBase64(std::string_view in, const char* alphabet, bool pad) {
  std::string out;
  AppendEncodedBase64(in, alphabet, pad, &out);
  return out;
}

// Decodes unpadded base64 (padding already stripped by the caller). Rejects a length of 1
// mod 4 and non-zero bits in the unused tail, so every byte string has one encoding.
std::optional<std::string> DecodeBase64Unpadded(std::string_view in, const DecodeTable& table) {
  if (in.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.resize(in.size() / 4 * 3 + (in.size() % 4 == 0 ? 0 : in.size() % 4 - 1));
  const auto* p = reinterpret_cast<const uint8_t*>(in.data());
  size_t n = in.size();
  char* o = out.data();
  while (n >= 4) {
    uint32_t a = table[p[0]], b = table[p[1]], c = table[p[2]], d = table[p[3]];
    if (((a | b | c | d) & 0xc0) != 0) return std::nullopt;  // kInvalid has these bits set
    uint32_t v = (a << 18) | (b << 12) | (c << 6) | d;
    o[0] = static_cast<char>(v >> 16);
    o[1] = static_cast<char>((v >> 8) & 0xff);
    o[2] = static_cast<char>(v & 0xff);
    p += 4;
    n -= 4;
    o += 3;
  }
  if (n >= 2) {
    uint32_t a = table[p[0]], b = table[p[1]];
    uint32_t c = n == 3 ? table[p[2]] : 0;
    if (((a | b | c) & 0xc0) != 0) return std::nullopt;
    uint32_t v = (a << 18) | (b << 12) | (c << 6);
    *o++ = static_cast<char>(v >> 16);
    if (n == 3) {
      *o++ = static_cast<char>((v >> 8) & 0xff);
      if ((v & 0xff) != 0) return std::nullopt;  // unused bits must be zero
    } else if ((v & 0xffff) != 0) {
      return std::nullopt;
    }
  }
  return out;
}

// Strips 0-2 '=' from the end, requiring the padded length to be a multiple of 4.
std::optional<std::string_view> StripPadding(std::string_view in) {
  if (in.size() % 4 != 0) return std::nullopt;
  size_t pad = 0;
  while (pad < 2 && pad < in.size() && in[in.size() - 1 - pad] == '=') ++pad;
  in.remove_suffix(pad);
  return in;
}

}  // namespace

std::string Base64Encode(std::string_view bytes) {
  return EncodeBase64(bytes, kStdAlphabet, /*pad=*/true);
}

void AppendBase64(std::string_view bytes, std::string* out) {
  AppendEncodedBase64(bytes, kStdAlphabet, /*pad=*/true, out);
}

std::optional<std::string> Base64Decode(std::string_view text) {
  auto stripped = StripPadding(text);
  if (!stripped) return std::nullopt;
  return DecodeBase64Unpadded(*stripped, kStdDecode);
}

std::string Base64UrlEncode(std::string_view bytes) {
  return EncodeBase64(bytes, kUrlAlphabet, /*pad=*/false);
}

std::optional<std::string> Base64UrlDecode(std::string_view text) {
  if (!text.empty() && text.back() == '=') {
    auto stripped = StripPadding(text);
    if (!stripped) return std::nullopt;
    text = *stripped;
  }
  return DecodeBase64Unpadded(text, kUrlDecode);
}

std::string HexEncode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '\0');
  char* o = out.data();
  for (unsigned char c : bytes) {
    *o++ = kDigits[c >> 4];
    *o++ = kDigits[c & 15];
  }
  return out;
}

std::optional<std::string> HexDecode(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out(text.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = nibble(text[2 * i]), lo = nibble(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<char>((hi << 4) | lo);
  }
  return out;
}

// A digest context per thread and the implementation fetched once: OpenSSL 3's one-shot
// SHA256() fetches the algorithm on every call, which costs more than hashing a short text
// (leaf format 2 hashes three per event, on ingest and in verify).
void Sha256To(std::string_view data, char* out) {
  // OpenSSL's low-level SHA-256 (deprecated in 3.0 in favour of EVP, still supported and the
  // same assembly): the EVP context's init, provider dispatch and cleanse cost about as much as
  // hashing one of verify's short leaf texts.
  SHA256_CTX c;
  if (SHA256_Init(&c) != 1 || SHA256_Update(&c, data.data(), data.size()) != 1 ||
      SHA256_Final(reinterpret_cast<unsigned char*>(out), &c) != 1) {
    std::fprintf(stderr, "trail: SHA-256 failed\n");
    std::abort();
  }
}

std::string Sha256(std::string_view data) {
  std::string out(kSha256Size, '\0');
  Sha256To(data, out.data());
  return out;
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  // OpenSSL rejects a null key pointer even with length 0; give it a valid empty buffer.
  static const unsigned char kEmpty[1] = {0};
  const void* key_ptr = key.empty() ? kEmpty : static_cast<const void*>(key.data());
  const auto* data_ptr =
      data.empty() ? kEmpty : reinterpret_cast<const unsigned char*>(data.data());
  if (key.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    // HMAC keys longer than the block size are hashed first (RFC 2104 §2); do it ourselves
    // because OpenSSL's key length is an int.
    std::string hashed = Sha256(key);
    return HmacSha256(hashed, data);
  }
  std::string out(kSha256Size, '\0');
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key_ptr, static_cast<int>(key.size()), data_ptr, data.size(),
           reinterpret_cast<unsigned char*>(out.data()), &len) == nullptr ||
      len != kSha256Size) {
    std::fprintf(stderr, "trail: HMAC-SHA-256 failed\n");
    std::abort();
  }
  return out;
}

bool ConstantTimeEqual(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void RandomSmallBytes(char* out, size_t n) {
  // A per-thread pool drawn 4 KiB at a time: RAND_bytes costs a DRBG round per call, and
  // ingest draws a 16-byte salt for every event.
  constexpr size_t kPool = 4096;
  struct Pool {
    unsigned char bytes[kPool];
    size_t used = kPool;
    ~Pool() { OPENSSL_cleanse(bytes, sizeof bytes); }
  };
  thread_local Pool pool;
  if (n > kPool / 16) {
    std::string big = RandomBytes(n);
    std::memcpy(out, big.data(), n);
    return;
  }
  if (kPool - pool.used < n) {
    if (RAND_bytes(pool.bytes, static_cast<int>(kPool)) != 1) {
      std::fprintf(stderr, "trail: RAND_bytes failed\n");
      std::abort();
    }
    pool.used = 0;
  }
  std::memcpy(out, pool.bytes + pool.used, n);
  OPENSSL_cleanse(pool.bytes + pool.used, n);  // each byte is handed out once
  pool.used += n;
}

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  size_t done = 0;
  while (done < n) {
    size_t chunk = std::min<size_t>(n - done, 1 << 30);
    if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data() + done), static_cast<int>(chunk)) !=
        1) {
      std::fprintf(stderr, "trail: RAND_bytes failed\n");
      std::abort();
    }
    done += chunk;
  }
  return out;
}

bool IsValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const uint8_t* end = p + s.size();
  while (p < end) {
    // ASCII fast path, eight bytes at a time.
    if (end - p >= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      if ((w & 0x8080808080808080ULL) == 0) {
        p += 8;
        continue;
      }
    }
    uint8_t c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    // Table 3-7 of the Unicode standard: the allowed range of the second byte depends on
    // the first, which is what excludes overlongs, surrogates and values above U+10FFFF.
    size_t len;
    uint8_t lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      if (c == 0xe0) lo = 0xa0;
      if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      if (c == 0xf0) lo = 0x90;
      if (c == 0xf4) hi = 0x8f;
    } else {
      return false;
    }
    if (static_cast<size_t>(end - p) < len) return false;
    if (p[1] < lo || p[1] > hi) return false;
    for (size_t i = 2; i < len; ++i) {
      if ((p[i] & 0xc0) != 0x80) return false;
    }
    p += len;
  }
  return true;
}

}  // namespace trail
