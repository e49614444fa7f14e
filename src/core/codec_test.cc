// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "core/codec.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace trail {
namespace {

TEST(Base64Test, Rfc4648Vectors) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foob"), "Zm9vYg==");
  EXPECT_EQ(Base64Encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Decode(""), "");
  EXPECT_EQ(Base64Decode("Zg=="), "f");
  EXPECT_EQ(Base64Decode("Zm8="), "fo");
  EXPECT_EQ(Base64Decode("Zm9v"), "foo");
  EXPECT_EQ(Base64Decode("Zm9vYg=="), "foob");
  EXPECT_EQ(Base64Decode("Zm9vYmE="), "fooba");
  EXPECT_EQ(Base64Decode("Zm9vYmFy"), "foobar");
}

TEST(Base64Test, UsesStandardAlphabet) {
  EXPECT_EQ(Base64Encode(std::string("\xfb\xff\xbf", 3)), "+/+/");
  EXPECT_EQ(Base64Decode("+/+/"), std::string("\xfb\xff\xbf", 3));
  EXPECT_EQ(Base64Decode("-_-_"), std::nullopt);
}

TEST(Base64Test, RoundTripsEveryLengthAndByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (size_t n = 0; n <= all.size(); ++n) {
    std::string in = all.substr(256 - n) + RandomBytes(n % 7);
    EXPECT_EQ(Base64Decode(Base64Encode(in)), in) << n;
    EXPECT_EQ(Base64UrlDecode(Base64UrlEncode(in)), in) << n;
  }
}

TEST(Base64Test, RejectsMalformed) {
  for (const char* bad : {"Z", "Zg", "Zg=", "Zm9", "Z===", "====", "=Zg=", "Zg==Zg==", "Zm9v\n",
                          " Zm9v", "Zm9v YmFy", "Zm9v=", "Zm9v====", "Zm!v", "Zg=a", "Z=g="}) {
    EXPECT_EQ(Base64Decode(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(Base64Decode(std::string("Zm9\0", 4)), std::nullopt);
  EXPECT_EQ(Base64Decode("Zm9\xc3\xa9"), std::nullopt);
}

TEST(Base64Test, RejectsNonZeroUnusedBits) {
  EXPECT_EQ(Base64Decode("Zg=="), "f");
  EXPECT_EQ(Base64Decode("Zh=="), std::nullopt);
  EXPECT_EQ(Base64Decode("Zm8="), "fo");
  EXPECT_EQ(Base64Decode("Zm9="), std::nullopt);
  EXPECT_EQ(Base64UrlDecode("Zh"), std::nullopt);
  EXPECT_EQ(Base64UrlDecode("Zm9"), std::nullopt);
}

TEST(Base64UrlTest, EncodesWithoutPadding) {
  EXPECT_EQ(Base64UrlEncode(""), "");
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(Base64UrlEncode("fo"), "Zm8");
  EXPECT_EQ(Base64UrlEncode("foo"), "Zm9v");
  EXPECT_EQ(Base64UrlEncode(std::string("\xfb\xff\xbf", 3)), "-_-_");
  EXPECT_EQ(Base64UrlEncode(std::string("\xfb\xff", 2)), "-_8");
}

TEST(Base64UrlTest, DecodesUnpaddedAndPadded) {
  EXPECT_EQ(Base64UrlDecode("Zg"), "f");
  EXPECT_EQ(Base64UrlDecode("Zg=="), "f");
  EXPECT_EQ(Base64UrlDecode("Zm8"), "fo");
  EXPECT_EQ(Base64UrlDecode("Zm8="), "fo");
  EXPECT_EQ(Base64UrlDecode("-_-_"), std::string("\xfb\xff\xbf", 3));
  EXPECT_EQ(Base64UrlDecode(""), "");
}

TEST(Base64UrlTest, RejectsMalformed) {
  for (const char* bad :
       {"Z", "Zg=", "Zm8==", "Zg===", "+/+/", "Zm9v=", "Zm 9v", "Zm9vY", "=", "Zg=Zg"}) {
    EXPECT_EQ(Base64UrlDecode(bad), std::nullopt) << bad;
  }
}

TEST(HexTest, EncodesLowercase) {
  EXPECT_EQ(HexEncode(""), "");
  EXPECT_EQ(HexEncode(std::string("\x00\xff\x10\xab", 4)), "00ff10ab");
}

TEST(HexTest, DecodesEitherCase) {
  EXPECT_EQ(HexDecode("00ff10AB"), std::string("\x00\xff\x10\xab", 4));
  EXPECT_EQ(HexDecode(""), "");
  std::string r = RandomBytes(100);
  EXPECT_EQ(HexDecode(HexEncode(r)), r);
}

TEST(HexTest, RejectsMalformed) {
  for (const char* bad : {"0", "abc", "zz", "0g", " 00", "00 ", "0x00", "-1"}) {
    EXPECT_EQ(HexDecode(bad), std::nullopt) << bad;
  }
}

TEST(Sha256Test, KnownVectors) {
  EXPECT_EQ(HexEncode(Sha256("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(HexEncode(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HexEncode(Sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(HexEncode(Sha256(std::string(1'000'000, 'a'))),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  EXPECT_EQ(Sha256("x").size(), kSha256Size);
}

TEST(HmacSha256Test, Rfc4231Vectors) {
  // Test case 1.
  EXPECT_EQ(HexEncode(HmacSha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  // Test case 2: key shorter than the output.
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 3.
  EXPECT_EQ(HexEncode(HmacSha256(std::string(20, '\xaa'), std::string(50, '\xdd'))),
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
  // Test case 6: key longer than the block size is hashed first.
  EXPECT_EQ(HexEncode(HmacSha256(std::string(131, '\xaa'),
                                 "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(HmacSha256Test, EmptyKeyAndData) {
  EXPECT_EQ(HexEncode(HmacSha256("", "")),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
  EXPECT_EQ(HmacSha256("", "x").size(), kSha256Size);
  EXPECT_NE(HmacSha256("k", "a"), HmacSha256("k", "b"));
  EXPECT_NE(HmacSha256("k1", "a"), HmacSha256("k2", "a"));
}

TEST(ConstantTimeEqualTest, ComparesBytes) {
  EXPECT_TRUE(ConstantTimeEqual("", ""));
  EXPECT_TRUE(ConstantTimeEqual("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEqual("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEqual("abc", "ab"));
  EXPECT_FALSE(ConstantTimeEqual("", "a"));
  EXPECT_TRUE(ConstantTimeEqual(std::string("a\0b", 3), std::string("a\0b", 3)));
  EXPECT_FALSE(ConstantTimeEqual(std::string("a\0b", 3), std::string("a\0c", 3)));
}

TEST(RandomBytesTest, ReturnsRequestedSizeAndVaries) {
  EXPECT_EQ(RandomBytes(0), "");
  EXPECT_EQ(RandomBytes(1).size(), 1u);
  EXPECT_EQ(RandomBytes(5000).size(), 5000u);
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) seen.insert(RandomBytes(16));
  EXPECT_EQ(seen.size(), 100u);
}

TEST(RandomSmallBytesTest, FillsFromThePoolAcrossRefillsWithoutRepeats) {
  // 4 KiB pool, 16-byte draws: 1000 draws refill it four times; no two salts alike, and a
  // draw that does not fit what is left of the pool comes whole from the next one.
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string s(16, '\0');
    RandomSmallBytes(s.data(), s.size());
    seen.insert(s);
  }
  EXPECT_EQ(seen.size(), 1000u);
  std::string odd(7, '\0'), big(300, '\0');
  RandomSmallBytes(odd.data(), odd.size());
  RandomSmallBytes(big.data(), big.size());  // over 256: straight from the CSPRNG
  EXPECT_NE(big, std::string(300, '\0'));
}

TEST(Sha256Test, ToBufferMatchesTheString) {
  char out[kSha256Size];
  Sha256To("abc", out);
  EXPECT_EQ(std::string(out, sizeof out), Sha256("abc"));
  EXPECT_EQ(HexEncode(std::string(out, sizeof out)),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Utf8Test, AcceptsWellFormed) {
  for (const char* ok : {"", "hello", "caf\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xc2\x80",
                         "\xdf\xbf", "\xe0\xa0\x80", "\xed\x9f\xbf", "\xee\x80\x80", "\xef\xbf\xbf",
                         "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf", "\xe2\x80\xa8",
                         "long ascii prefix to exercise the fast path \xe2\x82\xac and more"}) {
    EXPECT_TRUE(IsValidUtf8(ok)) << HexEncode(ok);
  }
  EXPECT_TRUE(IsValidUtf8(std::string("a\0b", 3)));
}

TEST(Utf8Test, RejectsMalformed) {
  for (const char* bad : {"\x80",                      // lone continuation
                          "\xbf",                      // lone continuation
                          "\xc0\x80",                  // overlong NUL
                          "\xc1\xbf",                  // overlong
                          "\xe0\x80\x80",              // overlong 3-byte
                          "\xe0\x9f\xbf",              // overlong 3-byte
                          "\xf0\x80\x80\x80",          // overlong 4-byte
                          "\xf0\x8f\xbf\xbf",          // overlong 4-byte
                          "\xed\xa0\x80",              // U+D800 surrogate
                          "\xed\xbf\xbf",              // U+DFFF surrogate
                          "\xed\xa0\xbd\xed\xb8\x80",  // CESU-8 surrogate pair
                          "\xf4\x90\x80\x80",          // U+110000
                          "\xf5\x80\x80\x80",
                          "\xf8\x88\x80\x80\x80",
                          "\xfe",
                          "\xff",
                          "\xc3",              // truncated
                          "\xe2\x82",          // truncated
                          "\xf0\x9f\x98",      // truncated
                          "\xc3\x41",          // bad continuation
                          "\xe2\x28\xa1",      // bad continuation
                          "\xf0\x9f\x98\x41",  // bad continuation
                          "12345678\x80",
                          "abcdefgh\xc3",
                          "\xe2\x82\xac\xe2\x82"}) {
    EXPECT_FALSE(IsValidUtf8(bad)) << HexEncode(bad);
  }
}

TEST(Utf8Test, AgreesWithExhaustiveTwoByteScan) {
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      std::string s = {static_cast<char>(a), static_cast<char>(b)};
      bool expected = (a < 0x80 && b < 0x80) || (a >= 0xc2 && a <= 0xdf && b >= 0x80 && b <= 0xbf);
      EXPECT_EQ(IsValidUtf8(s), expected) << a << " " << b;
    }
  }
}

}  // namespace
}  // namespace trail
