// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "core/jcs.h"

#include <algorithm>
#include <array>
#include <boost/json/array.hpp>
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value_stack.hpp>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/json_text.h"

namespace trail {
namespace {

// Maps a byte at the first difference of two valid UTF-8 strings to a rank whose order is
// UTF-16 code unit order. The strings agree before that byte, so either both bytes are
// continuation bytes of same-length sequences (UTF-8 order is already right) or both start
// a character. Lead bytes 0xEE/0xEF start U+E000..U+FFFF, single UTF-16 units above the
// surrogates that encode everything from U+10000 (lead bytes 0xF0..0xF4), so they must rank
// above those; every other pair of lead bytes already compares as UTF-16 does.
inline unsigned Utf16Rank(unsigned char b) { return (b == 0xee || b == 0xef) ? b + 0x10u : b; }

constexpr int64_t kMaxSafeInteger = (int64_t{1} << 53) - 1;  // I-JSON's integer bound

// A JSON number written without fraction or exponent.
bool IsIntegerLiteral(std::string_view text) {
  return text.find_first_of(".eE") == std::string_view::npos;
}

template <typename Int>
void AppendInteger(Int v, std::string* out) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, r.ptr);
}

void AppendObject(const boost::json::object& obj, std::string* out);

void AppendValue(const boost::json::value& v, std::string* out) {
  switch (v.kind()) {
    case boost::json::kind::null:
      out->append("null");
      break;
    case boost::json::kind::bool_:
      out->append(v.get_bool() ? "true" : "false");
      break;
    case boost::json::kind::int64:
      AppendInteger(v.get_int64(), out);
      break;
    case boost::json::kind::uint64:
      AppendInteger(v.get_uint64(), out);
      break;
    case boost::json::kind::double_:
      AppendEcmaScriptNumber(v.get_double(), out);
      break;
    case boost::json::kind::string:
      AppendJsonString(v.get_string(), out);
      break;
    case boost::json::kind::array: {
      out->push_back('[');
      bool first = true;
      for (const auto& e : v.get_array()) {
        if (!first) out->push_back(',');
        first = false;
        AppendValue(e, out);
      }
      out->push_back(']');
      break;
    }
    case boost::json::kind::object:
      AppendObject(v.get_object(), out);
      break;
  }
}

void AppendObject(const boost::json::object& obj, std::string* out) {
  using Member = const boost::json::key_value_pair*;
  // Most objects are small: sort pointers in a stack buffer, fall back to the heap.
  constexpr size_t kInline = 32;
  std::array<Member, kInline> inline_buf;
  std::vector<Member> heap_buf;
  Member* members = inline_buf.data();
  if (obj.size() > kInline) {
    heap_buf.resize(obj.size());
    members = heap_buf.data();
  }
  size_t n = 0;
  for (const auto& kv : obj) members[n++] = &kv;
  std::sort(members, members + n,
            [](Member a, Member b) { return JcsKeyLess(a->key(), b->key()); });

  out->push_back('{');
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) out->push_back(',');
    AppendJsonString(members[i]->key(), out);
    out->push_back(':');
    AppendValue(members[i]->value(), out);
  }
  out->push_back('}');
}

// boost::json's own value-building handler, except that doubles are re-read from their text
// with std::from_chars, which rounds correctly where Boost 1.81's parser may not.
struct ExactNumberHandler {
  static constexpr size_t max_object_size = boost::json::object::max_size();
  static constexpr size_t max_array_size = boost::json::array::max_size();
  static constexpr size_t max_key_size = boost::json::string::max_size();
  static constexpr size_t max_string_size = boost::json::string::max_size();

  using ec_t = boost::json::error_code;
  using sv_t = boost::json::string_view;

  explicit ExactNumberHandler(boost::json::storage_ptr sp) : st(std::move(sp)) {}

  bool on_document_begin(ec_t&) { return true; }
  bool on_document_end(ec_t&) { return true; }
  bool on_object_begin(ec_t&) { return true; }
  bool on_object_end(size_t n, ec_t&) {
    st.push_object(n);
    return true;
  }
  bool on_array_begin(ec_t&) { return true; }
  bool on_array_end(size_t n, ec_t&) {
    st.push_array(n);
    return true;
  }
  bool on_key_part(sv_t s, size_t, ec_t&) {
    st.push_chars(s);
    return true;
  }
  bool on_key(sv_t s, size_t, ec_t&) {
    st.push_key(s);
    return true;
  }
  bool on_string_part(sv_t s, size_t, ec_t&) {
    st.push_chars(s);
    return true;
  }
  bool on_string(sv_t s, size_t, ec_t&) {
    st.push_string(s);
    return true;
  }
  bool on_number_part(sv_t s, ec_t&) {
    number_text.append(s.data(), s.size());
    return true;
  }
  bool on_int64(int64_t i, sv_t, ec_t&) {
    number_text.clear();
    if (i > kMaxSafeInteger || i < -kMaxSafeInteger) not_ijson = true;
    st.push_int64(i);
    return true;
  }
  bool on_uint64(uint64_t u, sv_t, ec_t&) {
    number_text.clear();
    if (u > static_cast<uint64_t>(kMaxSafeInteger)) not_ijson = true;
    st.push_uint64(u);
    return true;
  }
  bool on_double(double d, sv_t s, ec_t&) {
    const char* first = s.data();
    const char* last = first + s.size();
    if (!number_text.empty()) {  // the number was split across input chunks
      number_text.append(s.data(), s.size());
      first = number_text.data();
      last = first + number_text.size();
    }
    double exact;
    auto r = std::from_chars(first, last, exact);
    // Out of range (overflow, or underflow to zero): keep the parser's value.
    if (r.ec == std::errc() && r.ptr == last) d = exact;
    // An integer literal only comes here when it is too wide for 64 bits.
    if (!std::isfinite(d) || IsIntegerLiteral({first, static_cast<size_t>(last - first)}))
      not_ijson = true;
    number_text.clear();
    st.push_double(d);
    return true;
  }
  bool on_bool(bool b, ec_t&) {
    st.push_bool(b);
    return true;
  }
  bool on_null(ec_t&) {
    st.push_null();
    return true;
  }
  bool on_comment_part(sv_t, ec_t&) { return true; }
  bool on_comment(sv_t, ec_t&) { return true; }

  boost::json::value_stack st;
  std::string number_text;
  bool not_ijson = false;
};

// Finds the first number literal that is not I-JSON, keeping the path to it; builds nothing.
// Only run on the rare texts ParseJsonExact flagged, so it may be plain rather than fast.
struct IJsonFinder {
  static constexpr size_t max_object_size = boost::json::object::max_size();
  static constexpr size_t max_array_size = boost::json::array::max_size();
  static constexpr size_t max_key_size = boost::json::string::max_size();
  static constexpr size_t max_string_size = boost::json::string::max_size();

  using ec_t = boost::json::error_code;
  using sv_t = boost::json::string_view;

  struct Level {
    bool array;
    size_t index = 0;  // arrays: the element being read
    std::string key;   // objects: the member being read
  };

  std::string Path() const {
    std::string p;
    for (const Level& l : levels) {
      if (l.array) {
        p += "[" + std::to_string(l.index) + "]";
      } else {
        if (!p.empty()) p.push_back('.');
        p += l.key;
      }
    }
    return p;
  }
  // A scalar or container ended: the enclosing array moves to its next element.
  void ValueDone() {
    if (!levels.empty() && levels.back().array) ++levels.back().index;
    key_done = true;
  }
  bool Found(std::string what, ec_t& ec) {
    problem = JsonTextProblem{Path(), std::move(what) + " (I-JSON); send it as a string"};
    ec = boost::json::error::extra_data;  // stops the parse; the caller ignores it
    return false;
  }
  bool WideInteger(std::string_view text, ec_t& ec) {
    return Found("integer " + std::string(text) + " is outside ±(2^53−1)", ec);
  }
  std::string_view Text(sv_t s) {
    if (number_text.empty()) return {s.data(), s.size()};
    number_text.append(s.data(), s.size());
    return number_text;
  }

  bool on_document_begin(ec_t&) { return true; }
  bool on_document_end(ec_t&) { return true; }
  bool on_object_begin(ec_t&) {
    levels.push_back(Level{false, 0, {}});
    return true;
  }
  bool on_object_end(size_t, ec_t&) {
    levels.pop_back();
    ValueDone();
    return true;
  }
  bool on_array_begin(ec_t&) {
    levels.push_back(Level{true, 0, {}});
    return true;
  }
  bool on_array_end(size_t, ec_t&) {
    levels.pop_back();
    ValueDone();
    return true;
  }
  bool on_key_part(sv_t s, size_t, ec_t&) {
    if (key_done) levels.back().key.clear();
    key_done = false;
    levels.back().key.append(s.data(), s.size());
    return true;
  }
  bool on_key(sv_t s, size_t n, ec_t& ec) {
    on_key_part(s, n, ec);
    return true;
  }
  bool on_string_part(sv_t, size_t, ec_t&) { return true; }
  bool on_string(sv_t, size_t, ec_t&) {
    ValueDone();
    return true;
  }
  bool on_number_part(sv_t s, ec_t&) {
    number_text.append(s.data(), s.size());
    return true;
  }
  bool on_int64(int64_t i, sv_t s, ec_t& ec) {
    if (i > kMaxSafeInteger || i < -kMaxSafeInteger) return WideInteger(Text(s), ec);
    number_text.clear();
    ValueDone();
    return true;
  }
  bool on_uint64(uint64_t u, sv_t s, ec_t& ec) {
    if (u > static_cast<uint64_t>(kMaxSafeInteger)) return WideInteger(Text(s), ec);
    number_text.clear();
    ValueDone();
    return true;
  }
  bool on_double(double d, sv_t s, ec_t& ec) {
    std::string_view text = Text(s);
    if (IsIntegerLiteral(text)) return WideInteger(text, ec);
    double exact;
    auto r = std::from_chars(text.data(), text.data() + text.size(), exact);
    if (r.ec == std::errc()) d = exact;
    if (!std::isfinite(d)) return Found(std::string(text) + " is not a finite IEEE-754 double", ec);
    number_text.clear();
    ValueDone();
    return true;
  }
  bool on_bool(bool, ec_t&) {
    ValueDone();
    return true;
  }
  bool on_null(ec_t&) {
    ValueDone();
    return true;
  }
  bool on_comment_part(sv_t, ec_t&) { return true; }
  bool on_comment(sv_t, ec_t&) { return true; }

  std::vector<Level> levels;
  bool key_done = true;
  std::string number_text;
  std::optional<JsonTextProblem> problem;
};

std::string IJsonError(const boost::json::value& v, std::string* path);

std::string IJsonMembersError(const boost::json::object& o, std::string* path) {
  const size_t n = path->size();
  for (const auto& kv : o) {
    if (!kv.value().is_structured() && !kv.value().is_number()) continue;
    path->push_back('.');
    path->append(kv.key());
    if (auto e = IJsonError(kv.value(), path); !e.empty()) return e;
    path->resize(n);
  }
  return "";
}

std::string IJsonError(const boost::json::value& v, std::string* path) {
  auto integer = [&](const std::string& text) {
    return *path + ": integer " + text + " is outside ±(2^53−1) (I-JSON); send it as a string";
  };
  switch (v.kind()) {
    case boost::json::kind::int64:
      if (v.get_int64() > kMaxSafeInteger || v.get_int64() < -kMaxSafeInteger)
        return integer(std::to_string(v.get_int64()));
      return "";
    case boost::json::kind::uint64:
      if (v.get_uint64() > static_cast<uint64_t>(kMaxSafeInteger))
        return integer(std::to_string(v.get_uint64()));
      return "";
    case boost::json::kind::double_:
      if (!std::isfinite(v.get_double()))
        return *path + ": number is not a finite IEEE-754 double (I-JSON); send it as a string";
      return "";
    case boost::json::kind::object:
      return IJsonMembersError(v.get_object(), path);
    case boost::json::kind::array: {
      const size_t n = path->size();
      const auto& a = v.get_array();
      for (size_t i = 0; i < a.size(); ++i) {
        if (!a[i].is_structured() && !a[i].is_number()) continue;
        path->append("[" + std::to_string(i) + "]");
        if (auto e = IJsonError(a[i], path); !e.empty()) return e;
        path->resize(n);
      }
      return "";
    }
    default:
      return "";
  }
}

boost::json::value ParseExact(std::string_view s, boost::json::error_code& ec,
                              boost::json::storage_ptr sp, const boost::json::parse_options& opt,
                              bool* not_ijson) {
  boost::json::basic_parser<ExactNumberHandler> p(opt, boost::json::storage_ptr());
  p.handler().st.reset(std::move(sp));
  const size_t n = p.write_some(false, s.data(), s.size(), ec);
  if (!ec && n < s.size()) ec = boost::json::error::extra_data;
  if (ec) return nullptr;
  if (not_ijson) *not_ijson = p.handler().not_ijson;
  return p.handler().st.release();
}

}  // namespace

boost::json::value ParseJsonExact(std::string_view s, boost::json::error_code& ec,
                                  boost::json::storage_ptr sp,
                                  const boost::json::parse_options& opt) {
  return ParseExact(s, ec, std::move(sp), opt, nullptr);
}

boost::json::value ParseJsonExact(std::string_view s, boost::json::error_code& ec,
                                  bool* not_ijson) {
  return ParseExact(s, ec, {}, {}, not_ijson);
}

std::string IJsonNumberError(const boost::json::value& v, const std::string& path) {
  std::string p = path;
  return IJsonError(v, &p);
}

std::string IJsonNumberError(const boost::json::object& v, const std::string& path) {
  std::string p = path;
  return IJsonMembersError(v, &p);
}

std::optional<JsonTextProblem> FindNonIJsonNumber(std::string_view json) {
  boost::json::basic_parser<IJsonFinder> p(boost::json::parse_options{});
  boost::json::error_code ec;
  p.write_some(false, json.data(), json.size(), ec);
  return std::move(p.handler().problem);
}

bool JcsKeyLess(std::string_view a, std::string_view b) {
  const size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) {
      return Utf16Rank(static_cast<unsigned char>(a[i])) <
             Utf16Rank(static_cast<unsigned char>(b[i]));
    }
  }
  return a.size() < b.size();
}

void AppendEcmaScriptNumber(double d, std::string* out) {
  if (!std::isfinite(d)) {
    out->append("null");
    return;
  }
  if (d == 0) {  // both +0 and -0
    out->push_back('0');
    return;
  }
  // Shortest round-trip digits in scientific form: `-d.ddde±XX`. ECMAScript's choice among
  // shortest candidates (closest to the exact value, then even) is the same as to_chars'.
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::scientific);
  const char* p = buf;
  if (*p == '-') {
    out->push_back('-');
    ++p;
  }
  char digits[20];
  int k = 0;
  for (; p < r.ptr && *p != 'e'; ++p) {
    if (*p != '.') digits[k++] = *p;
  }
  ++p;  // 'e'
  const bool neg_exp = *p == '-';
  ++p;
  int exp = 0;
  for (; p < r.ptr; ++p) exp = exp * 10 + (*p - '0');
  if (neg_exp) exp = -exp;

  // ECMA-262 Number::toString: value = 0.d1d2..dk × 10^n.
  const int n = exp + 1;
  if (k <= n && n <= 21) {
    out->append(digits, k);
    out->append(static_cast<size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out->append(digits, n);
    out->push_back('.');
    out->append(digits + n, k - n);
  } else if (-6 < n && n <= 0) {
    out->append("0.");
    out->append(static_cast<size_t>(-n), '0');
    out->append(digits, k);
  } else {
    out->push_back(digits[0]);
    if (k > 1) {
      out->push_back('.');
      out->append(digits + 1, k - 1);
    }
    out->push_back('e');
    out->push_back(n - 1 >= 0 ? '+' : '-');
    AppendInteger(n - 1 >= 0 ? n - 1 : 1 - n, out);
  }
}

void AppendCanonicalJson(const boost::json::value& v, std::string* out) { AppendValue(v, out); }

std::string CanonicalJson(const boost::json::value& v) {
  std::string out;
  AppendValue(v, &out);
  return out;
}

}  // namespace trail
