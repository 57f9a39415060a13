#include "swirl/users/display_name.hpp"

#include "swirl/core/utf8.hpp"

namespace swirl::users {
namespace {

bool is_control(char32_t c) {
  return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x2028 || c == 0x2029 || (c >= 0x202A && c <= 0x202E) ||
         (c >= 0x2066 && c <= 0x2069);  // bidi overrides
}

bool is_space(char32_t c) {
  return c == 0x20 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200B) || c == 0x202F || c == 0x205F ||
         c == 0x3000 || c == 0xFEFF || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

}  // namespace

std::variant<std::string, NameError> validate_display_name(std::string_view input) {
  std::u32string cps;
  if (!core::decode_utf8(input, cps)) return NameError{"display_name is not valid UTF-8"};
  std::size_t begin = 0, end = cps.size();
  while (begin < end && is_space(cps[begin])) ++begin;
  while (end > begin && is_space(cps[end - 1])) --end;
  if (begin == end) return NameError{"display_name must not be empty"};
  if (end - begin > kMaxDisplayNameChars)
    return NameError{"display_name must be at most 40 characters (got " + std::to_string(end - begin) + ")"};
  std::string out;
  for (std::size_t i = begin; i < end; ++i) {
    if (is_control(cps[i])) return NameError{"display_name must not contain control characters"};
    core::append_utf8(out, cps[i]);
  }
  return out;
}

}  // namespace swirl::users
