// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "tlog/hasher.h"

#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>

#include "core/codec.h"

namespace trail::tlog {
namespace {

[[noreturn]] void HashFailed() {
  std::fprintf(stderr, "trail: SHA-256 failed\n");
  std::abort();
}

// A digest context per thread, and the SHA-256 implementation fetched once: re-fetching the
// algorithm on every call is what makes the one-shot API slow.
class ThreadHasher {
 public:
  ThreadHasher() : ctx_(EVP_MD_CTX_new()) {
    if (ctx_ == nullptr) HashFailed();
  }
  ~ThreadHasher() { EVP_MD_CTX_free(ctx_); }
  ThreadHasher(const ThreadHasher&) = delete;
  ThreadHasher& operator=(const ThreadHasher&) = delete;

  std::string Hash(unsigned char prefix, std::string_view a, std::string_view b) {
    static EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (kSha256 == nullptr) HashFailed();
    std::string out(kHashSize, '\0');
    unsigned int len = 0;
    if (EVP_DigestInit_ex2(ctx_, kSha256, nullptr) != 1 ||
        EVP_DigestUpdate(ctx_, &prefix, 1) != 1 ||
        (!a.empty() && EVP_DigestUpdate(ctx_, a.data(), a.size()) != 1) ||
        (!b.empty() && EVP_DigestUpdate(ctx_, b.data(), b.size()) != 1) ||
        EVP_DigestFinal_ex(ctx_, reinterpret_cast<unsigned char*>(out.data()), &len) != 1 ||
        len != kHashSize) {
      HashFailed();
    }
    return out;
  }

 private:
  EVP_MD_CTX* ctx_;
};

ThreadHasher& Hasher() {
  thread_local ThreadHasher hasher;
  return hasher;
}

}  // namespace

std::string LeafHashOf(std::string_view data) { return Hasher().Hash(0x00, data, {}); }

std::string NodeHashOf(std::string_view left, std::string_view right) {
  return Hasher().Hash(0x01, left, right);
}

const std::string& EmptyRoot() {
  static const std::string kEmpty = Sha256("");
  return kEmpty;
}

}  // namespace trail::tlog
