// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// Status and Result<T>: errors are values.
//
// Every fallible call in trail returns a Status (or a Result<T> holding either a T or a
// non-OK Status). Codes are few and map one-to-one onto HTTP statuses in http/errors.cc;
// `error_code` is the machine-readable string of SPEC §3 ("invalid_event", ...), `index` the
// position of the offending event in a batch (-1 when not about one event).
// Values are immutable and cheap to move; safe to pass between threads.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace trail {

enum class Code {
  kOk = 0,
  kInvalidArgument,    // 400
  kUnauthenticated,    // 401
  kForbidden,          // 403
  kNotFound,           // 404
  kConflict,           // 409
  kTooLarge,           // 413
  kResourceExhausted,  // 429
  kUnavailable,        // 503
  kCorruption,         // 500
  kIoError,            // 500
  kInternal,           // 500
};

class Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status Invalid(std::string code, std::string msg, int index = -1) {
    return Status(Code::kInvalidArgument, std::move(code), std::move(msg), index);
  }
  static Status Unauthenticated(std::string msg) {
    return Status(Code::kUnauthenticated, "unauthenticated", std::move(msg));
  }
  static Status Forbidden(std::string msg) {
    return Status(Code::kForbidden, "forbidden", std::move(msg));
  }
  static Status NotFound(std::string msg) {
    return Status(Code::kNotFound, "not_found", std::move(msg));
  }
  static Status Conflict(std::string msg) {
    return Status(Code::kConflict, "conflict", std::move(msg));
  }
  static Status TooLarge(std::string msg, int index = -1) {
    return Status(Code::kTooLarge, "too_large", std::move(msg), index);
  }
  static Status Exhausted(std::string msg, std::string code = "queue_full") {
    return Status(Code::kResourceExhausted, std::move(code), std::move(msg));
  }
  static Status Unavailable(std::string msg) {
    return Status(Code::kUnavailable, "unavailable", std::move(msg));
  }
  static Status Corruption(std::string msg) {
    return Status(Code::kCorruption, "corruption", std::move(msg));
  }
  static Status IoError(std::string msg) {
    return Status(Code::kIoError, "io_error", std::move(msg));
  }
  static Status Internal(std::string msg) {
    return Status(Code::kInternal, "internal", std::move(msg));
  }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& error_code() const { return error_code_; }
  const std::string& message() const { return message_; }
  int index() const { return index_; }
  Status WithIndex(int index) const {
    Status s = *this;
    s.index_ = index;
    return s;
  }
  Status Prefixed(const std::string& prefix) const {
    Status s = *this;
    s.message_ = prefix + s.message_;
    return s;
  }
  std::string ToString() const {
    if (ok()) return "OK";
    return error_code_ + ": " + message_ +
           (index_ >= 0 ? " (index " + std::to_string(index_) + ")" : "");
  }

 private:
  Status(Code c, std::string ec, std::string msg, int index = -1)
      : code_(c), error_code_(std::move(ec)), message_(std::move(msg)), index_(index) {}
  Code code_ = Code::kOk;
  std::string error_code_;
  std::string message_;
  int index_ = -1;
};

template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: must not be OK
  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

#define TRAIL_RETURN_IF_ERROR(expr) \
  do {                              \
    ::trail::Status _st = (expr);   \
    if (!_st.ok()) return _st;      \
  } while (0)

}  // namespace trail
