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
#include <string>
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
    st.push_int64(i);
    return true;
  }
  bool on_uint64(uint64_t u, sv_t, ec_t&) {
    number_text.clear();
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
};

}  // namespace

boost::json::value ParseJsonExact(std::string_view s, boost::json::error_code& ec,
                                  boost::json::storage_ptr sp,
                                  const boost::json::parse_options& opt) {
  boost::json::basic_parser<ExactNumberHandler> p(opt, boost::json::storage_ptr());
  p.handler().st.reset(std::move(sp));
  const size_t n = p.write_some(false, s.data(), s.size(), ec);
  if (!ec && n < s.size()) ec = boost::json::error::extra_data;
  if (ec) return nullptr;
  return p.handler().st.release();
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
