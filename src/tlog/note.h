// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// C2SP signed notes (c2sp.org/signed-note) with Ed25519 keys, and the C2SP tlog-checkpoint
// body (c2sp.org/tlog-checkpoint) that trail signs as its checkpoint.
//
// A signed note is a text ending in '\n', a blank line, then signature lines
// "— <key name> <base64(4-byte key id || signature)>\n" (U+2014 em dash, space). The key id
// is SHA-256(name || '\n' || 0x01 || 32-byte public key)[:4], big-endian. A verifier key is
// written "<name>+<8 hex digits of the key id>+<base64(0x01 || public key)>".
//
// Key names must be non-empty and hold no '+' and no (Unicode) whitespace; the log uses its
// name both as key name and as checkpoint origin, so CheckKeyName is also how a configured log
// name is validated.
//
// Parsers here take untrusted text (a checkpoint fetched by `trail verify --url`) and reject
// anything malformed with a Status; nothing here throws or asserts on input.
//
// Threads: a NoteSigner is immutable after construction; Sign may run concurrently on one
// signer. The free functions are stateless and thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY, kept out of this header

namespace trail::tlog {

// OK iff `name` is usable as a signed-note key name; otherwise InvalidArgument
// ("invalid_key") saying which rule it breaks.
Status CheckKeyName(std::string_view name);

class NoteSigner {
 public:
  // From a PKCS#8 PEM Ed25519 private key (the text of log.key; a missing final newline is
  // fine). InvalidArgument ("invalid_key") for another key type, bad PEM or a bad name.
  static Result<NoteSigner> FromPem(std::string_view pem, std::string name);
  // From a raw 32-byte RFC 8032 private key (seed): to interoperate with Go's note keys and for
  // test vectors.
  static Result<NoteSigner> FromSeed(std::string_view seed, std::string name);

  const std::string& name() const { return name_; }
  uint32_t key_id() const { return key_id_; }
  const std::string& public_key() const { return public_key_; }  // 32 raw bytes

  // "<name>+<hex key id>+<base64(0x01 || public key)>", what `trail keys verifier` prints.
  std::string VerifierKey() const;

  // The signed note: `body`, a blank line, and this key's signature line. InvalidArgument
  // ("invalid_note") unless body is valid UTF-8, ends with '\n' and holds no control
  // character other than '\n'. Internal if OpenSSL fails to sign.
  Result<std::string> Sign(std::string_view body) const;

 private:
  struct KeyFree {
    void operator()(evp_pkey_st* key) const;
  };
  using KeyPtr = std::unique_ptr<evp_pkey_st, KeyFree>;
  static Result<NoteSigner> FromKey(KeyPtr key, std::string name);
  NoteSigner() = default;

  KeyPtr key_;
  std::string name_;
  std::string public_key_;
  uint32_t key_id_ = 0;
};

// A parsed verifier key.
struct NoteVerifier {
  std::string name;
  uint32_t key_id = 0;
  std::string public_key;  // 32 raw bytes
};

// Parses "<name>+<hex id>+<base64(0x01 || key)>", checking the key id matches name and key.
// InvalidArgument ("invalid_key") otherwise.
Result<NoteVerifier> ParseVerifierKey(std::string_view verifier_key);

// The body (text including its final '\n') of `note` if a signature by `verifier_key` verifies.
// Signatures by other keys are ignored, as signed-note requires. InvalidArgument with
// error_code "invalid_key" for a bad verifier key, "invalid_note" for a malformed note or one
// without a signature by this key, "invalid_signature" if that key's signature does not verify.
Result<std::string> VerifyNote(std::string_view note, std::string_view verifier_key);

struct Checkpoint {
  std::string origin;
  uint64_t size = 0;
  std::string root;  // 32 raw bytes
  bool operator==(const Checkpoint&) const = default;
};

// "<origin>\n<size in decimal>\n<base64 root>\n": a checkpoint body, ready for Sign.
// The origin must pass CheckKeyName and the root be 32 bytes (the log checks both at startup).
std::string FormatCheckpoint(std::string_view origin, uint64_t size, std::string_view root);

// Strict inverse of FormatCheckpoint on a note body: non-empty origin, a decimal size without
// leading zeros that fits in 64 bits, a canonical base64 32-byte root, every line ended by
// '\n'. Non-empty extension lines after the third are allowed and ignored.
// InvalidArgument ("invalid_checkpoint") otherwise.
Result<Checkpoint> ParseCheckpoint(std::string_view body);

}  // namespace trail::tlog
