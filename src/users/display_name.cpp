#include "swirl/users/display_name.hpp"

namespace swirl::users {
namespace {

bool is_control(char32_t c) {
  return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x2028 || c == 0x2029 ||
         (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);  // bidi overrides
}

bool is_space(char32_t c) {
  return c == 0x20 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200B) || c == 0x202F ||
         c == 0x205F || c == 0x3000 || c == 0xFEFF || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

void encode_utf8(char32_t c, std::string& out) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

}  // namespace

bool decode_utf8(std::string_view s, std::u32string& out) {
  out.clear();
  for (std::size_t i = 0; i < s.size();) {
    auto b0 = static_cast<unsigned char>(s[i]);
    char32_t c;
    std::size_t n;
    if (b0 < 0x80) { c = b0; n = 1; }
    else if (b0 >= 0xC2 && b0 <= 0xDF) { c = b0 & 0x1F; n = 2; }
    else if (b0 >= 0xE0 && b0 <= 0xEF) { c = b0 & 0x0F; n = 3; }
    else if (b0 >= 0xF0 && b0 <= 0xF4) { c = b0 & 0x07; n = 4; }
    else return false;
    if (i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      c = (c << 6) | (b & 0x3F);
    }
    if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10FFFF)) || (c >= 0xD800 && c <= 0xDFFF))
      return false;
    out.push_back(c);
    i += n;
  }
  return true;
}

std::variant<std::string, NameError> validate_display_name(std::string_view input) {
  std::u32string cps;
  if (!decode_utf8(input, cps)) return NameError{"display_name is not valid UTF-8"};
  std::size_t begin = 0, end = cps.size();
  while (begin < end && is_space(cps[begin])) ++begin;
  while (end > begin && is_space(cps[end - 1])) --end;
  if (begin == end) return NameError{"display_name must not be empty"};
  if (end - begin > kMaxDisplayNameChars)
    return NameError{"display_name must be at most 40 characters (got " + std::to_string(end - begin) + ")"};
  std::string out;
  for (std::size_t i = begin; i < end; ++i) {
    if (is_control(cps[i])) return NameError{"display_name must not contain control characters"};
    encode_utf8(cps[i], out);
  }
  return out;
}

}  // namespace swirl::users
