// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// The page frame (head, header, sign-out), the sign-in form and error pages.
#include "ui/pages.h"
#include "ui/theme.h"

namespace trail::ui {

std::string RenderFrame(const Frame& frame, std::string_view main_html) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\"";
  if (!frame.style.empty()) out += " class=\"themed\"";
  out +=
      "><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, "
      "initial-scale=1\">"
      "<meta name=\"referrer\" content=\"same-origin\"><title>";
  AppendEscaped(frame.title, &out);
  out += frame.embed ? "</title>" : " · trail</title>";
  out +=
      "<link rel=\"icon\" href=\"/ui/static/icon.svg\" type=\"image/svg+xml\">"
      "<link rel=\"stylesheet\" href=\"/ui/static/trail.css\">";
  if (!frame.style.empty()) {
    out += "<link rel=\"stylesheet\" href=\"";
    AppendEscaped(Href("/ui/static/theme.css", {{"style", frame.style}}), &out);
    out += "\">";
  }
  out += "<script src=\"/ui/static/live.js\" defer></script></head><body>";
  out += "<a class=\"skip\" href=\"#main\">Skip to content</a>";
  if (!frame.embed) {
    out +=
        "<header class=\"top\"><a class=\"brand\" href=\"/ui/\">trail</a><span "
        "class=\"muted\">audit log</span>";
    if (!frame.signed_in.empty()) {
      out += "<span class=\"who\">Signed in as ";
      AppendEscaped(frame.signed_in, &out);
      out += "</span>";
    }
    if (!frame.csrf.empty()) {
      out +=
          "<form method=\"post\" action=\"/ui/logout\"><input type=\"hidden\" name=\"csrf\" "
          "value=\"";
      AppendEscaped(frame.csrf, &out);
      out += "\"><button type=\"submit\" class=\"secondary\">Sign out</button></form>";
    }
    out += "</header>";
  }
  out += "<main id=\"main\">";
  out.append(main_html);
  out += "</main></body></html>\n";
  return out;
}

std::string RenderLoginPage(const LoginPage& page) {
  std::string m = "<h1>Sign in to trail</h1>";
  if (!page.error.empty()) {
    m += "<p class=\"error\" role=\"alert\">";
    AppendEscaped(page.error, &m);
    m += "</p>";
  }
  m +=
      "<form class=\"login\" method=\"post\" action=\"/ui/login\">"
      "<label for=\"key\">API key (auditor or admin)</label>"
      "<input id=\"key\" name=\"key\" type=\"password\" autocomplete=\"current-password\" required "
      "aria-describedby=\"key-help\" autofocus>"
      "<p id=\"key-help\" class=\"hint\">The key is sent in the form body; the server keeps only "
      "its hash, and the browser "
      "only gets a session cookie. A fresh data directory holds an admin key in "
      "<code>admin.key</code>.</p>";
  if (!page.next.empty()) {
    m += "<input type=\"hidden\" name=\"next\" value=\"";
    AppendEscaped(page.next, &m);
    m += "\">";
  }
  m += "<button type=\"submit\">Sign in</button></form>";
  return RenderFrame(page.frame, m);
}

std::string RenderErrorPage(const Frame& frame, int status, std::string_view heading,
                            std::string_view message) {
  std::string m = "<h1>";
  AppendEscaped(heading, &m);
  m += "</h1><p class=\"error\" role=\"alert\">";
  AppendEscaped(message, &m);
  m += "</p><p class=\"muted\">HTTP " + std::to_string(status) + "</p>";
  if (!frame.embed) m += "<p><a href=\"/ui/\">Back to the console</a></p>";
  return RenderFrame(frame, m);
}

}  // namespace trail::ui
