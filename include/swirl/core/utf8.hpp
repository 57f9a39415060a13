#pragma once
// UTF-8 as RFC 3629 defines it, in one place: no overlong forms, no UTF-16 surrogates
// (U+D800..U+DFFF), nothing above U+10FFFF (the ranges of the RFC's table 3-7, which
// nlohmann::json's lexer and serializer also use). The WebSocket layer (text frames, close
// reasons), the JSON scanner and escaper, and display names all use these functions.

#include <cstddef>
#include <string>
#include <string_view>

namespace swirl::core {

namespace utf8_detail {
// For a lead byte: the length of the sequence it starts (0: it cannot start one) and the range
// of the byte after it (the bytes after that are always 80..BF).
struct Lead {
  std::size_t len;
  unsigned char lo, hi;
};
constexpr Lead lead(unsigned char b) noexcept {
  if (b < 0x80) return {1, 0, 0};
  if (b >= 0xC2 && b <= 0xDF) return {2, 0x80, 0xBF};
  if (b == 0xE0) return {3, 0xA0, 0xBF};  // no overlongs below U+0800
  if (b == 0xED) return {3, 0x80, 0x9F};  // no UTF-16 surrogates
  if (b >= 0xE1 && b <= 0xEF) return {3, 0x80, 0xBF};
  if (b == 0xF0) return {4, 0x90, 0xBF};  // no overlongs below U+10000
  if (b == 0xF4) return {4, 0x80, 0x8F};  // nothing above U+10FFFF
  if (b >= 0xF1 && b <= 0xF3) return {4, 0x80, 0xBF};
  return {0, 0, 0};  // a continuation byte, an overlong lead (C0, C1) or F5..FF
}
// How many bytes from p (at most n, at most the sequence's length) fit the sequence p starts.
constexpr std::size_t fitting(const char* p, std::size_t n, Lead l) noexcept {
  auto b = [p](std::size_t i) { return static_cast<unsigned char>(p[i]); };
  std::size_t k = 1;
  if (k < n && k < l.len && b(1) >= l.lo && b(1) <= l.hi)
    ++k;
  else
    return k;
  while (k < n && k < l.len && (b(k) & 0xC0) == 0x80) ++k;
  return k;
}
}  // namespace utf8_detail

// The length of the well-formed UTF-8 sequence that starts at `p` (1 for ASCII, else 2..4), or
// 0 when the bytes from `p` up to `end` do not start one. Requires p < end.
constexpr std::size_t utf8_sequence_length(const char* p, const char* end) noexcept {
  const auto l = utf8_detail::lead(static_cast<unsigned char>(*p));
  if (l.len <= 1) return l.len;
  return utf8_detail::fitting(p, static_cast<std::size_t>(end - p), l) == l.len ? l.len : 0;
}

// Where utf8_sequence_length(p, end) is 0: the length of the "maximal subpart" at p (Unicode
// 15.0, section 3.9): the lead byte and the bytes after it that still fit a well-formed
// sequence, at least 1. Replacing each maximal subpart by one U+FFFD is the Unicode
// recommendation, and what nlohmann::json's dump does with error_handler_t::replace.
constexpr std::size_t utf8_maximal_subpart(const char* p, const char* end) noexcept {
  const auto l = utf8_detail::lead(static_cast<unsigned char>(*p));
  if (l.len <= 1) return 1;
  return utf8_detail::fitting(p, static_cast<std::size_t>(end - p), l);
}

// True when all of `s` is well-formed UTF-8 (the empty string is).
bool valid_utf8(std::string_view s) noexcept;

// Decodes well-formed UTF-8 into code points; false (and `out` unspecified) otherwise.
bool decode_utf8(std::string_view s, std::u32string& out);

// Writes code point `c` (at most U+10FFFF, not a surrogate) as UTF-8 at `out` (room for 4
// bytes); returns how many bytes it wrote (1..4).
std::size_t encode_utf8(char32_t c, char* out) noexcept;
// Appends code point `c` as UTF-8.
void append_utf8(std::string& out, char32_t c);

}  // namespace swirl::core
