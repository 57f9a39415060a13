// The one home of text handling: UTF-8 (core/utf8.hpp), hex digits (core/hex.hpp) and the JSON
// string escaper (json/escape.hpp), each against an independent reference.
#include <catch2/catch.hpp>

#include <cctype>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "swirl/core/hex.hpp"
#include "swirl/core/utf8.hpp"
#include "swirl/json/escape.hpp"
#include "swirl/json/out.hpp"

namespace {

// RFC 3629 read the long way: decode by bit pattern, then refuse overlongs, surrogates and
// code points above U+10FFFF.
bool reference_valid(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t extra;
    std::uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= s.size()) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    const std::uint32_t min[] = {0, 0x80, 0x800, 0x10000};
    if (cp < min[extra] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return false;
    i += extra + 1;
  }
  return true;
}

// Bytes at every boundary of the RFC 3629 table, and a few the JSON escaper treats specially.
const std::vector<char> kEdgeBytes = {'\x00', '\x01', '\x1f', 'A',    '"',    '\\',   '\x7f', '\x80', '\x8f', '\x90',
                                      '\x9f', '\xa0', '\xbf', '\xc0', '\xc1', '\xc2', '\xdf', '\xe0', '\xe1', '\xec',
                                      '\xed', '\xee', '\xef', '\xf0', '\xf1', '\xf3', '\xf4', '\xf5', '\xff', '\n'};

// Calls f(s) for every string of exactly `len` bytes drawn from kEdgeBytes.
template <typename F>
void for_each_edge_string(std::size_t len, F&& f) {
  std::vector<std::size_t> idx(len, 0);
  std::string s(len, '\0');
  while (true) {
    for (std::size_t k = 0; k < len; ++k) s[k] = kEdgeBytes[idx[k]];
    f(s);
    std::size_t k = 0;
    while (k < len && ++idx[k] == kEdgeBytes.size()) idx[k++] = 0;
    if (k == len) return;
  }
}

// The bytes of `s` in hex, for failure messages.
std::string hex_bytes(const std::string& s) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (char c : s) {
    auto b = static_cast<unsigned char>(c);
    out += digits[b >> 4];
    out += digits[b & 15];
    out += ' ';
  }
  return out;
}

std::string nlohmann_quoted(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string quoted(const std::string& s) {
  std::string out;
  swirl::json::append_quoted(out, s);
  return out;
}

}  // namespace

TEST_CASE("UTF-8: valid_utf8 agrees with RFC 3629 on every short string of edge bytes", "[core][utf8]") {
  std::size_t checked = 0, valid = 0;
  for (std::size_t len = 0; len <= 4; ++len) {
    for_each_edge_string(len, [&](const std::string& s) {
      bool expected = reference_valid(s);
      if (swirl::core::valid_utf8(s) != expected) FAIL_CHECK("valid_utf8 disagrees on " << hex_bytes(s));
      ++checked;
      valid += expected;
    });
  }
  // Both verdicts were exercised (the alphabet is not all-valid or all-invalid).
  CHECK(checked > 800'000);
  CHECK(valid > 10'000);
  CHECK(checked - valid > 10'000);
  // The eight-byte ASCII fast path hands over to the slow path at any offset.
  for (std::size_t at = 0; at < 20; ++at) {
    std::string s(20, 'a');
    s[at] = '\xff';
    CHECK_FALSE(swirl::core::valid_utf8(s));
    s[at] = '\xc3';
    CHECK_FALSE(swirl::core::valid_utf8(s));
    s.insert(at + 1, 1, '\xa9');
    CHECK(swirl::core::valid_utf8(s));
  }
}

TEST_CASE("UTF-8: every scalar value encodes, validates and decodes back", "[core][utf8]") {
  std::u32string decoded;
  for (char32_t c = 0; c <= 0x10FFFF; ++c) {
    if (c >= 0xD800 && c <= 0xDFFF) continue;
    std::string s;
    swirl::core::append_utf8(s, c);
    REQUIRE(swirl::core::utf8_sequence_length(s.data(), s.data() + s.size()) == s.size());
    REQUIRE(swirl::core::decode_utf8(s, decoded));
    REQUIRE(decoded == std::u32string(1, c));
  }
  CHECK_FALSE(swirl::core::decode_utf8("ok\xed\xa0\x80", decoded));    // an encoded surrogate
  CHECK_FALSE(swirl::core::decode_utf8("\xf4\x90\x80\x80", decoded));  // above U+10FFFF
}

TEST_CASE("UTF-8: maximal subparts are what the Unicode standard's example names", "[core][utf8]") {
  // Unicode 15.0, table 3-8: "61 F1 80 80 E1 80 C2 62 80 63 80 BF 64" has the maximal
  // subparts F1 80 80 | E1 80 | C2 | 80 | 80 | BF between the letters.
  const std::string s = "\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64";
  std::vector<std::size_t> parts;
  const char* p = s.data();
  const char* end = p + s.size();
  while (p != end) {
    std::size_t len = swirl::core::utf8_sequence_length(p, end);
    if (len != 0) {
      p += len;
      continue;
    }
    parts.push_back(swirl::core::utf8_maximal_subpart(p, end));
    p += parts.back();
  }
  CHECK(parts == std::vector<std::size_t>{3, 2, 1, 1, 1, 1});
}

TEST_CASE("hex_value reads every hex digit and nothing else", "[core]") {
  for (int i = 0; i < 256; ++i) {
    char c = static_cast<char>(i);
    int expected = std::isxdigit(i) ? static_cast<int>(std::stoi(std::string(1, c), nullptr, 16)) : -1;
    CHECK(swirl::core::hex_value(c) == expected);
  }
}

TEST_CASE("the JSON escaper writes what nlohmann's dump writes, invalid UTF-8 included", "[json][escape]") {
  // Every string of up to three edge bytes, then random longer ones: the same bytes as
  // nlohmann::json::dump with error_handler_t::replace, and quoted_size is exact.
  std::size_t checked = 0, replaced = 0;
  auto check = [&](const std::string& s) {
    std::string mine = quoted(s);
    std::string theirs = nlohmann_quoted(s);
    if (mine != theirs)
      FAIL_CHECK("escaping " << hex_bytes(s) << ": " << hex_bytes(mine) << "!= " << hex_bytes(theirs));
    if (swirl::json::quoted_size(s) != mine.size()) FAIL_CHECK("quoted_size is off for " << hex_bytes(s));
    ++checked;
    replaced += mine.find("\xEF\xBF\xBD") != std::string::npos;
  };
  for (std::size_t len = 0; len <= 3; ++len) for_each_edge_string(len, check);
  std::mt19937 rng(12);
  std::uniform_int_distribution<std::size_t> length(4, 24), pick(0, kEdgeBytes.size() - 1), any(0, 255);
  for (int i = 0; i < 20'000; ++i) {
    std::string s(length(rng), '\0');
    for (auto& c : s) c = (i % 2) ? kEdgeBytes[pick(rng)] : static_cast<char>(any(rng));
    check(s);
  }
  CHECK(checked > 40'000);
  CHECK(replaced > 10'000);  // invalid UTF-8 was exercised, not just clean text

  // The rule spelled out on examples (docs/protocol.md, "Text the server writes").
  CHECK(quoted("caf\xC3\xA9 \x7F") == "\"caf\xC3\xA9 \x7F\"");  // UTF-8 and DEL copied
  CHECK(quoted("\"\\\b\f\n\r\t\x01") == R"("\"\\\b\f\n\r\t\u0001")");
  CHECK(quoted("a\xFF"
               "b") ==
        "\"a\xEF\xBF\xBD"
        "b\"");                                                                 // a stray byte: one U+FFFD
  CHECK(quoted("ok\xE2\x82") == "\"ok\xEF\xBF\xBD\"");                          // a cut-off sequence: one U+FFFD
  CHECK(quoted("\xED\xA0\x80") == "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");  // a surrogate: ED, A0, 80
  // JsonOut writes its values through the same escaper (its keys are literals that the compiler
  // checks need no escaping: json::JsonKey).
  swirl::json::JsonOut j;
  j.begin_object().key("k").value("v\xFF").key("w").value("\xE2\x82\"").end_object();
  CHECK(j.str() == nlohmann::json{{"k", "v\xFF"}, {"w", "\xE2\x82\""}}.dump(-1, ' ', false,
                                                                            nlohmann::json::error_handler_t::replace));
}
