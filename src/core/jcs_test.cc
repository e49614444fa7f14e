// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "core/jcs.h"

#include <gtest/gtest.h>

#include <bit>
#include <boost/json/parse.hpp>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include "core/codec.h"

namespace trail {
namespace {

boost::json::value Parse(std::string_view json) {
  boost::json::error_code ec;
  boost::json::value v = ParseJsonExact(json, ec);
  EXPECT_FALSE(ec) << ec.message() << ": " << json;
  return v;
}

std::string Canon(std::string_view json) { return CanonicalJson(Parse(json)); }

std::string Num(double d) {
  std::string out;
  AppendEcmaScriptNumber(d, &out);
  return out;
}

// RFC 8785 §3.2.2: the sample covering numbers, string escaping and literals.
TEST(JcsTest, Rfc8785Sample) {
  const char* in = R"({
    "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
    "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
    "literals": [null, true, false]
  })";
  EXPECT_EQ(Canon(in),
            "{\"literals\":[null,true,false],"
            "\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
            "\"string\":\"\xe2\x82\xac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
}

// RFC 8785 §3.2.3: keys compare as UTF-16 code units, so U+1F600 (D83D DE00) sorts before
// U+FB33 although its UTF-8 bytes (F0...) are greater than U+FB33's (EF...).
TEST(JcsTest, Rfc8785SortingExample) {
  const char* in = R"({
    "\u20ac": "Euro Sign",
    "\r": "Carriage Return",
    "\ufb33": "Hebrew Letter Dalet With Dagesh",
    "1": "One",
    "\ud83d\ude00": "Emoji: Grinning Face",
    "\u0080": "Control",
    "\u00f6": "Latin Small Letter O With Diaeresis"
  })";
  EXPECT_EQ(Canon(in),
            "{\"\\r\":\"Carriage Return\","
            "\"1\":\"One\","
            "\"\xc2\x80\":\"Control\","
            "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\","
            "\"\xe2\x82\xac\":\"Euro Sign\","
            "\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\","
            "\"\xef\xac\xb3\":\"Hebrew Letter Dalet With Dagesh\"}");
}

TEST(JcsTest, NestedStructures) {
  EXPECT_EQ(Canon(R"({"1": {"f": {"f": "hi","F": 5} ,"\n": 56.0},
                      "10": { }, "": "empty", "a": { }, "111": [ { } ], "A": { }})"),
            R"({"":"empty","1":{"\n":56,"f":{"F":5,"f":"hi"}},"10":{},"111":[{}],"A":{},"a":{}})");
  EXPECT_EQ(Canon("[]"), "[]");
  EXPECT_EQ(Canon("{}"), "{}");
  EXPECT_EQ(Canon(" [ 1 , [ 2 , [ ] ] , { } ] "), "[1,[2,[]],{}]");
  EXPECT_EQ(Canon("null"), "null");
  EXPECT_EQ(Canon("true"), "true");
  EXPECT_EQ(Canon("\"x\""), "\"x\"");
  EXPECT_EQ(Canon(R"([3,1,2])"), "[3,1,2]");  // arrays keep their order
}

struct NumberCase {
  uint64_t bits;
  const char* want;
};

// RFC 8785 Appendix B.
TEST(JcsTest, Rfc8785AppendixBNumbers) {
  const NumberCase cases[] = {
      {0x0000000000000000, "0"},
      {0x8000000000000000, "0"},
      {0x0000000000000001, "5e-324"},
      {0x8000000000000001, "-5e-324"},
      {0x7fefffffffffffff, "1.7976931348623157e+308"},
      {0xffefffffffffffff, "-1.7976931348623157e+308"},
      {0x4340000000000000, "9007199254740992"},
      {0xc340000000000000, "-9007199254740992"},
      {0x4430000000000000, "295147905179352830000"},
      {0x44b52d02c7e14af5, "9.999999999999997e+22"},
      {0x44b52d02c7e14af6, "1e+23"},
      {0x44b52d02c7e14af7, "1.0000000000000001e+23"},
      {0x444b1ae4d6e2ef4e, "999999999999999700000"},
      {0x444b1ae4d6e2ef4f, "999999999999999900000"},
      {0x444b1ae4d6e2ef50, "1e+21"},
      {0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"},
      {0x3eb0c6f7a0b5ed8d, "0.000001"},
      {0x41b3de4355555553, "333333333.3333332"},
      {0x41b3de4355555554, "333333333.33333325"},
      {0x41b3de4355555555, "333333333.3333333"},
      {0x41b3de4355555556, "333333333.3333334"},
      {0x41b3de4355555557, "333333333.33333343"},
      {0xbecbf647612f3696, "-0.0000033333333333333333"},
      {0x43143ff3c1cb0959, "1424953923781206.2"},
  };
  for (const auto& c : cases) {
    const double d = std::bit_cast<double>(c.bits);
    EXPECT_EQ(Num(d), c.want) << std::hex << c.bits;
    EXPECT_EQ(CanonicalJson(boost::json::value(d)), c.want) << std::hex << c.bits;
  }
  // NaN and Infinity cannot come from JSON text; they are written as null, not invented.
  EXPECT_EQ(Num(std::bit_cast<double>(uint64_t{0x7fffffffffffffff})), "null");
  EXPECT_EQ(Num(std::bit_cast<double>(uint64_t{0x7ff0000000000000})), "null");
  EXPECT_EQ(Num(-std::numeric_limits<double>::infinity()), "null");
}

TEST(JcsTest, EcmaScriptNumberForms) {
  EXPECT_EQ(Num(1e20), "100000000000000000000");
  EXPECT_EQ(Num(1e21), "1e+21");
  EXPECT_EQ(Num(1.5e21), "1.5e+21");
  EXPECT_EQ(Num(123456789012345680000.0), "123456789012345680000");
  EXPECT_EQ(Num(1e-6), "0.000001");
  EXPECT_EQ(Num(1.5e-6), "0.0000015");
  EXPECT_EQ(Num(1e-7), "1e-7");
  EXPECT_EQ(Num(1.5e-7), "1.5e-7");
  EXPECT_EQ(Num(-1.5e-7), "-1.5e-7");
  EXPECT_EQ(Num(100.0), "100");
  EXPECT_EQ(Num(56.0), "56");
  EXPECT_EQ(Num(-0.0), "0");
  EXPECT_EQ(Num(0.5), "0.5");
  EXPECT_EQ(Num(-0.5), "-0.5");
  EXPECT_EQ(Num(123.456), "123.456");
  EXPECT_EQ(Num(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(Num(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(Num(2.5e-5), "0.000025");
  EXPECT_EQ(Num(1e100), "1e+100");
  EXPECT_EQ(Num(1.2345e-100), "1.2345e-100");
  EXPECT_EQ(Num(std::numeric_limits<double>::min()), "2.2250738585072014e-308");
}

TEST(JcsTest, IntegersPrintExactly) {
  EXPECT_EQ(Canon("0"), "0");
  EXPECT_EQ(Canon("-0"), "0");
  EXPECT_EQ(Canon("-0.0"), "0");
  EXPECT_EQ(Canon("42"), "42");
  EXPECT_EQ(Canon("-42"), "-42");
  EXPECT_EQ(Canon("9007199254740993"), "9007199254740993");
  EXPECT_EQ(Canon("9223372036854775807"), "9223372036854775807");
  EXPECT_EQ(Canon("-9223372036854775808"), "-9223372036854775808");
  EXPECT_EQ(Canon("18446744073709551615"), "18446744073709551615");
  EXPECT_EQ(Canon("1.0"), "1");
  EXPECT_EQ(Canon("1e2"), "100");
  EXPECT_EQ(Canon("-1.25E+2"), "-125");
}

// The numbers interop suites try (RFC 8785 §3.2.2.3, ECMAScript Number.prototype.toString),
// from their JSON text as a client sends it.
TEST(JcsTest, ClassicNumbersFromTextAsEcmaScriptWritesThem) {
  const std::pair<const char*, const char*> cases[] = {
      {"0", "0"},
      {"-0", "0"},
      {"0.0", "0"},
      {"-0.0", "0"},
      {"1.0", "1"},
      {"100", "100"},
      {"1e+2", "100"},
      {"1E2", "100"},
      {"1e21", "1e+21"},
      {"1e20", "100000000000000000000"},
      {"1.2345678901234568e20", "123456789012345680000"},
      {"123456789012345680000.0", "123456789012345680000"},
      {"1e-7", "1e-7"},
      {"1e-6", "0.000001"},
      {"0.000001", "0.000001"},
      {"0.0000001", "1e-7"},
      {"0.1", "0.1"},
      {"0.3333333333333333", "0.3333333333333333"},
      {"4.35", "4.35"},
      {"4.350", "4.35"},
      {"5e-324", "5e-324"},
      {"-5e-324", "-5e-324"},
      {"1.7976931348623157e308", "1.7976931348623157e+308"},
      {"9007199254740991", "9007199254740991"},
      {"-9007199254740991", "-9007199254740991"},
      {"9007199254740991.0", "9007199254740991"},
      {"9.007199254740993e15", "9007199254740992"},  // a double: rounds like any verifier's
      {"1e-400", "0"},
      {"333333333.33333329", "333333333.3333333"},
  };
  for (const auto& [in, want] : cases) EXPECT_EQ(Canon(in), want) << in;
}

TEST(JcsTest, IJsonNumberErrorNamesThePathOfTheFirstOffender) {
  EXPECT_EQ(IJsonNumberError(
                Parse(R"({"a":[1,-9007199254740991,9007199254740991,1e308,"9007199254740993"],
                                      "b":{"c":null,"d":true,"e":0.5}})"),
                "m"),
            "");
  EXPECT_EQ(IJsonNumberError(Parse("9007199254740992"), "n"),
            "n: integer 9007199254740992 is outside ±(2^53−1) (I-JSON); send it as a string");
  EXPECT_EQ(IJsonNumberError(Parse("-9007199254740992"), "n"),
            "n: integer -9007199254740992 is outside ±(2^53−1) (I-JSON); send it as a string");
  EXPECT_EQ(IJsonNumberError(Parse(R"({"a":{"b":[0,[1,18446744073709551615]]}})"), "m"),
            "m.a.b[1][1]: integer 18446744073709551615 is outside ±(2^53−1) (I-JSON); send it as a "
            "string");
  EXPECT_EQ(IJsonNumberError(Parse(R"({"a":1,"b":[1e400]})").as_object(), "metadata"),
            "metadata.b[0]: number is not a finite IEEE-754 double (I-JSON); send it as a string");
  // The first in member order, and the path does not keep what earlier members added.
  EXPECT_EQ(IJsonNumberError(
                Parse(R"({"x":{"y":[1,2]},"z":-9223372036854775808,"w":1e999})").as_object(), "m"),
            "m.z: integer -9223372036854775808 is outside ±(2^53−1) (I-JSON); send it as a string");
}

TEST(JcsTest, FindNonIJsonNumberSeesWhatTheValueHides) {
  // Integer literals too wide for 64 bits parse as doubles; the text still shows them.
  bool flagged = false;
  boost::json::error_code ec;
  boost::json::value v = ParseJsonExact(R"({"n":123456789012345678901234567890})", ec, &flagged);
  ASSERT_FALSE(ec);
  EXPECT_TRUE(v.at("n").is_double());
  EXPECT_EQ(IJsonNumberError(v, "m"), "");
  EXPECT_TRUE(flagged);
  auto p = FindNonIJsonNumber(R"({"n":123456789012345678901234567890})");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->path, "n");
  EXPECT_EQ(
      p->why,
      "integer 123456789012345678901234567890 is outside ±(2^53−1) (I-JSON); send it as a string");

  const std::pair<const char*, const char*> bad[] = {
      {R"({"events":[{"metadata":{"a":[1,{"b\u0063":123456789012345680000}]}}]})",
       "events[0].metadata.a[1].bc"},
      {R"({"a":{"x":1,"y":{}},"b":[[],[9007199254740992]]})", "b[1][0]"},
      {R"([1, 2, -9007199254740992])", "[2]"},
      {R"({"a":"9007199254740993","b":1e400})", "b"},
      {R"({"k":[{"long key \"quoted\"":-1E+999}]})", "k[0].long key \"quoted\""},
      {"18446744073709551615", ""},
  };
  for (const auto& [json, path] : bad) {
    flagged = false;
    ParseJsonExact(json, ec, &flagged);
    ASSERT_FALSE(ec) << json;
    EXPECT_TRUE(flagged) << json;
    auto q = FindNonIJsonNumber(json);
    ASSERT_TRUE(q) << json;
    EXPECT_EQ(q->path, path) << json;
  }
  EXPECT_EQ(FindNonIJsonNumber(R"({"b":[-1e400]})")->why,
            "-1e400 is not a finite IEEE-754 double (I-JSON); send it as a string");

  for (const char* good :
       {R"({"a":[9007199254740991,-9007199254740991,1.2345678901234568e20,1e308,5e-324]})",
        R"({"s":"123456789012345678901234567890","t":[1e-400,0.1,-0]})", "[]", "0"}) {
    flagged = true;
    ParseJsonExact(good, ec, &flagged);
    ASSERT_FALSE(ec) << good;
    EXPECT_FALSE(flagged) << good;
    EXPECT_FALSE(FindNonIJsonNumber(good)) << good;
  }
}

TEST(JcsTest, StringEscaping) {
  std::string all_controls;
  for (int c = 0; c < 0x20; ++c) all_controls.push_back(static_cast<char>(c));
  EXPECT_EQ(CanonicalJson(boost::json::value(all_controls)),
            "\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007"
            "\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f"
            "\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017"
            "\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f\"");
  EXPECT_EQ(Canon(R"("a\"b\\c/d")"), R"("a\"b\\c/d")");
  EXPECT_EQ(Canon(R"("\u007f\u2028\u2029")"), "\"\x7f\xe2\x80\xa8\xe2\x80\xa9\"");
  EXPECT_EQ(Canon(R"("</script>")"), R"("</script>")");
  EXPECT_EQ(Canon(R"("\ud83d\ude00 caf\u00e9")"), "\"\xf0\x9f\x98\x80 caf\xc3\xa9\"");
  EXPECT_EQ(Canon(R"({"k\n\"":"v"})"), R"({"k\n\"":"v"})");
  EXPECT_EQ(Canon(R"("")"), R"("")");
}

TEST(JcsTest, KeyOrderIsUtf16NotUtf8) {
  // U+E000 (EE 80 80) vs U+10000 (F0 90 80 80): UTF-8 says E000 first, UTF-16 (E000 vs D800)
  // says U+10000 first.
  EXPECT_EQ(Canon(R"({"\ue000":1,"\ud800\udc00":2,"\uffff":3,"\ud7ff":4})"),
            "{\"\xed\x9f\xbf\":4,\"\xf0\x90\x80\x80\":2,\"\xee\x80\x80\":1,\"\xef\xbf\xbf\":3}");
  EXPECT_EQ(Canon(R"({"b":1,"a":2,"ab":3,"":4,"B":5,"aa":6})"),
            R"({"":4,"B":5,"a":2,"aa":6,"ab":3,"b":1})");
  EXPECT_TRUE(JcsKeyLess("a", "ab"));
  EXPECT_FALSE(JcsKeyLess("ab", "a"));
  EXPECT_FALSE(JcsKeyLess("a", "a"));
  EXPECT_TRUE(JcsKeyLess("", "a"));
  EXPECT_TRUE(JcsKeyLess("\xf0\x9f\x98\x80", "\xef\xac\xb3"));
  EXPECT_FALSE(JcsKeyLess("\xef\xac\xb3", "\xf0\x9f\x98\x80"));
}

// Encodes a code point both ways for the reference comparison below.
void AppendCodePoint(char32_t cp, std::string* utf8, std::u16string* utf16) {
  if (cp < 0x80) {
    utf8->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    utf8->push_back(static_cast<char>(0xc0 | (cp >> 6)));
    utf8->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    utf8->push_back(static_cast<char>(0xe0 | (cp >> 12)));
    utf8->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    utf8->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    utf8->push_back(static_cast<char>(0xf0 | (cp >> 18)));
    utf8->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    utf8->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    utf8->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
  if (cp < 0x10000) {
    utf16->push_back(static_cast<char16_t>(cp));
  } else {
    utf16->push_back(static_cast<char16_t>(0xd800 + ((cp - 0x10000) >> 10)));
    utf16->push_back(static_cast<char16_t>(0xdc00 + ((cp - 0x10000) & 0x3ff)));
  }
}

TEST(JcsTest, KeyLessMatchesUtf16ReferenceOnRandomStrings) {
  std::mt19937 rng(8785);
  // Draw from boundary-heavy ranges so shared prefixes and every UTF-8 length meet.
  const char32_t kPool[] = {0x00,   0x1f,    'a',     'b',     0x7f,    0x80,
                            0x7ff,  0x800,   0xd7ff,  0xe000,  0xe001,  0xfb33,
                            0xffff, 0x10000, 0x1f600, 0x1f601, 0x10ffff};
  auto random_key = [&](std::string* utf8, std::u16string* utf16) {
    const int len = static_cast<int>(rng() % 4);
    for (int i = 0; i < len; ++i) {
      char32_t cp = rng() % 2 ? kPool[rng() % std::size(kPool)] : rng() % 0x110000;
      if (cp >= 0xd800 && cp <= 0xdfff) cp = 'z';
      AppendCodePoint(cp, utf8, utf16);
    }
  };
  for (int i = 0; i < 200'000; ++i) {
    std::string a8, b8;
    std::u16string a16, b16;
    random_key(&a8, &a16);
    random_key(&b8, &b16);
    ASSERT_TRUE(IsValidUtf8(a8) && IsValidUtf8(b8));
    ASSERT_EQ(JcsKeyLess(a8, b8), a16 < b16) << HexEncode(a8) << " vs " << HexEncode(b8);
  }
}

TEST(JcsTest, LargeObjectIsSorted) {
  boost::json::object obj;
  for (int i = 99; i >= 0; --i) obj["k" + std::to_string(i)] = i;
  const std::string out = CanonicalJson(obj);
  EXPECT_TRUE(out.starts_with(R"({"k0":0,"k1":1,"k10":10,"k11":11,)")) << out;
  EXPECT_TRUE(out.ends_with(R"(,"k98":98,"k99":99})")) << out;
  // Keys appear in sorted order.
  size_t prev = 0;
  std::string prev_key;
  for (int n = 0; n < 100; ++n) {
    size_t at = out.find("\"k", prev);
    size_t end = out.find('"', at + 1);
    std::string key = out.substr(at + 1, end - at - 1);
    if (n > 0) {
      EXPECT_TRUE(JcsKeyLess(prev_key, key)) << prev_key << " " << key;
    }
    prev_key = key;
    prev = end;
  }
}

TEST(JcsTest, AppendFormAppendsAndIsIdempotent) {
  const char* in = R"({"z":[1,2.5,{"b":null,"a":"\u00e9"}],"a":{"y":true,"x":1e-9}})";
  std::string out = "prefix:";
  AppendCanonicalJson(Parse(in), &out);
  const std::string canon = Canon(in);
  EXPECT_EQ(out, "prefix:" + canon);
  EXPECT_EQ(canon, "{\"a\":{\"x\":1e-9,\"y\":true},\"z\":[1,2.5,{\"a\":\"\xc3\xa9\",\"b\":null}]}");
  EXPECT_EQ(Canon(canon), canon);
}

TEST(JcsTest, RandomDoublesRoundTrip) {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 100'000; ++i) {
    double d = std::bit_cast<double>(rng());
    if (!std::isfinite(d)) continue;
    const std::string s = Num(d);
    double back = 0;
    auto r = std::from_chars(s.data(), s.data() + s.size(), back);
    ASSERT_TRUE(r.ec == std::errc() && r.ptr == s.data() + s.size()) << s;
    ASSERT_EQ(back, d == 0 ? 0.0 : d) << s;
  }
}

TEST(ParseJsonExactTest, DoublesAreCorrectlyRounded) {
  // Boost 1.81's own parser returns 0x41b3de4355555554 for this text, one ulp low.
  EXPECT_EQ(std::bit_cast<uint64_t>(Parse("333333333.33333329").as_double()),
            uint64_t{0x41b3de4355555555});
  std::mt19937_64 rng(7);
  for (int i = 0; i < 100'000; ++i) {
    const double d = std::bit_cast<double>(rng());
    if (!std::isfinite(d)) continue;
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof(buf), d);
    const std::string text = "[" + std::string(buf, r.ptr) + "]";
    boost::json::value v = Parse(text);
    ASSERT_EQ(v.as_array()[0].to_number<double>(), d) << text;
  }
}

TEST(ParseJsonExactTest, KeepsIntegerKindsAndStructure) {
  boost::json::value v = Parse(R"({"i":-5,"u":18446744073709551615,"d":1.5,"e":1E2,
      "s":"x\u00e9","n":null,"b":[true,false],"o":{}})");
  const auto& o = v.as_object();
  EXPECT_TRUE(o.at("i").is_int64());
  EXPECT_EQ(o.at("i").as_int64(), -5);
  EXPECT_TRUE(o.at("u").is_uint64());
  EXPECT_EQ(o.at("d").as_double(), 1.5);
  EXPECT_EQ(o.at("e").as_double(), 100.0);
  EXPECT_EQ(o.at("s").as_string(), "x\xc3\xa9");
  EXPECT_EQ(v, boost::json::parse(R"({"i":-5,"u":18446744073709551615,"d":1.5,"e":1E2,
      "s":"x\u00e9","n":null,"b":[true,false],"o":{}})"));
  // Beyond uint64 becomes a double, correctly rounded too.
  EXPECT_EQ(Parse("18446744073709551616").as_double(), 18446744073709551616.0);
  EXPECT_EQ(Parse("1e-400").as_double(), 0.0);
}

TEST(ParseJsonExactTest, ReportsErrorsLikeBoost) {
  for (const char* bad : {"", "{", "[1,]", "{\"a\":}", "01", "1.", "nul", "\"\\x\"", "{} x",
                          "[1] [2]", "\"\xff\"", "NaN", "Infinity", "+1"}) {
    boost::json::error_code ec;
    boost::json::value v = ParseJsonExact(bad, ec);
    EXPECT_TRUE(ec) << bad;
    EXPECT_TRUE(v.is_null()) << bad;
  }
  boost::json::error_code ec;
  ParseJsonExact(std::string(40, '[') + std::string(40, ']'), ec);
  EXPECT_TRUE(ec) << "default max_depth is 32";
  boost::json::parse_options deep;
  deep.max_depth = 64;
  ec = {};
  ParseJsonExact(std::string(40, '[') + std::string(40, ']'), ec, {}, deep);
  EXPECT_FALSE(ec);
}

}  // namespace
}  // namespace trail
