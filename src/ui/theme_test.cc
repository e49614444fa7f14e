// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "ui/theme.h"

#include <gtest/gtest.h>

namespace trail::ui {
namespace {

TEST(CanonicalStyle, AcceptsOnlyTheDocumentedVariables) {
  EXPECT_EQ(CanonicalStyle(""), "");
  EXPECT_EQ(CanonicalStyle("accent:0A66C2,scheme:dark,size:14"),
            "scheme:dark,accent:0a66c2,size:14");
  EXPECT_EQ(CanonicalStyle("bg:fff,fg:000,muted:555,border:ddd,surface:eee,font:serif"),
            "bg:fff,fg:000,muted:555,border:ddd,surface:eee,font:serif");
  for (const char* bad :
       {"accent:#fff", "accent:red", "accent:fff;}body{x", "bg:ffff", "font:Comic Sans", "size:9",
        "size:21", "scheme:blue", "color:fff", "accent", "accent:fff,accent:000", "bg:url(x)"}) {
    EXPECT_FALSE(CanonicalStyle(bad)) << bad;
  }
}

TEST(ThemeCss, SetsCustomPropertiesOnly) {
  EXPECT_EQ(ThemeCss("accent:0a66c2,size:14"),
            ":root.themed{--trail-accent:#0a66c2;--trail-size:14px;color-scheme:light;}\n");
  EXPECT_EQ(ThemeCss("bg:fff;}*{display:none"), ":root.themed{}\n");
  EXPECT_NE(ThemeCss("scheme:dark").find("--trail-bg:#0d1117"), std::string::npos);
}

}  // namespace
}  // namespace trail::ui
