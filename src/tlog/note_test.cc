// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "tlog/note.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>

#include "core/codec.h"
#include "tlog/hasher.h"

namespace trail::tlog {
namespace {

// testdata/tlog-vectors.txt §9 "Signed note vectors" [GON] golang/mod sumdb/note/note_test.go:
// the key is given as PRIVATE+KEY+PeterNeumann+c74f20a3+base64(0x01 || 32-byte seed).
constexpr char kPeterSeedB64[] = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
constexpr char kPeterVkey[] = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
constexpr char kPeterText[] =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
constexpr char kPeterSig[] =
    "\xE2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/"
    "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
constexpr char kEnochVkey[] = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
constexpr char kEnochSig[] =
    "\xE2\x80\x94 EnochRoot "
    "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/"
    "5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";
// §9 [C2] C2SP signed-note.md example.
constexpr char kC2Vkey[] = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
constexpr char kC2Note[] =
    "This is an example message.\n\n\xE2\x80\x94 example.com/foo "
    "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM="
    "\n";

NoteSigner Peter() {
  auto signer = NoteSigner::FromSeed(Base64Decode(kPeterSeedB64)->substr(1), "PeterNeumann");
  EXPECT_TRUE(signer.ok()) << signer.status().ToString();
  return std::move(signer).value();
}

std::string NewPem(int type = EVP_PKEY_ED25519) {
  EVP_PKEY* key = nullptr;
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_id(type, nullptr), EVP_PKEY_CTX_free);
  EXPECT_TRUE(ctx && EVP_PKEY_keygen_init(ctx.get()) > 0);
  if (type == EVP_PKEY_EC) EVP_PKEY_CTX_set_ec_paramgen_curve_nid(ctx.get(), NID_X9_62_prime256v1);
  EXPECT_GT(EVP_PKEY_keygen(ctx.get(), &key), 0);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> owned(key, EVP_PKEY_free);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  EXPECT_EQ(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr), 1);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

TEST(NoteVectorsTest, PeterNeumannKeyIdVerifierKeyAndSignature) {
  NoteSigner peter = Peter();
  EXPECT_EQ(peter.key_id(), 0xc74f20a3u);
  EXPECT_EQ(peter.VerifierKey(), kPeterVkey);
  // key ID = SHA-256('PeterNeumann' || 0x0A || 0x01 || pub)[:4]
  EXPECT_EQ(HexEncode(Sha256("PeterNeumann\n\x01" + peter.public_key()).substr(0, 4)), "c74f20a3");
  // Ed25519 is deterministic: the same seed signs the same text into the same line.
  auto note = peter.Sign(kPeterText);
  ASSERT_TRUE(note.ok()) << note.status().ToString();
  EXPECT_EQ(*note, std::string(kPeterText) + "\n" + kPeterSig);
  EXPECT_EQ(VerifyNote(*note, kPeterVkey).value(), kPeterText);
}

TEST(NoteVectorsTest, TwoSignaturesEachKeyFindsItsOwn) {
  std::string note = std::string(kPeterText) + "\n" + kPeterSig + kEnochSig;
  EXPECT_EQ(VerifyNote(note, kPeterVkey).value(), kPeterText);
  EXPECT_EQ(VerifyNote(note, kEnochVkey).value(), kPeterText);
  std::string reversed = std::string(kPeterText) + "\n" + kEnochSig + kPeterSig;
  EXPECT_EQ(VerifyNote(reversed, kPeterVkey).value(), kPeterText);
  EXPECT_EQ(VerifyNote(std::string(kPeterText) + "\n" + kEnochSig, kEnochVkey).value(), kPeterText);
  // Only Enoch signed: no signature by Peter.
  EXPECT_EQ(
      VerifyNote(std::string(kPeterText) + "\n" + kEnochSig, kPeterVkey).status().error_code(),
      "invalid_note");
}

TEST(NoteVectorsTest, C2spSignedNoteExample) {
  EXPECT_EQ(VerifyNote(kC2Note, kC2Vkey).value(), "This is an example message.\n");
  auto v = ParseVerifierKey(kC2Vkey);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->name, "example.com/foo");
  EXPECT_EQ(v->key_id, 0x530d903au);
}

TEST(NoteTest, PemKeyRoundTrip) {
  std::string pem = NewPem();
  for (std::string text : {pem, pem.substr(0, pem.size() - 1)}) {  // log.key is read trimmed
    auto signer = NoteSigner::FromPem(text, "log.example/trail");
    ASSERT_TRUE(signer.ok()) << signer.status().ToString();
    EXPECT_EQ(signer->name(), "log.example/trail");
    auto v = ParseVerifierKey(signer->VerifierKey());
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    EXPECT_EQ(v->key_id, signer->key_id());
    EXPECT_EQ(v->public_key, signer->public_key());
    std::string body = "line one\n\nline three after an empty line\n";
    auto note = signer->Sign(body);
    ASSERT_TRUE(note.ok());
    EXPECT_EQ(VerifyNote(*note, signer->VerifierKey()).value(), body);
  }
}

TEST(NoteTest, RejectsBadKeys) {
  EXPECT_FALSE(NoteSigner::FromPem("", "log").ok());
  EXPECT_FALSE(
      NoteSigner::FromPem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "log")
          .ok());
  auto ec = NoteSigner::FromPem(NewPem(EVP_PKEY_EC), "log");
  EXPECT_EQ(ec.status().error_code(), "invalid_key");
  EXPECT_NE(ec.status().message().find("Ed25519"), std::string::npos);
  EXPECT_FALSE(NoteSigner::FromSeed("short", "log").ok());
}

TEST(NoteTest, KeyNameRules) {
  EXPECT_TRUE(CheckKeyName("example.com/log42").ok());
  EXPECT_TRUE(CheckKeyName("zo\xC3\xAB").ok());
  struct Case {
    std::string name;
    std::string says;
  };
  for (const Case& c : std::vector<Case>{{"", "empty"},
                                         {"a+b", "'+'"},
                                         {"a b", "whitespace"},
                                         {"a\tb", "whitespace"},
                                         {"a\nb", "whitespace"},
                                         {"a\xC2\xA0"
                                          "b",
                                          "whitespace"},  // U+00A0
                                         {"a\xE3\x80\x80"
                                          "b",
                                          "whitespace"},  // U+3000
                                         {"a\xE2\x80\xA8"
                                          "b",
                                          "whitespace"},  // U+2028
                                         {"a\x01"
                                          "b",
                                          "control"},
                                         {"a\xFF", "UTF-8"}}) {
    Status s = CheckKeyName(c.name);
    EXPECT_FALSE(s.ok()) << c.name;
    EXPECT_NE(s.message().find(c.says), std::string::npos) << s.message();
    EXPECT_FALSE(NoteSigner::FromPem(NewPem(), c.name).ok()) << c.name;
  }
}

TEST(NoteTest, SignRejectsMalformedText) {
  NoteSigner peter = Peter();
  EXPECT_FALSE(peter.Sign("").ok());
  EXPECT_FALSE(peter.Sign("no newline").ok());
  EXPECT_FALSE(peter.Sign("tab\there\n").ok());
  EXPECT_FALSE(peter.Sign("cr\r\n").ok());
  EXPECT_FALSE(peter.Sign("bad \xFF utf8\n").ok());
  EXPECT_TRUE(peter.Sign("\n").ok());
}

TEST(NoteTest, VerifyRejectsTamperedNotes) {
  std::string good = std::string(kPeterText) + "\n" + kPeterSig;
  ASSERT_TRUE(VerifyNote(good, kPeterVkey).ok());

  std::string body = good;
  body[3] = 'X';
  EXPECT_EQ(VerifyNote(body, kPeterVkey).status().error_code(), "invalid_signature");
  std::string sig = good;
  size_t pos = sig.find("x08go") + 10;
  sig[pos] = sig[pos] == 'A' ? 'B' : 'A';
  EXPECT_EQ(VerifyNote(sig, kPeterVkey).status().error_code(), "invalid_signature");
  // The good signature followed by a bad one from the same key: the whole note is rejected.
  std::string mixed = good + sig.substr(sig.rfind("\xE2\x80\x94"));
  EXPECT_EQ(VerifyNote(mixed, kPeterVkey).status().error_code(), "invalid_signature");

  // Another key under the same name: its key id differs, so the signature is not "by" it.
  auto other = NoteSigner::FromPem(NewPem(), "PeterNeumann");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(VerifyNote(good, other->VerifierKey()).status().error_code(), "invalid_note");
  // A verifier key whose id does not match its key is refused outright.
  std::string forged = "PeterNeumann+c74f20a3+" + other->VerifierKey().substr(22);
  EXPECT_EQ(VerifyNote(good, forged).status().error_code(), "invalid_key");

  const std::string text = kPeterText, line = kPeterSig;
  for (const std::string& bad : std::vector<std::string>{
           "",
           text,                                           // no signatures
           text + "\n",                                    // blank line, no signatures
           text + line,                                    // no blank line
           text + "\n" + line.substr(0, line.size() - 1),  // no final newline
           text + "\n" + "- PeterNeumann " + line.substr(line.find(' ', 4) + 1),  // hyphen
           text + "\n" + line + "\n",                         // trailing blank line
           text + "\n" + line + "garbage\n",                  // a line that is no signature
           text + "\n" + "\xE2\x80\x94 PeterNeumann\n",       // no signature field
           text + "\n" + "\xE2\x80\x94 PeterNeumann !!!!\n",  // not base64
           text + "\n" + "\xE2\x80\x94 Peter+Neumann " + line.substr(line.find(' ', 4) + 1),
           "tab\t\n\n" + line,    // control character
           "bad\xFF\n\n" + line,  // not UTF-8
       }) {
    auto r = VerifyNote(bad, kPeterVkey);
    EXPECT_FALSE(r.ok()) << bad;
  }
  // Peter's signature under another name is not Peter's signature.
  std::string renamed =
      text + "\n" + "\xE2\x80\x94 PaulNeumann " + line.substr(line.find(' ', 4) + 1);
  EXPECT_EQ(VerifyNote(renamed, kPeterVkey).status().error_code(), "invalid_note");
  // Unknown signers are ignored, before or after.
  std::string unknown = "\xE2\x80\x94 someone.else AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n";
  EXPECT_TRUE(VerifyNote(text + "\n" + unknown + line, kPeterVkey).ok());
  EXPECT_TRUE(VerifyNote(text + "\n" + line + unknown, kPeterVkey).ok());
  // More than 100 signature lines is too many.
  std::string many = text + "\n";
  for (int i = 0; i < 101; ++i) many += unknown;
  EXPECT_FALSE(VerifyNote(many + line, kPeterVkey).ok());
}

TEST(NoteTest, ParseVerifierKeyRejectsMalformedKeys) {
  EXPECT_TRUE(ParseVerifierKey(kPeterVkey).ok());
  for (std::string bad : {"", "PeterNeumann", "PeterNeumann+c74f20a3",
                          "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                          "PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                          "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T",
                          "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                          "PeterNeumann+c74f20a3+Ahpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                          "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"}) {
    EXPECT_EQ(ParseVerifierKey(bad).status().error_code(), "invalid_key") << bad;
  }
  EXPECT_TRUE(
      ParseVerifierKey("PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW").ok());
}

// §9 [GOT] golang/mod sumdb/tlog/note_test.go: FormatTree(N=123456789012,
// Hash=RecordHash("hello world")).
TEST(CheckpointTest, GoSumdbVector) {
  std::string body =
      FormatCheckpoint("go.sum database tree", 123456789012, LeafHashOf("hello world"));
  EXPECT_EQ(body,
            "go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n");
  auto cp = ParseCheckpoint(body);
  ASSERT_TRUE(cp.ok()) << cp.status().ToString();
  EXPECT_EQ(*cp, (Checkpoint{"go.sum database tree", 123456789012, LeafHashOf("hello world")}));
}

// §10 C2SP tlog-checkpoint.md example (its signature cannot be checked: no key is published).
TEST(CheckpointTest, C2spExampleBody) {
  auto cp = ParseCheckpoint(
      "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n");
  ASSERT_TRUE(cp.ok()) << cp.status().ToString();
  EXPECT_EQ(cp->origin, "example.com/behind-the-sofa");
  EXPECT_EQ(cp->size, 20852163u);
  EXPECT_EQ(Base64Encode(cp->root), "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=");
}

TEST(CheckpointTest, StrictParsing) {
  const std::string root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
  EXPECT_TRUE(ParseCheckpoint("log\n0\n" + root + "\n").ok());
  EXPECT_EQ(ParseCheckpoint("log\n18446744073709551615\n" + root + "\n")->size, UINT64_MAX);
  auto ext = ParseCheckpoint("log\n5\n" + root + "\nextension one\nextension two\n");
  ASSERT_TRUE(ext.ok());
  EXPECT_EQ(ext->size, 5u);
  for (const std::string& bad : std::vector<std::string>{
           "",
           "log\n5\n",
           "log\n5\n" + root,
           "\n5\n" + root + "\n",
           "log\n05\n" + root + "\n",
           "log\n00\n" + root + "\n",
           "log\n+5\n" + root + "\n",
           "log\n-5\n" + root + "\n",
           "log\n 5\n" + root + "\n",
           "log\n5 \n" + root + "\n",
           "log\n5x\n" + root + "\n",
           "log\n\n" + root + "\n",
           "log\n18446744073709551616\n" + root + "\n",
           "log\n99999999999999999999\n" + root + "\n",
           "log\n5\n" + root.substr(4) + "\n",                   // 29 bytes
           "log\n5\nAAAA\n",                                     // 3 bytes
           "log\n5\n" + root.substr(0, root.size() - 1) + "\n",  // bad padding
           "log\n5\n" + root + " \n",
           "log\n5\n" + root + "\n\n",  // empty extension line
           "log\n5\n" + root + "\n\nsigned-looking\n",
           "log\r\n5\n" + root + "\n",
           "log\n5\r\n" + root + "\n",
       }) {
    auto cp = ParseCheckpoint(bad);
    EXPECT_FALSE(cp.ok()) << bad;
    if (!cp.ok()) {
      EXPECT_EQ(cp.status().error_code(), "invalid_checkpoint");
    }
  }
}

TEST(CheckpointTest, SignVerifyParsePipeline) {
  auto signer = NoteSigner::FromPem(NewPem(), "audit.example.com/trail");
  ASSERT_TRUE(signer.ok());
  std::string root = LeafHashOf("x");
  auto note = signer->Sign(FormatCheckpoint(signer->name(), 42, root));
  ASSERT_TRUE(note.ok());
  auto body = VerifyNote(*note, signer->VerifierKey());
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  auto cp = ParseCheckpoint(*body);
  ASSERT_TRUE(cp.ok());
  EXPECT_EQ(*cp, (Checkpoint{"audit.example.com/trail", 42, root}));
}

}  // namespace
}  // namespace trail::tlog
