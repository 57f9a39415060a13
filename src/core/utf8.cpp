#include "swirl/core/utf8.hpp"

#include <cstdint>
#include <cstring>

namespace swirl::core {

bool valid_utf8(std::string_view s) noexcept {
  const char* p = s.data();
  const char* const end = p + s.size();
  while (p != end) {
    // ASCII fast path, eight bytes at a time.
    if (end - p >= 8) {
      std::uint64_t v;
      std::memcpy(&v, p, 8);
      if ((v & 0x8080808080808080ULL) == 0) {
        p += 8;
        continue;
      }
    }
    std::size_t len = utf8_sequence_length(p, end);
    if (len == 0) return false;
    p += len;
  }
  return true;
}

bool decode_utf8(std::string_view s, std::u32string& out) {
  out.clear();
  const char* p = s.data();
  const char* const end = p + s.size();
  while (p != end) {
    std::size_t len = utf8_sequence_length(p, end);
    if (len == 0) return false;
    auto lead = static_cast<unsigned char>(*p);
    char32_t c = len == 1 ? lead : lead & (0x7F >> len);  // the lead byte's payload bits
    for (std::size_t i = 1; i < len; ++i) c = (c << 6) | (static_cast<unsigned char>(p[i]) & 0x3F);
    out.push_back(c);
    p += len;
  }
  return true;
}

std::size_t encode_utf8(char32_t c, char* out) noexcept {
  if (c < 0x80) {
    out[0] = static_cast<char>(c);
    return 1;
  }
  if (c < 0x800) {
    out[0] = static_cast<char>(0xC0 | (c >> 6));
    out[1] = static_cast<char>(0x80 | (c & 0x3F));
    return 2;
  }
  if (c < 0x10000) {
    out[0] = static_cast<char>(0xE0 | (c >> 12));
    out[1] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out[2] = static_cast<char>(0x80 | (c & 0x3F));
    return 3;
  }
  out[0] = static_cast<char>(0xF0 | (c >> 18));
  out[1] = static_cast<char>(0x80 | ((c >> 12) & 0x3F));
  out[2] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
  out[3] = static_cast<char>(0x80 | (c & 0x3F));
  return 4;
}

void append_utf8(std::string& out, char32_t c) {
  char buf[4];
  out.append(buf, encode_utf8(c, buf));
}

}  // namespace swirl::core
