// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// Event types (SPEC §2): the registry of tags an application may record, loaded from
// `events.toml`, plus trail's own built-in `trail:*` types.
//
// A TypeRegistry is immutable once built; share it as std::shared_ptr<const TypeRegistry> and
// swap the pointer on reload (see TypeSet). All const methods are thread-safe.
#pragma once

#include <boost/json/fwd.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace trail {

enum class FieldType { kString, kInt, kBool, kNumber, kObject, kArray, kAny };
std::string_view FieldTypeName(FieldType t);

struct FieldSpec {
  std::string name;
  FieldType type = FieldType::kAny;
  bool optional = false;
};

// A description template, pre-split into literal text and `{placeholder}` parts.
struct Template {
  struct Part {
    bool placeholder = false;
    std::string text;  // literal text, or the placeholder's name
  };
  std::vector<Part> parts;
  std::string source;
  bool uses_fields = false;  // names a metadata field (rendering then parses the metadata)
};

// Retention: nullopt = forever, else the age in microseconds after which events are pruned.
using Retention = std::optional<Micros>;

struct EventType {
  std::string tag;
  std::string subject_kind;
  Template description;
  std::vector<FieldSpec> fields;  // in declaration order
  bool reject_extra_fields = false;
  std::vector<std::string> visible_to;  // "self" or role names; empty = admins only
  Retention retention;
  std::string retention_text;  // as written: "forever", "90d", …
  bool builtin = false;

  const FieldSpec* Field(std::string_view name) const;
  // Checks `metadata` against the fields. Messages read "metadata.role_name: expected string".
  Status ValidateMetadata(const boost::json::object& metadata) const;
  // Renders the description; absent values render as "".
  std::string Render(std::string_view actor, std::string_view subject_id,
                     const boost::json::object& metadata) const;
};

class TypeRegistry {
 public:
  // Parses and validates TOML text. `origin` names the source in error messages.
  static Result<std::shared_ptr<const TypeRegistry>> FromToml(std::string_view text,
                                                              const std::string& origin);
  static Result<std::shared_ptr<const TypeRegistry>> FromFile(const std::string& path);
  // Only the built-in trail:* types.
  static std::shared_ptr<const TypeRegistry> BuiltinOnly();

  const EventType* Find(std::string_view tag) const;
  const std::vector<const EventType*>& All() const {
    return ordered_;
  }  // user types, then built-ins
  size_t user_type_count() const { return user_count_; }
  std::string source() const { return source_; }

 private:
  void AddBuiltins();
  void Index();
  std::vector<std::unique_ptr<EventType>> types_;
  std::map<std::string, const EventType*, std::less<>> by_tag_;
  std::vector<const EventType*> ordered_;
  size_t user_count_ = 0;
  std::string source_;
};

// The running set of types: replaced whole on reload, never modified in place.
class TypeSet {
 public:
  explicit TypeSet(std::shared_ptr<const TypeRegistry> initial) : current_(std::move(initial)) {}
  std::shared_ptr<const TypeRegistry> Get() const {
    std::lock_guard<std::mutex> l(mu_);
    return current_;
  }
  void Set(std::shared_ptr<const TypeRegistry> next) {
    std::lock_guard<std::mutex> l(mu_);
    current_ = std::move(next);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const TypeRegistry> current_;
};

}  // namespace trail
