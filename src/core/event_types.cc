// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "core/event_types.h"

#include <toml++/toml.h>

#include <algorithm>
#include <boost/json.hpp>
#include <fstream>
#include <set>
#include <sstream>

#include "core/jcs.h"
#include "core/names.h"
#include "core/time_format.h"

namespace trail {
namespace {

// trail's own administrative acts (SPEC §6), declared here rather than in the user's file.
constexpr std::string_view kBuiltinToml = R"(
[[event]]
tag = "trail:key:created"
subject = "key"
description = "{actor} created {role} key {name}"
fields = { role = "string", name = "string" }
visible_to = []
retention = "forever"

[[event]]
tag = "trail:key:revoked"
subject = "key"
description = "{actor} revoked key {subject_id}"
visible_to = []
retention = "forever"

[[event]]
tag = "trail:export"
subject = "trail"
description = "{actor} exported events as {format}"
fields = { format = "string", filter = "string" }
visible_to = []
retention = "forever"

[[event]]
tag = "trail:types:reloaded"
subject = "trail"
description = "Event types reloaded from {source}: {count} types"
fields = { source = "string", count = "int" }
visible_to = []
retention = "forever"

[[event]]
tag = "trail:gc"
subject = "trail"
description = "Retention run pruned {pruned} and scrubbed {scrubbed} events"
fields = { pruned = "int", scrubbed = "int", as_of = "string", dry_run = "bool" }
visible_to = []
retention = "forever"

[[event]]
tag = "trail:restore"
subject = "trail"
description = "A restored store was accepted: the log went back from {old_size} to {new_size} events"
fields = { old_size = "int", new_size = "int", old_root = "string" }
visible_to = []
retention = "forever"

[[event]]
tag = "trail:redact"
subject = "trail"
description = "{actor} redacted {pruned} events"
fields = { pruned = "int", skipped = "int", subject = "string?", actor = "string?" }
visible_to = []
retention = "forever"
)";

std::string Where(const std::string& origin, const toml::node& node) {
  const auto& src = node.source();
  if (src.begin.line == 0) return origin;
  return origin + ":" + std::to_string(src.begin.line);
}

Status Bad(const std::string& where, const std::string& msg) {
  return Status::Invalid("invalid_types", where + ": " + msg);
}

std::optional<FieldType> ParseFieldType(std::string_view s) {
  if (s == "string") return FieldType::kString;
  if (s == "int") return FieldType::kInt;
  if (s == "bool") return FieldType::kBool;
  if (s == "number") return FieldType::kNumber;
  if (s == "object") return FieldType::kObject;
  if (s == "array") return FieldType::kArray;
  if (s == "any") return FieldType::kAny;
  return std::nullopt;
}

Result<Template> ParseTemplate(std::string_view text) {
  Template t;
  t.source = std::string(text);
  std::string literal;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '}') return Status::Invalid("invalid_types", "unmatched '}' in description");
    if (c != '{') {
      literal += c;
      continue;
    }
    size_t close = text.find('}', i + 1);
    if (close == std::string_view::npos)
      return Status::Invalid("invalid_types", "unclosed '{' in description");
    std::string name(text.substr(i + 1, close - i - 1));
    if (name.empty() || name.find('{') != std::string::npos)
      return Status::Invalid("invalid_types", "bad placeholder in description");
    if (!literal.empty()) t.parts.push_back({false, std::move(literal)});
    literal.clear();
    if (name != "actor" && name != "subject_id" && name != "tag") t.uses_fields = true;
    t.parts.push_back({true, std::move(name)});
    i = close;
  }
  if (!literal.empty()) t.parts.push_back({false, std::move(literal)});
  return t;
}

bool IsRoleName(std::string_view s) { return IsValidTagPart(s); }

// Errors name the line of the offending key where there is one, else the [[event]] line.
Result<std::unique_ptr<EventType>> ParseType(const toml::table& tbl, const std::string& origin,
                                             bool builtin) {
  const std::string where = Where(origin, tbl);
  static const std::set<std::string, std::less<>> kKeys = {
      "tag", "subject", "description", "fields", "extra_fields", "visible_to", "retention"};
  for (const auto& [k, v] : tbl) {
    if (!kKeys.count(k.str()))
      return Bad(Where(origin, v), "unknown key '" + std::string(k.str()) + "'");
  }
  auto t = std::make_unique<EventType>();
  t->builtin = builtin;

  auto tag = tbl["tag"].value<std::string>();
  if (!tag) return Bad(where, "missing string 'tag'");
  if (!IsValidTag(*tag))
    return Bad(where, "tag '" + *tag + "' is not noun:verb[:qualifier…] of [a-z0-9_-]");
  if (!builtin && tag->rfind("trail:", 0) == 0)
    return Bad(where, "tag '" + *tag + "': the trail: prefix is reserved for built-in types");
  t->tag = *tag;
  const std::string at = where + " (" + t->tag + ")";
  auto at_node = [&](const toml::node& n) { return Where(origin, n) + " (" + t->tag + ")"; };

  auto subject = tbl["subject"].value<std::string>();
  if (!subject) return Bad(at, "missing string 'subject' (the subject kind, e.g. \"project\")");
  if (!IsValidTagPart(*subject))
    return Bad(at, "subject kind '" + *subject + "' is not [a-z0-9_-]+");
  t->subject_kind = *subject;

  if (const toml::node* f = tbl.get("fields")) {
    const toml::table* ft = f->as_table();
    if (!ft) return Bad(at_node(*f), "'fields' must be a table of name = \"type\"");
    std::vector<toml::source_position> positions;
    for (const auto& [k, v] : *ft) {
      auto ty = v.value<std::string>();
      if (!ty)
        return Bad(at_node(v), "field '" + std::string(k.str()) + "': type must be a string");
      FieldSpec spec;
      spec.name = std::string(k.str());
      if (spec.name.empty()) return Bad(at_node(v), "empty field name");
      std::string_view tn = *ty;
      if (!tn.empty() && tn.back() == '?') {
        spec.optional = true;
        tn.remove_suffix(1);
      }
      auto parsed = ParseFieldType(tn);
      if (!parsed)
        return Bad(at_node(v),
                   "field '" + spec.name + "': unknown type '" + *ty +
                       "' (string, int, bool, number, object, array, any; '?' = optional)");
      spec.type = *parsed;
      t->fields.push_back(std::move(spec));
      positions.push_back(k.source().begin);
    }
    // toml++ iterates a table in key order; EventType::fields promises declaration order.
    std::vector<size_t> order(t->fields.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      const auto& pa = positions[a];
      const auto& pb = positions[b];
      return pa.line != pb.line ? pa.line < pb.line : pa.column < pb.column;
    });
    std::vector<FieldSpec> declared;
    declared.reserve(order.size());
    for (size_t i : order) declared.push_back(std::move(t->fields[i]));
    t->fields = std::move(declared);
  }

  if (const toml::node* d = tbl.get("description")) {
    auto text = d->value<std::string>();
    if (!text) return Bad(at_node(*d), "'description' must be a string");
    auto tmpl = ParseTemplate(*text);
    if (!tmpl.ok()) return Bad(at_node(*d), tmpl.status().message());
    for (const auto& p : tmpl->parts) {
      if (!p.placeholder) continue;
      // Render() fills these itself; {subject} is not one of them (only {subject_id} is), so
      // like any other name it must be a declared field. {ip} and {user_agent} are personal
      // data, shown only by the rules of SPEC §6, never in a description that every reader sees
      // and that scrubbing would not reach (SPEC §2).
      if (p.text == "ip" || p.text == "user_agent")
        return Bad(at_node(*d), "description uses {" + p.text +
                                    "}: personal data is never part of a description");
      if (p.text == "actor" || p.text == "subject_id" || p.text == "tag") continue;
      if (!t->Field(p.text))
        return Bad(at_node(*d), "description uses {" + p.text + "}, which is not a declared field");
    }
    t->description = std::move(*tmpl);
  }

  if (const toml::node* x = tbl.get("extra_fields")) {
    auto v = x->value<std::string>();
    if (!v || (*v != "reject" && *v != "keep"))
      return Bad(at_node(*x), "extra_fields must be \"keep\" or \"reject\"");
    t->reject_extra_fields = *v == "reject";
  }

  if (const toml::node* vis = tbl.get("visible_to")) {
    const toml::array* arr = vis->as_array();
    if (!arr) return Bad(at_node(*vis), "visible_to must be an array of role names or \"self\"");
    for (const auto& r : *arr) {
      auto role = r.value<std::string>();
      if (!role || !IsRoleName(*role))
        return Bad(at_node(r), "visible_to entries must be \"self\" or role names of [a-z0-9_-]");
      t->visible_to.push_back(*role);
    }
  }

  t->retention_text = "forever";
  if (const toml::node* r = tbl.get("retention")) {
    auto v = r->value<std::string>();
    if (!v) return Bad(at_node(*r), "retention must be \"forever\" or a duration like \"90d\"");
    if (*v != "forever") {
      auto d = ParseDuration(*v);
      if (!d)
        return Bad(at_node(*r),
                   "retention '" + *v + "' is not \"forever\" or a duration (90d, 12w, 1y)");
      t->retention = *d;
    }
    t->retention_text = *v;
  }
  return t;
}

Status ParseInto(std::string_view text, const std::string& origin, bool builtin,
                 std::vector<std::unique_ptr<EventType>>* out) {
  toml::table root;
  try {
    root = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    return Bad(origin + ":" + std::to_string(e.source().begin.line), std::string(e.description()));
  }
  for (const auto& [k, v] : root) {
    if (k.str() != "event")
      return Bad(Where(origin, v),
                 "unknown top-level key '" + std::string(k.str()) + "' (expected [[event]])");
  }
  const toml::array* events = root["event"].as_array();
  if (!events) {
    if (root.contains("event"))
      return Bad(origin, "'event' must be an array of tables ([[event]])");
    return Status::Ok();  // an empty file declares no types
  }
  std::set<std::string, std::less<>> seen;
  for (const auto& node : *events) {
    const toml::table* tbl = node.as_table();
    if (!tbl) return Bad(Where(origin, node), "each [[event]] must be a table");
    auto t = ParseType(*tbl, origin, builtin);
    if (!t.ok()) return t.status();
    if (!seen.insert(t.value()->tag).second) {
      const toml::node* tag = tbl->get("tag");
      return Bad(Where(origin, tag ? *tag : node),
                 "tag '" + t.value()->tag + "' is declared twice");
    }
    out->push_back(std::move(t.value()));
  }
  return Status::Ok();
}

void AppendValueText(const boost::json::value& v, std::string* out) {
  if (v.is_string()) {
    out->append(v.get_string().data(), v.get_string().size());
  } else if (!v.is_null()) {
    // Canonical JSON writes numbers as people read them ("2.5"; serialize() writes "2.5E0").
    AppendCanonicalJson(v, out);
  }
}

bool TypeMatches(FieldType t, const boost::json::value& v) {
  switch (t) {
    case FieldType::kString:
      return v.is_string();
    case FieldType::kInt:
      return v.is_int64() || v.is_uint64();
    case FieldType::kBool:
      return v.is_bool();
    case FieldType::kNumber:
      return v.is_number();
    case FieldType::kObject:
      return v.is_object();
    case FieldType::kArray:
      return v.is_array();
    case FieldType::kAny:
      return true;
  }
  return false;
}

const char* Article(FieldType t) {
  return t == FieldType::kInt || t == FieldType::kObject || t == FieldType::kArray ? "an " : "";
}

}  // namespace

std::string_view FieldTypeName(FieldType t) {
  switch (t) {
    case FieldType::kString:
      return "string";
    case FieldType::kInt:
      return "int";
    case FieldType::kBool:
      return "bool";
    case FieldType::kNumber:
      return "number";
    case FieldType::kObject:
      return "object";
    case FieldType::kArray:
      return "array";
    case FieldType::kAny:
      return "any";
  }
  return "any";
}

const FieldSpec* EventType::Field(std::string_view name) const {
  for (const auto& f : fields)
    if (f.name == name) return &f;
  return nullptr;
}

Status EventType::ValidateMetadata(const boost::json::object& metadata) const {
  for (const auto& f : fields) {
    auto it = metadata.find(f.name);
    if (it == metadata.end() || it->value().is_null()) {
      if (f.optional) continue;
      return Status::Invalid("invalid_event", "metadata." + f.name + ": required " +
                                                  std::string(FieldTypeName(f.type)) +
                                                  " field missing");
    }
    if (!TypeMatches(f.type, it->value())) {
      return Status::Invalid("invalid_event", "metadata." + f.name + ": expected " +
                                                  Article(f.type) +
                                                  std::string(FieldTypeName(f.type)));
    }
  }
  if (reject_extra_fields) {
    for (const auto& kv : metadata) {
      if (!Field(kv.key()))
        return Status::Invalid("invalid_event", "metadata." + std::string(kv.key()) +
                                                    ": not a field of " + tag +
                                                    " (extra_fields = \"reject\")");
    }
  }
  return Status::Ok();
}

std::string EventType::Render(std::string_view actor, std::string_view subject_id,
                              const boost::json::object& metadata) const {
  std::string out;
  for (const auto& p : description.parts) {
    if (!p.placeholder) {
      out += p.text;
    } else if (p.text == "actor") {
      out += actor;
    } else if (p.text == "subject_id") {
      out += subject_id;
    } else if (p.text == "tag") {
      out += tag;
    } else if (auto it = metadata.find(p.text); it != metadata.end()) {
      AppendValueText(it->value(), &out);
    }
  }
  return out;
}

Result<std::shared_ptr<const TypeRegistry>> TypeRegistry::FromToml(std::string_view text,
                                                                   const std::string& origin) {
  auto reg = std::shared_ptr<TypeRegistry>(new TypeRegistry());
  reg->source_ = origin;
  TRAIL_RETURN_IF_ERROR(ParseInto(text, origin, false, &reg->types_));
  reg->user_count_ = reg->types_.size();
  reg->AddBuiltins();
  reg->Index();
  return std::shared_ptr<const TypeRegistry>(reg);
}

Result<std::shared_ptr<const TypeRegistry>> TypeRegistry::FromFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Invalid("invalid_types", path + ": cannot read the file");
  std::stringstream ss;
  ss << in.rdbuf();
  return FromToml(ss.str(), path);
}

std::shared_ptr<const TypeRegistry> TypeRegistry::BuiltinOnly() {
  auto reg = std::shared_ptr<TypeRegistry>(new TypeRegistry());
  reg->source_ = "(built-in)";
  reg->AddBuiltins();
  reg->Index();
  return reg;
}

void TypeRegistry::AddBuiltins() {
  Status s = ParseInto(kBuiltinToml, "(built-in)", true, &types_);
  if (!s.ok()) std::abort();  // the built-in text is part of the program
}

void TypeRegistry::Index() {
  for (const auto& t : types_) {
    by_tag_.emplace(t->tag, t.get());
    ordered_.push_back(t.get());
  }
}

const EventType* TypeRegistry::Find(std::string_view tag) const {
  auto it = by_tag_.find(tag);
  return it == by_tag_.end() ? nullptr : it->second;
}

}  // namespace trail
