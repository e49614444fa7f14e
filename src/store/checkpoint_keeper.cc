// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "store/checkpoint_keeper.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/atomic_file.h"
#include "core/restarting_loop.h"
#include "tlog/note.h"
#include "tlog/tree.h"

namespace trail {
namespace {

Status Errno(const std::string& what) {
  return Status::IoError(what + ": " + std::strerror(errno));
}

Status RemoveDurably(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return Errno("remove " + path);
  return FsyncDirOf(path);
}

Result<SignedCheckpoint> Parse(const std::string& note, const std::string& verifier_key) {
  auto body = tlog::VerifyNote(note, verifier_key);
  if (!body.ok()) return body.status();
  auto cp = tlog::ParseCheckpoint(*body);
  if (!cp.ok()) return cp.status();
  return SignedCheckpoint{cp->size, cp->root, note};
}

}  // namespace

Status CheckExtends(const SignedCheckpoint& kept, uint64_t size, tlog::TileSource& tiles) {
  const std::string sizes =
      "kept size " + std::to_string(kept.size) + ", store size " + std::to_string(size);
  if (size < kept.size)
    return Status::Conflict(
        "the store's tree is smaller than the newest checkpoint this node signed or saw (" + sizes +
        "): the store was restored from an older copy or is another log");
  if (kept.size == 0) return Status::Ok();
  auto root = tlog::RootAt(kept.size, tiles);
  if (!root.ok()) return root.status();
  if (*root != kept.root)
    return Status::Conflict(
        "the store's tree does not extend the newest checkpoint this node signed or saw (" + sizes +
        "; its root at size " + std::to_string(kept.size) +
        " differs): the store was restored from another history or is another log");
  return Status::Ok();
}

CheckpointKeeper::CheckpointKeeper(std::string path, std::string verifier_key, LogFn log)
    : path_(std::move(path)), verifier_key_(std::move(verifier_key)), log_(std::move(log)) {}

Result<std::unique_ptr<CheckpointKeeper>> CheckpointKeeper::Open(const std::string& path,
                                                                 const std::string& verifier_key,
                                                                 LogFn log) {
  std::unique_ptr<CheckpointKeeper> k(new CheckpointKeeper(path, verifier_key, std::move(log)));
  std::ifstream in(path, std::ios::binary);
  if (in) {
    std::ostringstream text;
    text << in.rdbuf();
    auto cp = Parse(text.str(), verifier_key);
    if (!cp.ok())
      return Status::Corruption(
          path + " is not a checkpoint signed by this log's key (" + cp.status().message() +
          "); it guards against signing a fork after a restore, so trail will not start "
          "without it: put back the file, or remove it if this node's log.key changed");
    k->kept_ = std::move(cp.value());
  } else if (errno != ENOENT) {
    return Errno("read " + path);
  }
  k->thread_ =
      std::thread([p = k.get()] { RunRestarting("checkpoint keeper", [p] { p->WriterLoop(); }); });
  return k;
}

CheckpointKeeper::~CheckpointKeeper() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::optional<SignedCheckpoint> CheckpointKeeper::Kept() const {
  std::lock_guard<std::mutex> l(mu_);
  return kept_;
}

bool CheckpointKeeper::Keep(const SignedCheckpoint& cp) {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (kept_ && kept_->size >= cp.size) return false;
  }
  auto checked = Parse(cp.note, verifier_key_);  // outside the lock: a signature check
  if (!checked.ok() || checked->size != cp.size || checked->root != cp.root) {
    LogOnce("not keeping a checkpoint of size " + std::to_string(cp.size) +
            " that this log's key did not sign");
    return false;
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    if (kept_ && kept_->size >= cp.size) return false;
    kept_ = std::move(checked.value());
    ++version_;
  }
  cv_.notify_all();
  return true;
}

Status CheckpointKeeper::WriteLocked(std::unique_lock<std::mutex>& l) {
  cv_.wait(l, [&] { return !writing_; });
  if (written_ == version_) return Status::Ok();
  const uint64_t v = version_;
  const std::optional<SignedCheckpoint> cp = kept_;
  writing_ = true;
  l.unlock();
  Status s = cp ? WriteFileAtomically(path_, cp->note, AtomicMode::kReplace) : RemoveDurably(path_);
  l.lock();
  writing_ = false;
  if (s.ok()) written_ = std::max(written_, v);
  cv_.notify_all();
  return s;
}

void CheckpointKeeper::WriterLoop() {
  std::unique_lock<std::mutex> l(mu_);
  while (true) {
    cv_.wait(l, [&] { return stop_ || (written_ != version_ && !writing_); });
    Status s = WriteLocked(l);
    if (!s.ok() && log_) {
      l.unlock();
      log_("keeping the newest checkpoint in " + path_ + ": " + s.ToString());
      std::this_thread::sleep_for(std::chrono::seconds(1));
      l.lock();
    }
    if (stop_ && (written_ == version_ || !s.ok())) return;
  }
}

Status CheckpointKeeper::Replace(const std::optional<SignedCheckpoint>& cp) {
  std::optional<SignedCheckpoint> checked;
  if (cp) {
    auto p = Parse(cp->note, verifier_key_);
    if (!p.ok()) return p.status();
    checked = std::move(p.value());
  }
  std::unique_lock<std::mutex> l(mu_);
  kept_ = std::move(checked);
  ++version_;
  return WriteLocked(l);
}

Status CheckpointKeeper::Flush() {
  std::unique_lock<std::mutex> l(mu_);
  return WriteLocked(l);
}

void CheckpointKeeper::Refused(const Status& why) {
  LogOnce("refusing to sign a checkpoint: " + why.message());
}

void CheckpointKeeper::LogOnce(const std::string& msg) {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (msg == last_refusal_) return;
    last_refusal_ = msg;
  }
  if (log_) log_(msg);
}

}  // namespace trail
