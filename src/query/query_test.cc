// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "query/query.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <map>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "core/codec.h"

namespace trail {

void PrintTo(const TagMatch& t, std::ostream* os) { *os << t.value << (t.prefix ? "*" : ""); }

namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using Params = std::multimap<std::string, std::string>;

constexpr Micros kSecond = 1'000'000;
constexpr Micros kDay = 86'400 * kSecond;
constexpr Micros kJan1 = 1'767'225'600 * kSecond;  // 2026-01-01T00:00:00Z
constexpr Micros kFeb1 = kJan1 + 31 * kDay;        // 2026-02-01T00:00:00Z

Result<Query> Parse(Params params, std::vector<std::string> also_allowed = {}) {
  return ParseQuery(params, also_allowed);
}

Query Search(std::string_view q) {
  Query query;
  Status st = ParseSearch(q, &query);
  EXPECT_TRUE(st.ok()) << q << ": " << st.ToString();
  return query;
}

Status SearchError(std::string_view q) {
  Query query;
  Status st = ParseSearch(q, &query);
  EXPECT_FALSE(st.ok()) << q << " was accepted";
  return st;
}

TagMatch Exact(std::string v) { return TagMatch{std::move(v), false}; }
TagMatch Prefix(std::string v) { return TagMatch{std::move(v), true}; }

// --- ParseQuery ---

TEST(ParseQueryTest, NoParametersIsTheDefaultQuery) {
  Result<Query> q = Parse({});
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(*q, Query{});
  EXPECT_FALSE(q->ascending);
  EXPECT_EQ(q->limit, kDefaultLimit);
  EXPECT_FALSE(q->include_pruned);
}

TEST(ParseQueryTest, EveryFilter) {
  Result<Query> q = Parse({{"subject", "project:requests"},
                           {"actor", "alice"},
                           {"ip", "203.0.113.7"},
                           {"tag", "project:role:add"},
                           {"since", "2026-01-01T00:00:00Z"},
                           {"until", "2026-02-01T00:00:00Z"},
                           {"order", "asc"},
                           {"limit", "7"},
                           {"pruned", "include"}});
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_THAT(q->subjects, ElementsAre("project:requests"));
  EXPECT_THAT(q->actors, ElementsAre("alice"));
  EXPECT_THAT(q->ips, ElementsAre("203.0.113.7"));
  EXPECT_THAT(q->tags, ElementsAre(Exact("project:role:add")));
  EXPECT_EQ(q->since, kJan1);
  EXPECT_EQ(q->until, kFeb1);
  EXPECT_TRUE(q->ascending);
  EXPECT_EQ(q->limit, 7);
  EXPECT_TRUE(q->include_pruned);
  EXPECT_FALSE(q->after_seq);
}

TEST(ParseQueryTest, OrderAndPrunedValues) {
  EXPECT_FALSE(Parse({{"order", "desc"}})->ascending);
  EXPECT_FALSE(Parse({{"pruned", "exclude"}})->include_pruned);
  for (const char* bad : {"", "ASC", "up"}) {
    Result<Query> q = Parse({{"order", bad}});
    ASSERT_FALSE(q.ok());
    EXPECT_THAT(q.status().message(), StartsWith("order: "));
  }
  Result<Query> q = Parse({{"pruned", "yes"}});
  ASSERT_FALSE(q.ok());
  EXPECT_THAT(q.status().message(), StartsWith("pruned: "));
}

TEST(ParseQueryTest, TagPrefixParameter) {
  Result<Query> q = Parse({{"tag", "account:*"}});
  ASSERT_TRUE(q.ok());
  EXPECT_THAT(q->tags, ElementsAre(Prefix("account:")));
  Result<Query> bad = Parse({{"tag", "acc*"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().error_code(), "invalid_query");
  EXPECT_THAT(bad.status().message(), StartsWith("tag: 'acc*'"));
  EXPECT_THAT(bad.status().message(), HasSubstr("':*'"));
}

TEST(ParseQueryTest, InvalidSubjectAndEmptyValues) {
  for (const char* bad : {"requests", ":requests", "project:", "Project:x", ""}) {
    Result<Query> q = Parse({{"subject", bad}});
    ASSERT_FALSE(q.ok()) << bad;
    EXPECT_EQ(q.status().error_code(), "invalid_query");
    EXPECT_THAT(q.status().message(), StartsWith("subject: "));
  }
  EXPECT_FALSE(Parse({{"actor", ""}}).ok());
  EXPECT_FALSE(Parse({{"ip", ""}}).ok());
  EXPECT_TRUE(Parse({{"subject", "url:https://x.example/a"}}).ok());  // id keeps its ':'
}

TEST(ParseQueryTest, BadTimes) {
  Result<Query> q = Parse({{"since", "notatime"}});
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(q.status().error_code(), "invalid_query");
  EXPECT_THAT(q.status().message(), StartsWith("since: 'notatime' is not an RFC 3339 time"));
  q = Parse({{"until", "2026-01-01"}});  // a bare date is not an RFC 3339 date-time
  ASSERT_FALSE(q.ok());
  EXPECT_THAT(q.status().message(), StartsWith("until: '2026-01-01'"));
}

TEST(ParseQueryTest, LimitBounds) {
  EXPECT_EQ(Parse({{"limit", "1"}})->limit, 1);
  EXPECT_EQ(Parse({{"limit", "1000"}})->limit, kMaxLimit);
  for (const char* bad : {"0", "1001", "5000", "-1", "+5", " 5", "5 ", "1.5", "1e3", "abc", "",
                          "99999999999999999999999", "0x10"}) {
    Result<Query> q = Parse({{"limit", bad}});
    ASSERT_FALSE(q.ok()) << bad;
    EXPECT_EQ(q.status().error_code(), "invalid_query");
    EXPECT_THAT(q.status().message(), StartsWith("limit: "));
  }
}

TEST(ParseQueryTest, RepeatableFiltersAreAnded) {
  Result<Query> q = Parse({{"subject", "user:alice"},
                           {"subject", "user:bob"},
                           {"actor", "a"},
                           {"actor", "b"},
                           {"ip", "1.1.1.1"},
                           {"ip", "2.2.2.2"},
                           {"tag", "account:*"},
                           {"tag", "account:login:success"}});
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_THAT(q->subjects, ElementsAre("user:alice", "user:bob"));
  EXPECT_THAT(q->actors, ElementsAre("a", "b"));
  EXPECT_THAT(q->ips, ElementsAre("1.1.1.1", "2.2.2.2"));
  EXPECT_THAT(q->tags, ElementsAre(Prefix("account:"), Exact("account:login:success")));
}

TEST(ParseQueryTest, OtherParametersMayNotRepeat) {
  for (auto [name, value] :
       std::vector<std::pair<std::string, std::string>>{{"since", "2026-01-01T00:00:00Z"},
                                                        {"until", "2026-01-01T00:00:00Z"},
                                                        {"q", "x"},
                                                        {"order", "asc"},
                                                        {"limit", "5"},
                                                        {"cursor", EncodeCursor(1, false)},
                                                        {"pruned", "include"}}) {
    Result<Query> q = Parse({{name, value}, {name, value}});
    ASSERT_FALSE(q.ok()) << name;
    EXPECT_EQ(q.status().error_code(), "invalid_query");
    EXPECT_EQ(q.status().message(), name + ": given more than once");
  }
}

TEST(ParseQueryTest, UnknownParameters) {
  Result<Query> q = Parse({{"format", "csv"}});
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.status().error_code(), "invalid_query");
  EXPECT_THAT(q.status().message(), StartsWith("unknown parameter 'format'"));
  EXPECT_TRUE(Parse({{"format", "csv"}, {"actor", "x"}}, {"format"}).ok());
  // Parameter names are case-sensitive.
  q = Parse({{"Actor", "x"}}, {"format"});
  ASSERT_FALSE(q.ok());
  EXPECT_THAT(q.status().message(), HasSubstr("'Actor'"));
  // also_allowed does not lift the rules for trail's own parameters.
  EXPECT_FALSE(Parse({{"limit", "1"}, {"limit", "2"}}, {"limit"}).ok());
}

TEST(ParseQueryTest, CursorIsCheckedAgainstTheOrder) {
  Result<Query> q = Parse({{"cursor", EncodeCursor(41, true)}, {"order", "asc"}});
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->after_seq, 41u);
  q = Parse({{"cursor", EncodeCursor(41, false)}});  // default order is desc
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->after_seq, 41u);
  for (const std::string& bad :
       {EncodeCursor(41, false), std::string("garbage!!"), std::string("")}) {
    q = Parse({{"cursor", bad}, {"order", "asc"}});
    ASSERT_FALSE(q.ok()) << bad;
    EXPECT_EQ(q.status().code(), Code::kInvalidArgument);
    EXPECT_EQ(q.status().error_code(), "invalid_cursor");
  }
}

TEST(ParseQueryTest, SearchNarrowsTheTimeWindow) {
  Result<Query> q = Parse({{"since", "2026-01-10T00:00:00Z"},
                           {"until", "2026-03-01T00:00:00Z"},
                           {"q", "created:2026-01-01..2026-01-31 actor:alice"}});
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->since, kJan1 + 9 * kDay);  // the later start
  EXPECT_EQ(q->until, kFeb1);             // the earlier end
  EXPECT_THAT(q->actors, ElementsAre("alice"));
}

TEST(ParseQueryTest, SearchErrorsAreInvalidQuery) {
  Result<Query> q = Parse({{"q", "\"open"}});
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.status().error_code(), "invalid_query");
  EXPECT_THAT(q.status().message(), StartsWith("q: "));
}

TEST(ParseQueryTest, FromARawUrlQuery) {
  auto params = ParseUrlQuery("q=tag:account:login:*%20-actor:mallory&limit=5");
  ASSERT_TRUE(params);
  Result<Query> q = ParseQuery(*params);
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_THAT(q->tags, ElementsAre(Prefix("account:login:")));
  EXPECT_THAT(q->not_actors, ElementsAre("mallory"));
  EXPECT_EQ(q->limit, 5);

  params = ParseUrlQuery("q=created:%3E%3D2026-01-01");
  ASSERT_TRUE(params);
  q = ParseQuery(*params);
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->since, kJan1);
  EXPECT_FALSE(q->until);
}

// --- ParseSearch ---

TEST(ParseSearchTest, EmptyAndBlankAddNothing) {
  EXPECT_EQ(Search(""), Query{});
  EXPECT_EQ(Search("  \t \n "), Query{});
}

TEST(ParseSearchTest, EveryQualifier) {
  Query q = Search(
      "tag:project:role:* actor:alice subject:project:requests ip:203.0.113.7 "
      "tag:account:login:success");
  EXPECT_THAT(q.tags, ElementsAre(Prefix("project:role:"), Exact("account:login:success")));
  EXPECT_THAT(q.actors, ElementsAre("alice"));
  EXPECT_THAT(q.subjects, ElementsAre("project:requests"));
  EXPECT_THAT(q.ips, ElementsAre("203.0.113.7"));
  EXPECT_TRUE(q.words.empty());
}

TEST(ParseSearchTest, SubjectIdMayHoldColons) {
  EXPECT_THAT(Search("subject:file:pkg:1.0:a.whl").subjects, ElementsAre("file:pkg:1.0:a.whl"));
  EXPECT_THAT(SearchError("subject:requests").message(), StartsWith("q: subject: "));
}

TEST(ParseSearchTest, Negation) {
  Query q = Search(
      "-tag:account:login:* -tag:a:b -actor:mallory -subject:user:bob -ip:10.0.0.1 "
      "-spam -\"bad password\"");
  EXPECT_THAT(q.not_tags, ElementsAre(Prefix("account:login:"), Exact("a:b")));
  EXPECT_THAT(q.not_actors, ElementsAre("mallory"));
  EXPECT_THAT(q.not_subjects, ElementsAre("user:bob"));
  EXPECT_THAT(q.not_ips, ElementsAre("10.0.0.1"));
  EXPECT_THAT(q.not_words, ElementsAre("spam", "bad password"));
  EXPECT_TRUE(q.tags.empty() && q.actors.empty() && q.subjects.empty() && q.ips.empty() &&
              q.words.empty());
}

TEST(ParseSearchTest, WordsAndPhrases) {
  Query q = Search(
      "webauthn \"bad password\"\tWebAuthn well-known foo:bar \"actor:alice\" - "
      "\"-x\" a\"b c\"d");
  // Words keep their case; matching is case-insensitive later.
  EXPECT_THAT(q.words, ElementsAre("webauthn", "bad password", "WebAuthn", "well-known", "foo:bar",
                                   "actor:alice", "-", "-x", "ab cd"));
  EXPECT_TRUE(q.actors.empty());
  EXPECT_TRUE(q.not_words.empty());
}

TEST(ParseSearchTest, EmptyPhraseConstrainsNothing) { EXPECT_EQ(Search("\"\" -\"\""), Query{}); }

TEST(ParseSearchTest, QuotedQualifierValues) {
  Query q = Search("actor:\"Alice Smith\" -actor:\"Bob Jones\" subject:\"user:a b\"");
  EXPECT_THAT(q.actors, ElementsAre("Alice Smith"));
  EXPECT_THAT(q.not_actors, ElementsAre("Bob Jones"));
  EXPECT_THAT(q.subjects, ElementsAre("user:a b"));
}

TEST(ParseSearchTest, QualifierNamesAreLowercase) {
  EXPECT_THAT(Search("Actor:alice").words, ElementsAre("Actor:alice"));
}

TEST(ParseSearchTest, AddsToAnExistingQuery) {
  Query q;
  q.actors.push_back("bob");
  ASSERT_TRUE(ParseSearch("actor:alice", &q).ok());
  EXPECT_THAT(q.actors, ElementsAre("bob", "alice"));
}

TEST(ParseSearchTest, Errors) {
  EXPECT_THAT(SearchError("\"bad password").message(), HasSubstr("unterminated quote"));
  EXPECT_THAT(SearchError("actor:\"alice").message(), HasSubstr("unterminated quote"));
  EXPECT_THAT(SearchError("actor:").message(), HasSubstr("'actor:' needs a value"));
  EXPECT_THAT(SearchError("-ip:").message(), HasSubstr("'-ip:' needs a value"));
  EXPECT_THAT(SearchError("actor:\"\"").message(), HasSubstr("needs a value"));
  SearchError("tag:");
  SearchError("subject:");
  SearchError("created:");
  EXPECT_THAT(SearchError("-created:2026-01-01").message(), HasSubstr("-created:"));
  Status st = SearchError("tag:proj*");
  EXPECT_EQ(st.error_code(), "invalid_query");
  EXPECT_THAT(st.message(), StartsWith("q: tag: 'proj*'"));
  SearchError("tag:Account:login");
  SearchError("tag:account");
}

TEST(ParseSearchTest, CreatedComparisons) {
  struct Case {
    const char* q;
    std::optional<Micros> since, until;
  };
  const Micros t = kJan1 + 12 * 3600 * kSecond + 500'000;  // 2026-01-01T12:00:00.5Z
  for (const Case& c : std::vector<Case>{
           {"created:>=2026-01-01", kJan1, std::nullopt},
           {"created:>2026-01-01", kJan1 + kDay, std::nullopt},
           {"created:<=2026-01-01", std::nullopt, kJan1 + kDay},
           {"created:<2026-01-01", std::nullopt, kJan1},
           {"created:2026-01-01", kJan1, kJan1 + kDay},
           {"created:>=2026-01-01T12:00:00.5Z", t, std::nullopt},
           {"created:>2026-01-01T12:00:00.5Z", t + 1, std::nullopt},
           {"created:<=2026-01-01T12:00:00.5Z", std::nullopt, t + 1},
           {"created:<2026-01-01T12:00:00.5Z", std::nullopt, t},
           {"created:2026-01-01T12:00:00.5Z", t, t + 1},
           {"created:2026-01-01T13:00:00.5+01:00", t, t + 1},  // offsets are applied
           {"created:2026-01-01..2026-02-01", kJan1, kFeb1 + kDay},
           {"created:2026-01-01..2026-01-31", kJan1, kFeb1},
           {"created:2026-01-01..*", kJan1, std::nullopt},
           {"created:*..2026-01-31", std::nullopt, kFeb1},
           {"created:*..*", std::nullopt, std::nullopt},
           {"created:2026-01-01T12:00:00.5Z..2026-02-01", t, kFeb1 + kDay},
           {"created:2026-01-01..2026-01-01T12:00:00.5Z", kJan1, t + 1},
       }) {
    Query q = Search(c.q);
    EXPECT_EQ(q.since, c.since) << c.q;
    EXPECT_EQ(q.until, c.until) << c.q;
  }
}

TEST(ParseSearchTest, CreatedTermsIntersect) {
  Query q = Search(
      "created:>=2026-01-01 created:<2026-02-01 created:>2026-01-09 "
      "created:<=2026-03-01");
  EXPECT_EQ(q.since, kJan1 + 9 * kDay);
  EXPECT_EQ(q.until, kFeb1);
}

TEST(ParseSearchTest, CreatedErrors) {
  for (const char* bad : {"created:yesterday", "created:>=", "created:<", "created:2026-13-01",
                          "created:2026-02-30", "created:..2026-01-01", "created:2026-01-01..",
                          "created:..", "created:2026-01-01...2026-01-02", "created:=2026-01-01",
                          "created:>>2026-01-01", "created:2026-01-01T00:00:00"}) {
    Status st = SearchError(bad);
    EXPECT_EQ(st.error_code(), "invalid_query") << bad;
    EXPECT_THAT(st.message(), StartsWith("q: created: ")) << bad;
  }
}

// --- ParseTagPattern ---

TEST(ParseTagPatternTest, Accepted) {
  EXPECT_EQ(*ParseTagPattern("project:role:add"), Exact("project:role:add"));
  EXPECT_EQ(*ParseTagPattern("project:oidc:publisher-added"),
            Exact("project:oidc:publisher-added"));
  EXPECT_EQ(*ParseTagPattern("project:*"), Prefix("project:"));
  EXPECT_EQ(*ParseTagPattern("project:role:*"), Prefix("project:role:"));
  EXPECT_EQ(*ParseTagPattern("a_1:b-2:*"), Prefix("a_1:b-2:"));
}

TEST(ParseTagPatternTest, Refused) {
  for (const char* bad : {"", "*", ":*", "proj*", "a:b*", "a:*:b", "a:*:*", "*:b", "a::*", "A:b",
                          "a", "a:", ":b", "a:b:", "a b:c", "a:b:**", "a:b:*x"}) {
    Result<TagMatch> t = ParseTagPattern(bad);
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_EQ(t.status().error_code(), "invalid_query");
    EXPECT_THAT(t.status().message(), HasSubstr("patterns end in ':*'"));
  }
}

TEST(TagMatchTest, Matches) {
  EXPECT_TRUE(Prefix("project:").Matches("project:role:add"));
  EXPECT_FALSE(Prefix("project:").Matches("projects:x"));
  EXPECT_TRUE(Exact("a:b").Matches("a:b"));
  EXPECT_FALSE(Exact("a:b").Matches("a:b:c"));
}

// --- Cursors ---

TEST(CursorTest, RoundTrips) {
  for (uint64_t seq :
       {uint64_t{0}, uint64_t{1}, uint64_t{12345}, std::numeric_limits<uint64_t>::max()}) {
    for (bool asc : {true, false}) {
      std::string c = EncodeCursor(seq, asc);
      EXPECT_EQ(DecodeCursor(c, asc), seq);
      EXPECT_EQ(DecodeCursor(c, !asc), std::nullopt) << "cursor reused with the other order";
      EXPECT_EQ(c.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                    "0123456789-_"),
                std::string::npos)
          << c;
    }
  }
  EXPECT_NE(EncodeCursor(5, true), EncodeCursor(5, false));
}

TEST(CursorTest, GarbageIsRefused) {
  for (std::string text : {"", "v1:a:", "v1:a:-1", "v1:a:+1", "v1:a:01", "v1:a:1 ", "v1:a:1x",
                           "v1:x:1", "v2:a:1", "v1:a:18446744073709551616", "a:1", "1"}) {
    EXPECT_EQ(DecodeCursor(Base64UrlEncode(text), true), std::nullopt) << text;
  }
  for (const char* raw :
       {"", "garbage!!", "====", "dj", "v1:a:1", "djE6YToxMg==x", "dj E6YToxMg"}) {
    EXPECT_EQ(DecodeCursor(raw, true), std::nullopt) << raw;
    EXPECT_EQ(DecodeCursor(raw, false), std::nullopt) << raw;
  }
  EXPECT_EQ(DecodeCursor(std::string(1000, 'A'), true), std::nullopt);
}

// --- URL decoding ---

TEST(UrlTest, ParsesPairs) {
  auto p = ParseUrlQuery("a=1&b=x%20y&c=p+q&d=%2B&e=b=c&&f&g=&=h&a=2&&");
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, (Params{{"a", "1"},
                        {"a", "2"},
                        {"b", "x y"},
                        {"c", "p q"},
                        {"d", "+"},
                        {"e", "b=c"},
                        {"f", ""},
                        {"g", ""},
                        {"", "h"}}));
  EXPECT_EQ(*ParseUrlQuery(""), Params{});
  EXPECT_EQ(*ParseUrlQuery("&&&"), Params{});
  EXPECT_EQ(*ParseUrlQuery("k%61y=v%C3%A9"), (Params{{"kay", "v\xC3\xA9"}}));
  EXPECT_EQ(*ParseUrlQuery("q=%22bad%20password%22"), (Params{{"q", "\"bad password\""}}));
}

TEST(UrlTest, RefusesBadEncoding) {
  for (const char* bad : {"a=%", "a=%2", "a=%zz", "a=%G0", "a=%%41", "%=1", "a=1&b=%4", "a=%FF",
                          "a=%C0%AF", "a=%ED%A0%80", "a=%C3", "a=\xFF"}) {
    EXPECT_EQ(ParseUrlQuery(bad), std::nullopt) << bad;
  }
}

TEST(UrlTest, DecodeComponent) {
  bool ok = false;
  EXPECT_EQ(UrlDecodeComponent("a%2fb%2Fc+d", &ok), "a/b/c d");
  EXPECT_TRUE(ok);
  EXPECT_EQ(UrlDecodeComponent("", &ok), "");
  EXPECT_TRUE(ok);
  EXPECT_EQ(UrlDecodeComponent("%00", &ok), std::string(1, '\0'));
  EXPECT_TRUE(ok);
  UrlDecodeComponent("x%", &ok);
  EXPECT_FALSE(ok);
  UrlDecodeComponent("%80", &ok);
  EXPECT_FALSE(ok);
  EXPECT_EQ(UrlDecodeComponent("%41", nullptr), "A");  // ok is optional
}

// Request data must never crash the parsers, whatever it holds: every answer is a value or a
// precise 400, whose message names what it is about.
TEST(RobustnessTest, ArbitraryInputIsAnsweredNotCrashedOn) {
  std::mt19937 rng(7);
  const std::string alphabet = "tag:actor:subject:ip:created:-\"*.<>=%+&2026-01-01T0Z \t\xC3\xFF";
  auto expect_precise = [](const Status& st, const std::string& prefix, const std::string& input) {
    EXPECT_EQ(st.code(), Code::kInvalidArgument) << input << ": " << st.ToString();
    EXPECT_TRUE(st.error_code() == "invalid_query" || st.error_code() == "invalid_cursor")
        << input << ": " << st.ToString();
    EXPECT_THAT(st.message(), StartsWith(prefix)) << input;
    EXPECT_GT(st.message().size(), prefix.size()) << input;
  };
  std::map<std::string, int> accepted, refused;  // by parameter: both outcomes must occur
  for (int i = 0; i < 20000; ++i) {
    std::string s(rng() % 40, ' ');
    for (char& c : s) c = alphabet[rng() % alphabet.size()];

    Query q;
    Status st = ParseSearch(s, &q);
    if (!st.ok()) expect_precise(st, "q: ", s);

    Result<TagMatch> tag = ParseTagPattern(s);
    if (tag.ok()) {
      EXPECT_FALSE(tag->value.empty()) << s;
      EXPECT_EQ(tag->prefix, tag->value.back() == ':') << s;
    } else {
      EXPECT_EQ(tag.status().error_code(), "invalid_query") << s;
      EXPECT_THAT(tag.status().message(), HasSubstr("is neither a tag")) << s;
    }

    const bool ascending = i % 2 == 0;
    if (std::optional<uint64_t> seq = DecodeCursor(s, ascending)) {
      EXPECT_EQ(DecodeCursor(EncodeCursor(*seq, ascending), ascending), seq) << s;
    }

    // The input as the value of each parameter: refusals name the parameter.
    for (const char* name : {"subject", "actor", "ip", "tag", "since", "until", "q", "order",
                             "limit", "cursor", "pruned"}) {
      Result<Query> r = ParseQuery({{name, s}});
      if (r.ok()) {
        ++accepted[name];
      } else {
        ++refused[name];
        expect_precise(r.status(), std::string(name) + ": ", s);
      }
    }
    // And as a whole query string.
    if (auto params = ParseUrlQuery(s)) {
      Result<Query> r = ParseQuery(*params);
      if (!r.ok()) expect_precise(r.status(), "", s);
    }
    if (HasFailure()) return;  // one input's story, not 20,000
  }
  for (const char* name : {"subject", "actor", "tag", "since", "q", "limit", "cursor"})
    EXPECT_GT(refused[name], 0) << name << ": the input never reached a refusal";
  for (const char* name : {"subject", "actor", "ip", "tag", "q"})
    EXPECT_GT(accepted[name], 0) << name << ": the input never reached an accepted value";
}

// Regression test: `q` bounds what each row costs to match (hostile searches).
TEST(ParseSearchTest, WordsAreBoundedInNumberAndLength) {
  std::string sixteen;
  for (int i = 0; i < 16; ++i) sixteen += (i % 2 ? " -w" : " w") + std::to_string(i);
  Query q = Search(sixteen);
  EXPECT_EQ(q.words.size() + q.not_words.size(), 16u);
  Status st = SearchError(sixteen + " \"one more\"");
  EXPECT_EQ(st.code(), Code::kInvalidArgument);
  EXPECT_EQ(st.message(), "q: at most 16 words or phrases (negated ones included)");

  EXPECT_EQ(Search(std::string(256, 'x')).words.size(), 1u);
  st = SearchError("ok " + std::string(257, 'x'));
  EXPECT_EQ(st.message(), "q: the word or phrase '" + std::string(32, 'x') +
                              "…' is 257 bytes long; at most 256 are allowed");
  st = SearchError("-\"" + std::string(300, 'y') + "\"");
  EXPECT_THAT(st.message(), HasSubstr("is 300 bytes long; at most 256"));
  // The excerpt never cuts a UTF-8 character in two.
  st = SearchError("x" + [] {
    std::string s;
    for (int i = 0; i < 200; ++i) s += "\xc3\xa9";
    return s;
  }());
  EXPECT_THAT(st.message(), HasSubstr("'x" + [] {
                std::string s;
                for (int i = 0; i < 15; ++i) s += "\xc3\xa9";
                return s;
              }() + "…'"));
}

TEST(ParseSearchTest, TermsAreBounded) {
  std::string terms;
  for (int i = 0; i < 64; ++i) terms += " -actor:a" + std::to_string(i);
  EXPECT_EQ(Search(terms).not_actors.size(), 64u);
  Status st = SearchError(terms + " tag:a:b");
  EXPECT_EQ(st.message(), "q: at most 64 terms (this one has more)");
  auto parsed = Parse({{"q", terms + " x"}});
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace trail
