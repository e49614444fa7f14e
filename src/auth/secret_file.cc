// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "auth/secret_file.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "core/atomic_file.h"
#include "core/codec.h"

namespace trail {
namespace {

Status Errno(const std::string& what) {
  return Status::IoError(what + ": " + std::strerror(errno));
}

// A fresh Ed25519 private key as PKCS#8 PEM (the checkpoint signing key of SPEC §5).
Result<std::string> NewEd25519Pem() {
  EVP_PKEY* key = nullptr;
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr), EVP_PKEY_CTX_free);
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) <= 0 || EVP_PKEY_keygen(ctx.get(), &key) <= 0)
    return Status::Internal("Ed25519 key generation failed");
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> owned(key, EVP_PKEY_free);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return Status::Internal("Ed25519 key encoding failed");
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

}  // namespace

Result<std::string> ReadSecretFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound(path + " does not exist");
    return Errno("open " + path);
  }
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  int err = errno;
  ::close(fd);
  if (n < 0) {
    errno = err;
    return Errno("read " + path);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r' || out.back() == ' '))
    out.pop_back();
  return out;
}

Status WriteSecretFile(const std::string& path, const std::string& contents) {
  return WriteFileAtomically(path, contents, AtomicMode::kCreate);
}

std::optional<std::string> DataDirModeWarning(const std::string& dir) {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0 || (st.st_mode & 077) == 0) return std::nullopt;
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
  return "warning: the data directory " + dir + " has mode " + mode + ": group or others may " +
         ((st.st_mode & 022) ? "write to" : "read") +
         " it, and it holds the log's keys and personal data; run: chmod 700 " + dir;
}

Status PrepareDataDir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return Errno("mkdir " + dir);
  const std::string secret = dir + "/viewer.secret";
  if (auto r = ReadSecretFile(secret); !r.ok()) {
    if (r.status().code() != Code::kNotFound) return r.status();
    TRAIL_RETURN_IF_ERROR(WriteSecretFile(secret, Base64UrlEncode(RandomBytes(32)) + "\n"));
  }
  const std::string log_key = dir + "/log.key";
  if (auto r = ReadSecretFile(log_key); !r.ok()) {
    if (r.status().code() != Code::kNotFound) return r.status();
    auto pem = NewEd25519Pem();
    if (!pem.ok()) return pem.status();
    TRAIL_RETURN_IF_ERROR(WriteSecretFile(log_key, *pem));
  }
  return Status::Ok();
}

}  // namespace trail
