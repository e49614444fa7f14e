// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "core/event_types.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "core/time_format.h"
#include "testing/temp_dir.h"

namespace trail {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

constexpr Micros kDay = 86'400'000'000;

// The repository's example, found relative to this file (CMake compiles with absolute paths).
std::string WarehouseEventsPath() {
  return (std::filesystem::path(__FILE__).parent_path() / ".." / ".." / "examples" / "warehouse" /
          "events.toml")
      .lexically_normal()
      .string();
}

std::shared_ptr<const TypeRegistry> Load(std::string_view toml) {
  auto r = TypeRegistry::FromToml(toml, "events.toml");
  EXPECT_TRUE(r.ok()) << r.status().ToString() << "\n" << toml;
  return r.ok() ? r.value() : nullptr;
}

Status LoadError(std::string_view toml) {
  auto r = TypeRegistry::FromToml(toml, "events.toml");
  EXPECT_FALSE(r.ok()) << "accepted:\n" << toml;
  if (r.ok()) return Status::Ok();
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(r.status().error_code(), "invalid_types");
  return r.status();
}

// One [[event]] with the given extra lines.
std::string OneType(std::string_view extra, std::string_view tag = "project:role:add",
                    std::string_view subject = "project") {
  return "[[event]]\ntag = \"" + std::string(tag) + "\"\nsubject = \"" + std::string(subject) +
         "\"\n" + std::string(extra) + "\n";
}

const EventType& Only(const TypeRegistry& reg) {
  EXPECT_EQ(reg.user_type_count(), 1u);
  return *reg.All().front();
}

boost::json::object Obj(std::string_view json) { return boost::json::parse(json).as_object(); }

// --- Field types ---

TEST(TypeRegistryTest, ParsesEveryFieldType) {
  auto reg = Load(OneType(
      R"(fields = { s = "string", i = "int", b = "bool", n = "number", o = "object", a = "array", x = "any" })"));
  ASSERT_TRUE(reg);
  const EventType& t = Only(*reg);
  ASSERT_EQ(t.fields.size(), 7u);
  const std::pair<const char*, FieldType> want[] = {
      {"s", FieldType::kString}, {"i", FieldType::kInt},    {"b", FieldType::kBool},
      {"n", FieldType::kNumber}, {"o", FieldType::kObject}, {"a", FieldType::kArray},
      {"x", FieldType::kAny}};
  for (const auto& [name, type] : want) {
    const FieldSpec* f = t.Field(name);
    ASSERT_NE(f, nullptr) << name;
    EXPECT_EQ(f->type, type) << name;
    EXPECT_FALSE(f->optional) << name;
  }
  EXPECT_EQ(t.Field("missing"), nullptr);
}

// toml++ hands out table keys sorted by name; fields used to come out alphabetical, and
// ValidateMetadata reported the alphabetically first bad field rather than the first declared.
TEST(TypeRegistryTest, FieldsKeepDeclarationOrder) {
  auto reg =
      Load(OneType(R"(fields = { zeta = "string", alpha = "int", mid = "bool?", beta = "any" })"));
  ASSERT_TRUE(reg);
  std::vector<std::string> names;
  for (const auto& f : Only(*reg).fields) names.push_back(f.name);
  EXPECT_EQ(names, (std::vector<std::string>{"zeta", "alpha", "mid", "beta"}));
  EXPECT_EQ(Only(*reg).ValidateMetadata({}).message(),
            "metadata.zeta: required string field missing");

  auto table = Load(OneType("[event.fields]\nz = \"string\"\ny = \"int\"\nx = \"bool\""));
  ASSERT_TRUE(table);
  names.clear();
  for (const auto& f : Only(*table).fields) names.push_back(f.name);
  EXPECT_EQ(names, (std::vector<std::string>{"z", "y", "x"}));
}

TEST(TypeRegistryTest, QuestionMarkMakesAFieldOptional) {
  auto reg = Load(OneType(R"(fields = { a = "string?", b = "int?", c = "any?", d = "bool" })"));
  ASSERT_TRUE(reg);
  const EventType& t = Only(*reg);
  EXPECT_TRUE(t.Field("a")->optional);
  EXPECT_EQ(t.Field("a")->type, FieldType::kString);
  EXPECT_TRUE(t.Field("b")->optional);
  EXPECT_EQ(t.Field("b")->type, FieldType::kInt);
  EXPECT_TRUE(t.Field("c")->optional);
  EXPECT_FALSE(t.Field("d")->optional);
}

TEST(TypeRegistryTest, FieldTypeNamesRoundTrip) {
  EXPECT_EQ(FieldTypeName(FieldType::kString), "string");
  EXPECT_EQ(FieldTypeName(FieldType::kInt), "int");
  EXPECT_EQ(FieldTypeName(FieldType::kBool), "bool");
  EXPECT_EQ(FieldTypeName(FieldType::kNumber), "number");
  EXPECT_EQ(FieldTypeName(FieldType::kObject), "object");
  EXPECT_EQ(FieldTypeName(FieldType::kArray), "array");
  EXPECT_EQ(FieldTypeName(FieldType::kAny), "any");
}

TEST(TypeRegistryTest, MisspelledFieldTypeIsRefusedNamingTheLine) {
  std::string toml = "# comment\n\n" + OneType(R"(fields = { role_name = "strng" })");  // line 6
  Status s = LoadError(toml);
  EXPECT_THAT(s.message(), HasSubstr("events.toml:6 "));
  EXPECT_THAT(s.message(), HasSubstr("role_name"));
  EXPECT_THAT(s.message(), HasSubstr("'strng'"));
  EXPECT_THAT(s.message(), HasSubstr("project:role:add"));
}

TEST(TypeRegistryTest, BadFieldDeclarationsAreRefused) {
  EXPECT_THAT(LoadError(OneType(R"(fields = { a = 1 })")).message(), HasSubstr("field 'a'"));
  EXPECT_THAT(LoadError(OneType(R"(fields = { a = "?" })")).message(), HasSubstr("unknown type"));
  EXPECT_THAT(LoadError(OneType(R"(fields = { a = "string??" })")).message(),
              HasSubstr("unknown type"));
  EXPECT_THAT(LoadError(OneType(R"(fields = { a = "String" })")).message(),
              HasSubstr("unknown type"));
  EXPECT_THAT(LoadError(OneType(R"(fields = { a = "" })")).message(), HasSubstr("unknown type"));
  EXPECT_THAT(LoadError(OneType(R"(fields = ["a"])")).message(),
              HasSubstr("'fields' must be a table"));
  EXPECT_THAT(LoadError(OneType(R"(fields = { "" = "string" })")).message(),
              HasSubstr("empty field name"));
}

// --- extra_fields ---

TEST(TypeRegistryTest, ExtraFieldsDefaultToKeep) {
  auto reg = Load(OneType(R"(fields = { a = "string" })"));
  ASSERT_TRUE(reg);
  const EventType& t = Only(*reg);
  EXPECT_FALSE(t.reject_extra_fields);
  EXPECT_TRUE(t.ValidateMetadata(Obj(R"({"a":"x","b":1,"c":{"d":[]}})")).ok());
}

TEST(TypeRegistryTest, ExtraFieldsKeepAndReject) {
  auto keep = Load(OneType("fields = { a = \"string\" }\nextra_fields = \"keep\""));
  ASSERT_TRUE(keep);
  EXPECT_FALSE(Only(*keep).reject_extra_fields);
  EXPECT_TRUE(Only(*keep).ValidateMetadata(Obj(R"({"a":"x","b":1})")).ok());

  auto reject =
      Load(OneType("fields = { a = \"string\", o = \"int?\" }\nextra_fields = \"reject\""));
  ASSERT_TRUE(reject);
  const EventType& t = Only(*reject);
  EXPECT_TRUE(t.reject_extra_fields);
  EXPECT_TRUE(t.ValidateMetadata(Obj(R"({"a":"x"})")).ok());
  EXPECT_TRUE(t.ValidateMetadata(Obj(R"({"a":"x","o":3})")).ok());
  Status s = t.ValidateMetadata(Obj(R"({"a":"x","b":1})"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error_code(), "invalid_event");
  EXPECT_THAT(s.message(), HasSubstr("metadata.b: not a field of project:role:add"));
}

TEST(TypeRegistryTest, ExtraFieldsOtherValuesAreRefused) {
  EXPECT_THAT(LoadError(OneType("extra_fields = \"drop\"")).message(), HasSubstr("extra_fields"));
  EXPECT_THAT(LoadError(OneType("extra_fields = true")).message(), HasSubstr("extra_fields"));
}

// --- visible_to ---

TEST(TypeRegistryTest, VisibleToKeepsRolesInOrder) {
  auto reg = Load(OneType(R"(visible_to = ["owner", "maintainer", "self"])"));
  ASSERT_TRUE(reg);
  EXPECT_EQ(Only(*reg).visible_to, (std::vector<std::string>{"owner", "maintainer", "self"}));
}

TEST(TypeRegistryTest, VisibleToAbsentOrEmptyMeansAdminsOnly) {
  auto absent = Load(OneType(""));
  ASSERT_TRUE(absent);
  EXPECT_TRUE(Only(*absent).visible_to.empty());
  auto empty = Load(OneType("visible_to = []"));
  ASSERT_TRUE(empty);
  EXPECT_TRUE(Only(*empty).visible_to.empty());
}

TEST(TypeRegistryTest, VisibleToMustBeAnArrayOfRoleNames) {
  EXPECT_THAT(LoadError(OneType(R"(visible_to = "owner")")).message(), HasSubstr("visible_to"));
  EXPECT_THAT(LoadError(OneType(R"(visible_to = ["Owner"])")).message(), HasSubstr("visible_to"));
  EXPECT_THAT(LoadError(OneType(R"(visible_to = [""])")).message(), HasSubstr("visible_to"));
  EXPECT_THAT(LoadError(OneType(R"(visible_to = [1])")).message(), HasSubstr("visible_to"));
  EXPECT_THAT(LoadError(OneType(R"(visible_to = ["a b"])")).message(), HasSubstr("visible_to"));
}

// --- retention ---

TEST(TypeRegistryTest, RetentionDefaultsToForever) {
  auto reg = Load(OneType(""));
  ASSERT_TRUE(reg);
  EXPECT_FALSE(Only(*reg).retention.has_value());
  EXPECT_EQ(Only(*reg).retention_text, "forever");
}

TEST(TypeRegistryTest, RetentionForeverAndDurations) {
  const std::pair<const char*, Retention> cases[] = {
      {"forever", std::nullopt}, {"90d", 90 * kDay}, {"12w", 84 * kDay},
      {"1y", 365 * kDay},        {"24h", kDay},      {"30m", 30 * 60 * 1'000'000LL},
      {"45s", 45 * 1'000'000LL},
  };
  for (const auto& [text, want] : cases) {
    auto reg = Load(OneType("retention = \"" + std::string(text) + "\""));
    ASSERT_TRUE(reg) << text;
    EXPECT_EQ(Only(*reg).retention, want) << text;
    EXPECT_EQ(Only(*reg).retention_text, text);
  }
}

TEST(TypeRegistryTest, BadRetentionIsRefused) {
  for (const char* bad : {"0d", "-1d", "90", "d", "1.5d", "90 d", "never", "Forever", "1x", ""}) {
    Status s = LoadError(OneType("retention = \"" + std::string(bad) + "\""));
    EXPECT_THAT(s.message(), HasSubstr("retention")) << bad;
  }
  EXPECT_THAT(LoadError(OneType("retention = 90")).message(), HasSubstr("retention"));
}

// --- description templates ---

TEST(TypeRegistryTest, DescriptionTemplateIsSplitIntoParts) {
  auto reg =
      Load(OneType("description = \"{actor} added {target_user} as {role_name}\"\n"
                   "fields = { target_user = \"string\", role_name = \"string\" }"));
  ASSERT_TRUE(reg);
  const Template& t = Only(*reg).description;
  EXPECT_EQ(t.source, "{actor} added {target_user} as {role_name}");
  ASSERT_EQ(t.parts.size(), 5u);
  EXPECT_TRUE(t.parts[0].placeholder);
  EXPECT_EQ(t.parts[0].text, "actor");
  EXPECT_FALSE(t.parts[1].placeholder);
  EXPECT_EQ(t.parts[1].text, " added ");
  EXPECT_TRUE(t.parts[2].placeholder);
  EXPECT_EQ(t.parts[2].text, "target_user");
  EXPECT_EQ(t.parts[3].text, " as ");
  EXPECT_EQ(t.parts[4].text, "role_name");
}

TEST(TypeRegistryTest, DescriptionMayUseBuiltInPlaceholders) {
  auto reg = Load(OneType(R"x(description = "{actor} on {subject_id} ({tag})")x"));
  ASSERT_TRUE(reg);
  EXPECT_EQ(Only(*reg).Render("alice", "requests", {}), "alice on requests (project:role:add)");
}

// SPEC §2: personal data never reaches a description (every reader sees it, scrubbing does
// not reach it), even when a field of that name is declared.
TEST(TypeRegistryTest, PersonalDataPlaceholdersAreRefused) {
  for (const char* p : {"ip", "user_agent"}) {
    Status s = LoadError(OneType(std::string("description = \"from {") + p + "}\"\nfields = { " +
                                 p + " = \"string\" }"));
    EXPECT_THAT(s.message(), HasSubstr(std::string("{") + p + "}")) << p;
    EXPECT_THAT(s.message(), HasSubstr("personal data")) << p;
  }
}

TEST(TypeRegistryTest, UndeclaredPlaceholderIsRefused) {
  Status s = LoadError(
      OneType("description = \"{actor} added {target_user}\"\nfields = { role = \"string\" }"));
  EXPECT_THAT(s.message(), HasSubstr("{target_user}"));
  EXPECT_THAT(s.message(), HasSubstr("not a declared field"));
}

// {subject} is not a placeholder of SPEC §2 ({actor}, {subject_id}, {field}); it used to
// be accepted without a declared field and then rendered as "".
TEST(TypeRegistryTest, UndeclaredSubjectPlaceholderIsRefused) {
  Status s = LoadError(OneType(R"(description = "{actor} changed {subject}")"));
  EXPECT_THAT(s.message(), HasSubstr("{subject}"));
  auto declared =
      Load(OneType("description = \"on {subject}\"\nfields = { subject = \"string\" }"));
  ASSERT_TRUE(declared);
  EXPECT_EQ(Only(*declared).Render("", "", Obj(R"({"subject":"user:bob"})")), "on user:bob");
}

TEST(TypeRegistryTest, UnmatchedBracesAreRefused) {
  EXPECT_THAT(LoadError(OneType(R"(description = "{actor added")")).message(),
              HasSubstr("unclosed '{'"));
  EXPECT_THAT(LoadError(OneType(R"(description = "actor} added")")).message(),
              HasSubstr("unmatched '}'"));
  EXPECT_THAT(LoadError(OneType(R"(description = "{actor}}")")).message(),
              HasSubstr("unmatched '}'"));
  EXPECT_THAT(LoadError(OneType(R"(description = "{}")")).message(), HasSubstr("bad placeholder"));
  EXPECT_THAT(LoadError(OneType(R"(description = "{{actor}")")).message(),
              HasSubstr("bad placeholder"));
  EXPECT_THAT(LoadError(OneType(R"(description = 3)")).message(),
              HasSubstr("'description' must be a string"));
}

TEST(TypeRegistryTest, DescriptionMayBeAbsentOrPlainText) {
  auto absent = Load(OneType(""));
  ASSERT_TRUE(absent);
  EXPECT_EQ(Only(*absent).Render("a", "b", {}), "");
  auto plain = Load(OneType(R"(description = "Logged out")"));
  ASSERT_TRUE(plain);
  EXPECT_EQ(Only(*plain).Render("a", "b", {}), "Logged out");
}

// --- strictness ---

// The line used to be appended to the [[event]] location, giving "events.toml:1:4".
TEST(TypeRegistryTest, UnknownKeyInAnEventIsRefusedNamingTheLine) {
  std::string toml = OneType("") + OneType(R"(descripton = "typo")", "account:login", "user");
  Status s = LoadError(toml);  // the typo is on line 8
  EXPECT_EQ(s.message(), "events.toml:8: unknown key 'descripton'");
}

TEST(TypeRegistryTest, ErrorsNameTheLineOfTheOffendingKey) {
  const std::string head = OneType("") + "[[event]]\ntag = \"account:login\"\nsubject = \"user\"\n";
  // Lines 1-4: the first type; 5-7: the second one's header; line 8: the bad key.
  EXPECT_THAT(LoadError(head + "retention = \"90x\"\n").message(),
              HasSubstr("events.toml:8 (account:login): retention '90x'"));
  EXPECT_THAT(LoadError(head + "visible_to = [\"Owner\"]\n").message(),
              HasSubstr("events.toml:8 (account:login): visible_to"));
  EXPECT_THAT(LoadError(head + "description = \"{nope}\"\n").message(),
              HasSubstr("events.toml:8 (account:login): description uses {nope}"));
  EXPECT_THAT(LoadError(head + "extra_fields = \"drop\"\n").message(),
              HasSubstr("events.toml:8 (account:login): extra_fields"));
  EXPECT_THAT(LoadError(head + "\nfields = { a = \"string\", b = \"integer\" }\n").message(),
              HasSubstr("events.toml:9 (account:login): field 'b': unknown type 'integer'"));
  // Errors about the event as a whole name its [[event]] line.
  EXPECT_THAT(LoadError(OneType("") + "[[event]]\ntag = \"account:login\"\n").message(),
              HasSubstr("events.toml:5 (account:login): missing string 'subject'"));
}

TEST(TypeRegistryTest, UnknownTopLevelKeyIsRefused) {
  Status s = LoadError("version = 2\n" + OneType(""));
  EXPECT_THAT(s.message(), HasSubstr("events.toml:1"));
  EXPECT_THAT(s.message(), HasSubstr("unknown top-level key 'version'"));
  EXPECT_THAT(LoadError("[events]\nx = 1\n").message(),
              HasSubstr("unknown top-level key 'events'"));
}

TEST(TypeRegistryTest, EventMustBeAnArrayOfTables) {
  EXPECT_THAT(LoadError("[event]\ntag = \"a:b\"\nsubject = \"x\"\n").message(),
              HasSubstr("array of tables"));
  EXPECT_THAT(LoadError("event = [1, 2]\n").message(), HasSubstr("must be a table"));
}

TEST(TypeRegistryTest, DuplicateTagIsRefused) {
  Status s = LoadError(OneType("") + OneType("", "account:login", "user") + OneType(""));
  EXPECT_THAT(s.message(), HasSubstr("project:role:add"));
  EXPECT_THAT(s.message(), HasSubstr("declared twice"));
}

TEST(TypeRegistryTest, BadTagSyntaxIsRefused) {
  for (const char* tag : {"account", "Account:login", "account:", ":login", "account::login",
                          "account:log in", "account:login*", "account.login", ""}) {
    Status s = LoadError(OneType("", tag, "user"));
    EXPECT_THAT(s.message(), HasSubstr("noun:verb")) << tag;
  }
  EXPECT_THAT(LoadError("[[event]]\nsubject = \"user\"\n").message(),
              HasSubstr("missing string 'tag'"));
  EXPECT_THAT(LoadError("[[event]]\ntag = 3\nsubject = \"user\"\n").message(),
              HasSubstr("missing string 'tag'"));
}

TEST(TypeRegistryTest, BadSubjectKindIsRefused) {
  EXPECT_THAT(LoadError("[[event]]\ntag = \"a:b\"\n").message(),
              HasSubstr("missing string 'subject'"));
  EXPECT_THAT(LoadError(OneType("", "a:b", "User")).message(), HasSubstr("subject kind 'User'"));
  EXPECT_THAT(LoadError(OneType("", "a:b", "user:x")).message(), HasSubstr("subject kind"));
  EXPECT_THAT(LoadError(OneType("", "a:b", "")).message(), HasSubstr("subject kind"));
}

TEST(TypeRegistryTest, ReservedTrailPrefixIsRefused) {
  Status s = LoadError(OneType("", "trail:key:created", "key"));
  EXPECT_THAT(s.message(), HasSubstr("reserved"));
  EXPECT_THAT(LoadError(OneType("", "trail:custom", "x")).message(), HasSubstr("reserved"));
  // Only the exact "trail" noun is reserved.
  EXPECT_TRUE(Load(OneType("", "trailer:hitch", "truck")));
}

TEST(TypeRegistryTest, TomlSyntaxErrorNamesTheLine) {
  Status s = LoadError("[[event]]\ntag = \"a:b\"\nsubject = \n");
  EXPECT_THAT(s.message(), MatchesRegex("events\\.toml:[0-9]+: .*"));
  EXPECT_THAT(s.message(), HasSubstr("events.toml:3"));
}

TEST(TypeRegistryTest, EmptyFileDeclaresOnlyBuiltins) {
  auto reg = Load("");
  ASSERT_TRUE(reg);
  EXPECT_EQ(reg->user_type_count(), 0u);
  EXPECT_EQ(reg->All().size(), TypeRegistry::BuiltinOnly()->All().size());
  auto comments = Load("# nothing yet\n");
  ASSERT_TRUE(comments);
  EXPECT_EQ(comments->user_type_count(), 0u);
}

// --- built-in types ---

TEST(TypeRegistryTest, BuiltinTrailTypesArePresent) {
  auto reg = Load(OneType(""));
  ASSERT_TRUE(reg);
  for (const char* tag : {"trail:key:created", "trail:key:revoked", "trail:export",
                          "trail:types:reloaded", "trail:gc", "trail:redact", "trail:restore"}) {
    const EventType* t = reg->Find(tag);
    ASSERT_NE(t, nullptr) << tag;
    EXPECT_TRUE(t->builtin) << tag;
    EXPECT_TRUE(t->visible_to.empty()) << tag << " must be admins only";
    EXPECT_FALSE(t->retention.has_value()) << tag << " must be kept forever";
  }
  EXPECT_EQ(reg->Find("trail:key:created")->subject_kind, "key");
  EXPECT_EQ(reg->Find("trail:gc")->subject_kind, "trail");
  // User types come first, then the built-ins.
  ASSERT_EQ(reg->user_type_count(), 1u);
  EXPECT_EQ(reg->All().front()->tag, "project:role:add");
  EXPECT_FALSE(reg->All().front()->builtin);
  for (size_t i = 1; i < reg->All().size(); ++i) EXPECT_TRUE(reg->All()[i]->builtin);
  EXPECT_EQ(reg->Find("no:such"), nullptr);
  EXPECT_EQ(reg->source(), "events.toml");
}

TEST(TypeRegistryTest, BuiltinOnlyHasNoUserTypes) {
  auto reg = TypeRegistry::BuiltinOnly();
  EXPECT_EQ(reg->user_type_count(), 0u);
  EXPECT_GE(reg->All().size(), 6u);
  EXPECT_NE(reg->Find("trail:redact"), nullptr);
  const EventType* gc = reg->Find("trail:gc");
  ASSERT_NE(gc, nullptr);
  EXPECT_EQ(gc->Render("", "", Obj(R"({"pruned":3,"scrubbed":4})")),
            "Retention run pruned 3 and scrubbed 4 events");
}

// --- ValidateMetadata ---

class ValidateMetadataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    reg_ = Load(OneType(
        R"(fields = { s = "string", i = "int", b = "bool", n = "number", o = "object", a = "array", x = "any", opt = "string?" })"));
    ASSERT_TRUE(reg_);
    type_ = reg_->All().front();
  }
  Status Check(std::string_view json) { return type_->ValidateMetadata(Obj(json)); }
  std::shared_ptr<const TypeRegistry> reg_;
  const EventType* type_ = nullptr;
};

TEST_F(ValidateMetadataTest, AcceptsEveryTypeWhenRight) {
  // x = any accepts null only as "missing", so give it a value.
  EXPECT_TRUE(Check(R"({"s":"x","i":1,"b":true,"n":1.5,"o":{},"a":[],"x":0})").ok());
  EXPECT_TRUE(
      Check(R"({"s":"","i":-9223372036854775808,"b":false,"n":3,"o":{"k":1},"a":[1,"2"],"x":"y"})")
          .ok());
  EXPECT_TRUE(
      Check(
          R"({"s":"x","i":18446744073709551615,"b":true,"n":-0.0,"o":{},"a":[],"x":[],"opt":"z"})")
          .ok());
  EXPECT_TRUE(Check(R"({"s":"x","i":1,"b":true,"n":1,"o":{},"a":[],"x":{},"opt":null})").ok());
}

TEST_F(ValidateMetadataTest, WrongTypesNameTheFieldAndType) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"s":1,"i":1,"b":true,"n":1,"o":{},"a":[],"x":0})", "metadata.s: expected string"},
      {R"({"s":"x","i":"1","b":true,"n":1,"o":{},"a":[],"x":0})", "metadata.i: expected an int"},
      {R"({"s":"x","i":1.5,"b":true,"n":1,"o":{},"a":[],"x":0})", "metadata.i: expected an int"},
      {R"({"s":"x","i":1,"b":"true","n":1,"o":{},"a":[],"x":0})", "metadata.b: expected bool"},
      {R"({"s":"x","i":1,"b":1,"n":1,"o":{},"a":[],"x":0})", "metadata.b: expected bool"},
      {R"({"s":"x","i":1,"b":true,"n":"1","o":{},"a":[],"x":0})", "metadata.n: expected number"},
      {R"({"s":"x","i":1,"b":true,"n":1,"o":[],"a":[],"x":0})", "metadata.o: expected an object"},
      {R"({"s":"x","i":1,"b":true,"n":1,"o":{},"a":{},"x":0})", "metadata.a: expected an array"},
      {R"({"s":"x","i":1,"b":true,"n":1,"o":{},"a":[],"x":0,"opt":5})",
       "metadata.opt: expected string"},
  };
  for (const auto& [json, msg] : cases) {
    Status s = Check(json);
    ASSERT_FALSE(s.ok()) << json;
    EXPECT_EQ(s.code(), Code::kInvalidArgument);
    EXPECT_EQ(s.error_code(), "invalid_event");
    EXPECT_EQ(s.message(), msg) << json;
  }
}

TEST_F(ValidateMetadataTest, MissingOrNullRequiredFieldIsRefused) {
  Status s = Check(R"({"i":1,"b":true,"n":1,"o":{},"a":[],"x":0})");
  EXPECT_EQ(s.message(), "metadata.s: required string field missing");
  s = Check(R"({"s":null,"i":1,"b":true,"n":1,"o":{},"a":[],"x":0})");
  EXPECT_EQ(s.message(), "metadata.s: required string field missing");
  s = Check(R"({"s":"x","i":1,"b":true,"n":1,"o":{},"a":[],"x":null})");
  EXPECT_EQ(s.message(), "metadata.x: required any field missing");
  EXPECT_FALSE(Check("{}").ok());
}

TEST(ValidateMetadataMessageTest, MatchesTheSpecExample) {
  auto reg = Load(OneType(R"(fields = { target_user = "string", role_name = "string" })"));
  ASSERT_TRUE(reg);
  Status s = Only(*reg).ValidateMetadata(Obj(R"({"target_user":"bob","role_name":7})"));
  EXPECT_EQ(s.message(), "metadata.role_name: expected string");
}

// --- Render ---

TEST(RenderTest, FillsEveryKindOfPlaceholder) {
  auto reg = Load(OneType(
      "description = \"{actor}|{subject_id}|{s}|{i}|{b}|{n}|{o}|{a}|{opt}|{tag}\"\n"
      "fields = { s = \"string\", i = \"int\", b = \"bool\", n = \"number\", o = \"object\", "
      "a = \"array\", opt = \"string?\" }"));
  ASSERT_TRUE(reg);
  const EventType& t = Only(*reg);
  EXPECT_EQ(
      t.Render("alice", "requests",
               Obj(R"({"s":"Maintainer","i":-3,"b":false,"n":2.5,"o":{"k":"v"},"a":[1,"x"]})")),
      R"(alice|requests|Maintainer|-3|false|2.5|{"k":"v"}|[1,"x"]||project:role:add)");
  // Non-string values are written as canonical JSON: sorted keys, ECMAScript numbers.
  EXPECT_EQ(t.Render("", "", Obj(R"({"n":1e21,"o":{"b":0.1,"a":[1.0]}})")),
            R"(|||||1e+21|{"a":[1],"b":0.1}|||project:role:add)");
  // Absent values render as "".
  EXPECT_EQ(t.Render("", "", {}), "|||||||||project:role:add");
  // A null optional renders as "" too.
  EXPECT_EQ(t.Render("", "", Obj(R"({"opt":null})")), "|||||||||project:role:add");
}

// boost::json::serialize() wrote doubles as "2.5E0" in descriptions.
TEST(RenderTest, NumbersRenderAsPeopleWriteThem) {
  auto reg = Load(OneType("description = \"{n} MiB\"\nfields = { n = \"number\" }"));
  ASSERT_TRUE(reg);
  EXPECT_EQ(Only(*reg).Render("", "", Obj(R"({"n":2.5})")), "2.5 MiB");
  EXPECT_EQ(Only(*reg).Render("", "", Obj(R"({"n":100.0})")), "100 MiB");
  EXPECT_EQ(Only(*reg).Render("", "", Obj(R"({"n":7})")), "7 MiB");
}

TEST(RenderTest, StringsAreInsertedVerbatim) {
  auto reg = Load(OneType("description = \"{actor} added {u}\"\nfields = { u = \"string\" }"));
  ASSERT_TRUE(reg);
  EXPECT_EQ(Only(*reg).Render("al\"ice", "", Obj(R"({"u":"b\u00f6b {x} \n"})")),
            "al\"ice added b\xc3\xb6"
            "b {x} \n");
}

// --- FromFile and the shipped example ---

TEST(TypeRegistryFileTest, LoadsTheWarehouseExample) {
  auto r = TypeRegistry::FromFile(WarehouseEventsPath());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const TypeRegistry& reg = **r;
  EXPECT_EQ(reg.user_type_count(), 80u);
  EXPECT_EQ(reg.source(), WarehouseEventsPath());
  const EventType* add = reg.Find("project:role:add");
  ASSERT_NE(add, nullptr);
  EXPECT_EQ(add->subject_kind, "project");
  EXPECT_EQ(add->visible_to, (std::vector<std::string>{"owner", "maintainer"}));
  EXPECT_FALSE(add->retention.has_value());
  EXPECT_TRUE(add->Field("submitted_by")->optional);
  EXPECT_EQ(
      add->Render("alice", "requests", Obj(R"({"target_user":"bob","role_name":"Maintainer"})")),
      "alice added bob as Maintainer");
  const EventType* login = reg.Find("account:login:success");
  ASSERT_NE(login, nullptr);
  EXPECT_EQ(login->retention, 90 * kDay);
  EXPECT_EQ(login->visible_to, (std::vector<std::string>{"self"}));
  EXPECT_TRUE(reg.Find("account:email:add")->reject_extra_fields);
  // Every family the spec names is there, and the built-ins follow.
  for (const char* prefix : {"account:", "project:", "project:release:", "file:",
                             "project:api_token:", "project:role:", "organization:"}) {
    bool found = false;
    for (const EventType* t : reg.All()) found |= t->tag.rfind(prefix, 0) == 0;
    EXPECT_TRUE(found) << prefix;
  }
  EXPECT_NE(reg.Find("trail:key:created"), nullptr);
  // The file's own promise: descriptions never use {ip}.
  for (const EventType* t : reg.All()) {
    for (const auto& p : t->description.parts)
      EXPECT_FALSE(p.placeholder && p.text == "ip") << t->tag;
  }
}

TEST(TypeRegistryFileTest, MissingFileIsReported) {
  auto r = TypeRegistry::FromFile("/nonexistent/dir/events.toml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().error_code(), "invalid_types");
  EXPECT_THAT(r.status().message(), HasSubstr("/nonexistent/dir/events.toml"));
}

TEST(TypeRegistryFileTest, ErrorsNameTheFile) {
  test::TempDir dir("trail-event-types-test");
  auto path = dir.File("broken.toml");
  {
    std::ofstream out(path);
    out << "[[event]]\ntag = \"a:b\"\nsubject = \"x\"\nfields = { f = \"strng\" }\n";
  }
  auto r = TypeRegistry::FromFile(path);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr(path + ":4 (a:b): field 'f'"));
}

// --- TypeSet ---

TEST(TypeSetTest, SwapsTheWholeRegistry) {
  auto a = Load(OneType(""));
  auto b = Load(OneType("", "account:login", "user"));
  ASSERT_TRUE(a && b);
  TypeSet set(a);
  auto held = set.Get();
  set.Set(b);
  EXPECT_EQ(set.Get(), b);
  EXPECT_NE(held->Find("project:role:add"), nullptr);  // a reader keeps its snapshot
  EXPECT_EQ(set.Get()->Find("project:role:add"), nullptr);
}

}  // namespace
}  // namespace trail
