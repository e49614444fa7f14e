// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// Leaf format 2 against every case of testdata/leaf-v2-vectors.txt (a verbatim copy of
// ../shared/testdata/leaf-v2-vectors.txt), read case by case so that a case added there is
// tested here; then the verification rules of RecomputeLeafHash.
#include "core/leaf.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include "core/codec.h"
#include "core/jcs.h"
#include "core/time_format.h"

namespace trail {
namespace {

struct Case {
  std::string name;
  std::map<std::string, std::string> lines;  // "event", "personal", "personal_hash", …
};

std::vector<Case> ReadVectors() {
  std::ifstream in(TRAIL_LEAF_VECTORS);
  std::vector<Case> cases;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto colon = line.find(": ");
    if (colon == std::string::npos) continue;
    std::string key = line.substr(0, colon), value = line.substr(colon + 2);
    if (auto hash = value.find("   #"); hash != std::string::npos) value.resize(hash);
    if (key == "case") {
      cases.push_back(Case{value, {}});
    } else if (!cases.empty()) {
      cases.back().lines[key] = value;
    }
  }
  return cases;
}

std::optional<std::string> Str(const boost::json::object& o, std::string_view k) {
  auto it = o.find(k);
  if (it == o.end() || it->value().is_null()) return std::nullopt;
  return std::string(it->value().as_string());
}

std::optional<std::string> Canonical(const boost::json::object& o, std::string_view k) {
  auto it = o.find(k);
  if (it == o.end() || it->value().is_null()) return std::nullopt;
  return CanonicalJson(it->value());
}

std::string Raw(const std::optional<std::string>& b64) {
  return b64 ? Base64Decode(*b64).value() : "";
}

OptView View(const std::optional<std::string>& s) { return s ? OptView(*s) : std::nullopt; }

// The vector's event as a stored row.
struct Row {
  std::string id, tag;
  Micros recorded_at = 0;
  bool pruned = false;
  std::optional<std::string> subject, actor, metadata, ip, user_agent, location, salt;
  std::optional<Micros> occurred_at;
  std::string personal_hash, body_hash;

  StoredLeaf Leaf() const {
    StoredLeaf l;
    l.id = id;
    l.tag = tag;
    l.recorded_at = recorded_at;
    l.pruned = pruned;
    l.scrubbed = !pruned && !salt;
    l.subject = View(subject);
    l.actor = View(actor);
    l.metadata_json = View(metadata);
    l.occurred_at = occurred_at;
    l.salt = View(salt);
    l.ip = View(ip);
    l.user_agent = View(user_agent);
    l.location_json = View(location);
    l.personal_hash = personal_hash;
    l.body_hash = body_hash;
    return l;
  }
};

Row ParseRow(const std::string& event_json) {
  boost::json::object o = boost::json::parse(event_json).as_object();
  Row r;
  r.id = *Str(o, "id");
  r.tag = *Str(o, "tag");
  r.recorded_at = *ParseRfc3339(*Str(o, "recorded_at"));
  if (auto t = Str(o, "occurred_at")) r.occurred_at = *ParseRfc3339(*t);
  r.pruned = o.contains("pruned") && o.at("pruned").as_bool();
  r.subject = Str(o, "subject");
  r.actor = Str(o, "actor");
  r.metadata = Canonical(o, "metadata");
  r.ip = Str(o, "ip");
  r.user_agent = Str(o, "user_agent");
  r.location = Canonical(o, "location");
  if (auto s = Str(o, "salt")) r.salt = Raw(s);
  r.personal_hash = Raw(Str(o, "personal_hash"));
  r.body_hash = Raw(Str(o, "body_hash"));
  return r;
}

TEST(LeafVectorsTest, EveryCaseOfTheSharedFile) {
  auto cases = ReadVectors();
  ASSERT_GE(cases.size(), 4u) << TRAIL_LEAF_VECTORS;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Row r = ParseRow(c.lines.at("event"));
    if (c.lines.count("personal")) {
      std::string text;
      AppendPersonalText(*r.salt, View(r.ip), View(r.user_agent), View(r.location), &text);
      EXPECT_EQ(text, c.lines.at("personal"));
      r.personal_hash = PersonalHash(*r.salt, View(r.ip), View(r.user_agent), View(r.location));
      EXPECT_EQ(Base64Encode(r.personal_hash), c.lines.at("personal_hash"));
    }
    if (c.lines.count("body")) {
      std::string text;
      AppendBodyText(*r.subject, View(r.actor), r.occurred_at, View(r.metadata), r.personal_hash,
                     &text);
      EXPECT_EQ(text, c.lines.at("body"));
      r.body_hash =
          BodyHash(*r.subject, View(r.actor), r.occurred_at, View(r.metadata), r.personal_hash);
      EXPECT_EQ(Base64Encode(r.body_hash), c.lines.at("body_hash"));
    }
    if (c.lines.count("leaf")) {
      std::string text;
      AppendLeafText(r.id, r.recorded_at, r.tag, r.body_hash, &text);
      EXPECT_EQ(text, c.lines.at("leaf"));
    }
    std::string problem;
    if (!r.pruned && r.body_hash.empty()) {
      // A store keeps body_hash beside the body: what the body hashes to when it was recorded.
      r.body_hash =
          BodyHash(*r.subject, View(r.actor), r.occurred_at, View(r.metadata), r.personal_hash);
    }
    EXPECT_EQ(Base64Encode(LeafHash(r.id, r.recorded_at, r.tag, r.body_hash)),
              c.lines.at("leaf_hash"));
    // As a store verifies it. A stored event always has an occurred_at (the vectors' minimal
    // case, which has none, would be read back with the server's value).
    if (r.occurred_at || r.pruned) {
      EXPECT_EQ(Base64Encode(RecomputeLeafHash(r.Leaf(), &problem)), c.lines.at("leaf_hash"));
      EXPECT_EQ(problem, "");
    }
  }
}

// The full case as a stored row, with its kept hashes, for the tamper tests below.
Row FullRow() {
  for (const Case& c : ReadVectors()) {
    if (c.name != "full") continue;
    Row r = ParseRow(c.lines.at("event"));
    r.personal_hash = PersonalHash(*r.salt, View(r.ip), View(r.user_agent), View(r.location));
    r.body_hash =
        BodyHash(*r.subject, View(r.actor), *r.occurred_at, View(r.metadata), r.personal_hash);
    return r;
  }
  ADD_FAILURE() << "no case 'full'";
  return {};
}

std::string LeafOf(const Row& r, std::string* problem) {
  return RecomputeLeafHash(r.Leaf(), problem);
}

TEST(RecomputeLeafHashTest, WholeScrubbedAndPrunedFormsOfOneEventAgree) {
  Row whole = FullRow();
  std::string problem;
  const std::string want = LeafOf(whole, &problem);
  ASSERT_EQ(problem, "");
  Row scrubbed = whole;
  scrubbed.salt = scrubbed.ip = scrubbed.user_agent = scrubbed.location = std::nullopt;
  EXPECT_EQ(LeafOf(scrubbed, &problem), want);
  EXPECT_EQ(problem, "");
  Row pruned = scrubbed;
  pruned.pruned = true;
  pruned.subject = pruned.actor = pruned.metadata = std::nullopt;
  pruned.occurred_at = std::nullopt;
  pruned.personal_hash.clear();
  EXPECT_EQ(LeafOf(pruned, &problem), want);
  EXPECT_EQ(problem, "");
}

// Every field of every form, changed by one byte, changes the leaf hash or is reported.
TEST(RecomputeLeafHashTest, AnyChangedFieldIsCaught) {
  Row whole = FullRow();
  std::string problem;
  const std::string want = LeafOf(whole, &problem);
  Row scrubbed = whole;
  scrubbed.salt = scrubbed.ip = scrubbed.user_agent = scrubbed.location = std::nullopt;
  Row pruned = scrubbed;
  pruned.pruned = true;
  pruned.subject = pruned.actor = pruned.metadata = std::nullopt;
  pruned.occurred_at = std::nullopt;

  auto flip = [](std::string& s) { s.back() = static_cast<char>(s.back() ^ 1); };
  auto caught = [&](const Row& r, const char* what) {
    std::string p;
    std::string got = LeafOf(r, &p);
    EXPECT_TRUE(got != want || !p.empty()) << what;
  };
  for (const Row* base : {&whole, &scrubbed}) {
    Row r = *base;
    flip(*r.subject), caught(r, "subject");
    r = *base, flip(*r.actor), caught(r, "actor");
    r = *base, r.actor = std::nullopt, caught(r, "actor removed");
    r = *base, (*r.metadata)[r.metadata->size() - 2] ^= 1, caught(r, "metadata");
    r = *base, r.metadata = std::nullopt, caught(r, "metadata removed");
    r = *base, *r.occurred_at += 1, caught(r, "occurred_at");
    r = *base, r.recorded_at += 1, caught(r, "recorded_at");
    r = *base, flip(r.id), caught(r, "id");
    r = *base, flip(r.tag), caught(r, "tag");
    r = *base, flip(r.personal_hash), caught(r, "personal_hash");
    r = *base, flip(r.body_hash), caught(r, "body_hash");
    r = *base, r.pruned = true, caught(r, "marked pruned with its payload");
  }
  Row r = whole;
  flip(*r.ip), caught(r, "ip");
  r = whole, flip(*r.user_agent), caught(r, "user_agent");
  r = whole, flip(*r.salt), caught(r, "salt");
  r = whole, r.location = std::nullopt, caught(r, "location removed");
  r = scrubbed, r.ip = "198.51.100.1", caught(r, "ip added to a scrubbed event");
  r = pruned, flip(r.body_hash), caught(r, "pruned body_hash");
  r = pruned, flip(r.tag), caught(r, "pruned tag");
  r = pruned, r.recorded_at -= 1, caught(r, "pruned recorded_at");
  r = pruned, r.actor = "mallory", caught(r, "actor added to a pruned event");
  r = pruned, r.personal_hash = std::string(32, 'x'),
  caught(r, "personal_hash kept on a pruned event");
  // A stored time past 9999 is written clamped: its hashes can agree with the text of another
  // value, so the range itself is checked.
  r = whole;
  r.occurred_at = kMaxRfc3339Micros + 1;
  r.body_hash =
      BodyHash(*r.subject, View(r.actor), r.occurred_at, View(r.metadata), r.personal_hash);
  problem.clear();
  RecomputeLeafHash(r.Leaf(), &problem);
  EXPECT_EQ(problem, "a time outside the years 0000..9999");
}

TEST(LeafTest, PersonalHashDependsOnTheSalt) {
  EXPECT_NE(PersonalHash(std::string(16, 'a'), "203.0.113.7", std::nullopt, std::nullopt),
            PersonalHash(std::string(16, 'b'), "203.0.113.7", std::nullopt, std::nullopt));
}

}  // namespace
}  // namespace trail
