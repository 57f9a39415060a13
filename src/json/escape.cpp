#include "swirl/json/escape.hpp"

#include "swirl/core/utf8.hpp"

namespace swirl::json {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER

// The escape for a byte below 0x80 that needs one ("" when it is copied as is).
std::string_view ascii_escape(unsigned char c, char (&buf)[6]) {
  static constexpr char kHex[] = "0123456789abcdef";
  switch (c) {
    case '"': return "\\\"";
    case '\\': return "\\\\";
    case '\b': return "\\b";
    case '\f': return "\\f";
    case '\n': return "\\n";
    case '\r': return "\\r";
    case '\t': return "\\t";
    default: break;
  }
  if (c >= 0x20) return {};
  buf[0] = '\\';
  buf[1] = 'u';
  buf[2] = '0';
  buf[3] = '0';
  buf[4] = kHex[c >> 4];
  buf[5] = kHex[c & 15];
  return {buf, 6};
}

// Walks `s` once, handing `emit` the pieces of the escaped text in order (without the quotes).
template <typename Emit>
void escape(std::string_view s, Emit&& emit) {
  const char* p = s.data();
  const char* const end = p + s.size();
  while (p != end) {
    // A run of bytes copied as they are: printable ASCII and well-formed UTF-8.
    const char* run = p;
    while (p != end) {
      auto c = static_cast<unsigned char>(*p);
      if (c >= 0x80) {
        std::size_t len = core::utf8_sequence_length(p, end);
        if (len == 0) break;
        p += len;
      } else if (c < 0x20 || c == '"' || c == '\\') {
        break;
      } else {
        ++p;
      }
    }
    if (p != run) emit(std::string_view(run, static_cast<std::size_t>(p - run)));
    if (p == end) break;
    auto c = static_cast<unsigned char>(*p);
    if (c >= 0x80) {
      emit(kReplacement);
      p += core::utf8_maximal_subpart(p, end);
    } else {
      char buf[6];
      emit(ascii_escape(c, buf));
      ++p;
    }
  }
}

}  // namespace

void append_quoted(std::string& out, std::string_view s) {
  out += '"';
  escape(s, [&out](std::string_view piece) { out += piece; });
  out += '"';
}

std::size_t quoted_size(std::string_view s) {
  std::size_t n = 2;
  escape(s, [&n](std::string_view piece) { n += piece.size(); });
  return n;
}

}  // namespace swirl::json
