// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "tlog/note.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "core/codec.h"

namespace trail::tlog {
namespace {

constexpr std::string_view kSigPrefix = "\xE2\x80\x94 ";  // U+2014 em dash, space
constexpr unsigned char kEd25519Type = 0x01;
constexpr size_t kEd25519KeySize = 32;
constexpr size_t kEd25519SigSize = 64;
constexpr size_t kMaxNoteSize = 1 << 20;
constexpr int kMaxSignatures = 100;  // signed-note: accept at least 16

Status BadKey(const std::string& why) { return Status::Invalid("invalid_key", why); }
Status BadNote(const std::string& why) { return Status::Invalid("invalid_note", why); }

// Decodes the code point starting at s[*i] of valid UTF-8 and advances *i past it.
char32_t NextCodePoint(std::string_view s, size_t* i) {
  auto b = static_cast<unsigned char>(s[*i]);
  int len = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
  char32_t cp = len == 1 ? b : b & (0x7F >> len);
  for (int k = 1; k < len; ++k) cp = cp << 6 | (static_cast<unsigned char>(s[*i + k]) & 0x3F);
  *i += static_cast<size_t>(len);
  return cp;
}

// Unicode White_Space (what Go's unicode.IsSpace, used by the reference code, accepts).
bool IsUnicodeSpace(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

// signed-note: valid UTF-8 and no control character below U+0020 other than newline.
Status CheckNoteText(std::string_view text, const char* what) {
  if (!IsValidUtf8(text)) return BadNote(std::string(what) + " is not valid UTF-8");
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 && c != '\n') {
      return BadNote(std::string(what) + " holds a control character");
    }
  }
  return Status::Ok();
}

uint32_t KeyIdOf(std::string_view name, std::string_view public_key) {
  std::string material(name);
  material += '\n';
  material += static_cast<char>(kEd25519Type);
  material += public_key;
  std::string h = Sha256(material);
  return static_cast<uint32_t>(static_cast<uint8_t>(h[0])) << 24 |
         static_cast<uint32_t>(static_cast<uint8_t>(h[1])) << 16 |
         static_cast<uint32_t>(static_cast<uint8_t>(h[2])) << 8 | static_cast<uint8_t>(h[3]);
}

std::string KeyIdBytes(uint32_t id) {
  return {static_cast<char>(id >> 24), static_cast<char>(id >> 16), static_cast<char>(id >> 8),
          static_cast<char>(id)};
}

std::string KeyIdHex(uint32_t id) { return HexEncode(KeyIdBytes(id)); }

bool VerifyEd25519(std::string_view public_key, std::string_view message,
                   std::string_view signature) {
  if (public_key.size() != kEd25519KeySize || signature.size() != kEd25519SigSize) return false;
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                  reinterpret_cast<const unsigned char*>(public_key.data()),
                                  public_key.size()),
      EVP_PKEY_free);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  bool ok =
      key && ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) == 1 &&
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                       message.size()) == 1;
  ERR_clear_error();
  return ok;
}

// A decimal uint64 without sign or leading zeros.
std::optional<uint64_t> ParseSize(std::string_view s) {
  if (s.empty() || s.size() > 20 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

}  // namespace

Status CheckKeyName(std::string_view name) {
  if (name.empty()) return BadKey("a key name must not be empty");
  if (!IsValidUtf8(name)) return BadKey("a key name must be valid UTF-8");
  for (size_t i = 0; i < name.size();) {
    char32_t c = NextCodePoint(name, &i);
    if (c == '+') return BadKey("a key name must not contain '+': " + std::string(name));
    if (IsUnicodeSpace(c)) {
      return BadKey("a key name must not contain whitespace: \"" + std::string(name) + "\"");
    }
    if (c < 0x20 || c == 0x7F) return BadKey("a key name must not contain control characters");
  }
  return Status::Ok();
}

void NoteSigner::KeyFree::operator()(evp_pkey_st* key) const { EVP_PKEY_free(key); }

Result<NoteSigner> NoteSigner::FromPem(std::string_view pem, std::string name) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  KeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  ERR_clear_error();
  if (!key) return BadKey("not a PEM private key");
  if (EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) return BadKey("not an Ed25519 key");
  return FromKey(std::move(key), std::move(name));
}

Result<NoteSigner> NoteSigner::FromSeed(std::string_view seed, std::string name) {
  if (seed.size() != kEd25519KeySize) return BadKey("an Ed25519 seed is 32 bytes");
  KeyPtr key(EVP_PKEY_new_raw_private_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(seed.data()), seed.size()));
  ERR_clear_error();
  if (!key) return BadKey("bad Ed25519 seed");
  return FromKey(std::move(key), std::move(name));
}

Result<NoteSigner> NoteSigner::FromKey(KeyPtr key, std::string name) {
  TRAIL_RETURN_IF_ERROR(CheckKeyName(name));
  std::string pub(kEd25519KeySize, '\0');
  size_t len = pub.size();
  if (EVP_PKEY_get_raw_public_key(key.get(), reinterpret_cast<unsigned char*>(pub.data()), &len) !=
          1 ||
      len != kEd25519KeySize) {
    ERR_clear_error();
    return BadKey("cannot read the Ed25519 public key");
  }
  NoteSigner signer;
  signer.key_ = std::move(key);
  signer.key_id_ = KeyIdOf(name, pub);
  signer.name_ = std::move(name);
  signer.public_key_ = std::move(pub);
  return signer;
}

std::string NoteSigner::VerifierKey() const {
  return name_ + "+" + KeyIdHex(key_id_) + "+" +
         Base64Encode(std::string(1, static_cast<char>(kEd25519Type)) + public_key_);
}

Result<std::string> NoteSigner::Sign(std::string_view body) const {
  if (body.empty() || body.back() != '\n') return BadNote("a note text must end with a newline");
  TRAIL_RETURN_IF_ERROR(CheckNoteText(body, "the note text"));
  std::string sig(kEd25519SigSize, '\0');
  size_t len = sig.size();
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(body.data()), body.size()) != 1 ||
      len != kEd25519SigSize) {
    ERR_clear_error();
    return Status::Internal("Ed25519 signing failed");
  }
  std::string note(body);
  note += '\n';
  note += kSigPrefix;
  note += name_ + " " + Base64Encode(KeyIdBytes(key_id_) + sig) + "\n";
  return note;
}

Result<NoteVerifier> ParseVerifierKey(std::string_view verifier_key) {
  size_t plus1 = verifier_key.find('+');
  size_t plus2 = plus1 == std::string_view::npos ? plus1 : verifier_key.find('+', plus1 + 1);
  if (plus2 == std::string_view::npos) return BadKey("a verifier key is <name>+<id>+<key>");
  NoteVerifier v;
  v.name = std::string(verifier_key.substr(0, plus1));
  TRAIL_RETURN_IF_ERROR(CheckKeyName(v.name));
  auto id = HexDecode(verifier_key.substr(plus1 + 1, plus2 - plus1 - 1));
  if (!id || id->size() != 4) return BadKey("a verifier key id is 8 hex digits");
  auto key = Base64Decode(verifier_key.substr(plus2 + 1));
  if (!key || key->size() != 1 + kEd25519KeySize) return BadKey("bad verifier key encoding");
  if (static_cast<unsigned char>((*key)[0]) != kEd25519Type) {
    return BadKey("unsupported verifier key type (only Ed25519, 0x01)");
  }
  v.public_key = key->substr(1);
  v.key_id = KeyIdOf(v.name, v.public_key);
  if (KeyIdBytes(v.key_id) != *id) return BadKey("the verifier key id does not match the key");
  return v;
}

Result<std::string> VerifyNote(std::string_view note, std::string_view verifier_key) {
  auto verifier = ParseVerifierKey(verifier_key);
  if (!verifier.ok()) return verifier.status();
  if (note.size() > kMaxNoteSize) return BadNote("note larger than 1 MiB");
  TRAIL_RETURN_IF_ERROR(CheckNoteText(note, "the note"));
  if (note.empty() || note.back() != '\n') return BadNote("a note must end with a newline");
  size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos) return BadNote("no blank line before the signatures");
  std::string_view text = note.substr(0, split + 1);
  std::string_view sigs = note.substr(split + 2);
  if (sigs.empty()) return BadNote("no signature lines");

  bool verified = false;
  int count = 0;
  while (!sigs.empty()) {
    size_t eol = sigs.find('\n');  // present: the note ends with '\n'
    std::string_view line = sigs.substr(0, eol);
    sigs.remove_prefix(eol + 1);
    if (++count > kMaxSignatures) return BadNote("too many signatures");
    if (line.substr(0, kSigPrefix.size()) != kSigPrefix) {
      return BadNote("a signature line must start with an em dash and a space");
    }
    line.remove_prefix(kSigPrefix.size());
    size_t space = line.find(' ');
    if (space == std::string_view::npos) return BadNote("a signature line is \"— <name> <sig>\"");
    std::string_view name = line.substr(0, space);
    auto blob = Base64Decode(line.substr(space + 1));
    if (!CheckKeyName(name).ok() || !blob || blob->size() < 5) {
      return BadNote("malformed signature line");
    }
    if (name != verifier->name || blob->substr(0, 4) != KeyIdBytes(verifier->key_id)) continue;
    if (!VerifyEd25519(verifier->public_key, text, std::string_view(*blob).substr(4))) {
      return Status::Invalid("invalid_signature",
                             "the signature by " + verifier->name + " does not verify");
    }
    verified = true;
  }
  if (!verified) {
    return BadNote("no signature by " + verifier->name + "+" + KeyIdHex(verifier->key_id));
  }
  return std::string(text);
}

std::string FormatCheckpoint(std::string_view origin, uint64_t size, std::string_view root) {
  return std::string(origin) + "\n" + std::to_string(size) + "\n" + Base64Encode(root) + "\n";
}

Result<Checkpoint> ParseCheckpoint(std::string_view body) {
  auto bad = [](const std::string& why) { return Status::Invalid("invalid_checkpoint", why); };
  if (!IsValidUtf8(body)) return bad("not valid UTF-8");
  if (body.empty() || body.back() != '\n') return bad("the last line must end with a newline");
  std::vector<std::string_view> lines;
  for (size_t start = 0; start < body.size();) {
    size_t eol = body.find('\n', start);
    lines.push_back(body.substr(start, eol - start));
    start = eol + 1;
  }
  if (lines.size() < 3) return bad("a checkpoint has at least 3 lines");
  for (auto line : lines) {
    if (line.empty()) return bad("empty line");
    for (char c : line) {
      if (static_cast<unsigned char>(c) < 0x20) return bad("control character");
    }
  }
  Checkpoint cp;
  cp.origin = std::string(lines[0]);
  auto size = ParseSize(lines[1]);
  if (!size) return bad("tree size must be a decimal number without leading zeros");
  cp.size = *size;
  auto root = Base64Decode(lines[2]);
  if (!root || root->size() != 32) return bad("root hash must be 32 bytes in base64");
  cp.root = std::move(*root);
  return cp;
}

}  // namespace trail::tlog
