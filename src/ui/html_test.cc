// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "ui/html.h"

#include <gtest/gtest.h>

namespace trail::ui {
namespace {

TEST(HtmlEscape, MakesMarkupInertInTextAndAttributes) {
  EXPECT_EQ(HtmlEscape("<img src=x onerror=\"alert(1)\">"),
            "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
  EXPECT_EQ(HtmlEscape("</script><script>x</script>"),
            "&lt;/script&gt;&lt;script&gt;x&lt;/script&gt;");
  EXPECT_EQ(HtmlEscape("a & 'b'"), "a &amp; &#39;b&#39;");
  EXPECT_EQ(HtmlEscape("&lt;"), "&amp;lt;");  // no double meaning
  EXPECT_EQ(HtmlEscape(std::string("nul\0x", 5)), "nul&#xFFFD;x");
  EXPECT_EQ(HtmlEscape("tab\tnl\n"), "tab\tnl\n");
  EXPECT_EQ(HtmlEscape("ünïcode ✓"), "ünïcode ✓");
}

TEST(UrlEncode, KeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(UrlEncode("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
  EXPECT_EQ(UrlEncode("project:requests"), "project%3Arequests");
  EXPECT_EQ(UrlEncode("project:requests", true), "project:requests");
  EXPECT_EQ(UrlEncode("javascript:alert(1)\"", true), "javascript:alert%281%29%22");
}

TEST(Href, SkipsEmptyValues) {
  EXPECT_EQ(Href("/ui/", {}), "/ui/");
  EXPECT_EQ(Href("/ui/", {{"q", "actor:bob \"x\""}, {"tag", ""}, {"since", "2026-01-01"}}),
            "/ui/?q=actor:bob%20%22x%22&since=2026-01-01");
}

TEST(Times, ShortFormsForCellsAndDateInputs) {
  const Micros t = 1'767'225'600'000'000 + 3723'500000;  // 2026-01-01T01:02:03.5Z
  EXPECT_EQ(ShortTime(t), "2026-01-01 01:02:03");
  EXPECT_EQ(DateOf(t), "2026-01-01");
}

}  // namespace
}  // namespace trail::ui
