#include "swirl/json/scan.hpp"

#include <bit>
#include <bitset>
#include <cstring>

#include "swirl/core/hex.hpp"
#include "swirl/core/utf8.hpp"

namespace swirl::json {

namespace {

using Byte = unsigned char;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

const char* skip_ws(const char* p, const char* end) {
  while (p != end && is_ws(*p)) ++p;
  return p;
}

// The four hex digits at p as a UTF-16 code unit, or -1.
int hex4(const char* p, const char* end) {
  if (end - p < 4) return -1;
  int v = 0;
  for (int i = 0; i < 4; ++i) {
    int h = core::hex_value(p[i]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

bool is_high_surrogate(int u) { return u >= 0xD800 && u <= 0xDBFF; }
bool is_low_surrogate(int u) { return u >= 0xDC00 && u <= 0xDFFF; }

// p is just after a backslash. Returns the position after the escape, or nullptr. As in
// nlohmann, a high surrogate must be followed at once by an escaped low one, and a low one may
// not stand alone.
const char* scan_escape(const char* p, const char* end) {
  if (p == end) return nullptr;
  switch (*p) {
    case '"':
    case '\\':
    case '/':
    case 'b':
    case 'f':
    case 'n':
    case 'r':
    case 't': return p + 1;
    case 'u': {
      int unit = hex4(p + 1, end);
      if (unit < 0 || is_low_surrogate(unit)) return nullptr;
      p += 5;
      if (!is_high_surrogate(unit)) return p;
      if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || !is_low_surrogate(hex4(p + 2, end))) return nullptr;
      return p + 6;
    }
    default: return nullptr;
  }
}

// SWAR helpers: eight string bytes at a time. For each test the lowest flagged byte is always
// a true match (false positives only appear above a true match, through a borrow), so the
// lowest flagged byte of the union is the first byte that needs a closer look.
constexpr std::uint64_t ones = 0x0101010101010101ull;
constexpr std::uint64_t highs = 0x8080808080808080ull;
constexpr std::uint64_t zero_bytes(std::uint64_t x) { return (x - ones) & ~x & highs; }
constexpr std::uint64_t bytes_below(std::uint64_t x, std::uint64_t n) { return (x - ones * n) & ~x & highs; }

// p is just after an opening quote. Returns the position of the closing quote, or nullptr.
const char* scan_string_body(const char* p, const char* end, bool& has_escapes) {
  for (;;) {
    if constexpr (std::endian::native == std::endian::little) {
      while (end - p >= 8) {
        std::uint64_t x;
        std::memcpy(&x, p, 8);
        std::uint64_t special =
            bytes_below(x, 0x20) | zero_bytes(x ^ (ones * '"')) | zero_bytes(x ^ (ones * '\\')) | (x & highs);
        if (special == 0) {
          p += 8;
          continue;
        }
        p += std::countr_zero(special) / 8;
        break;
      }
    }
    if (p == end) return nullptr;
    Byte c = Byte(*p);
    if (c == '"') return p;
    if (c == '\\') {
      has_escapes = true;
      p = scan_escape(p + 1, end);
    } else if (c < 0x20) {
      return nullptr;  // control characters must be escaped
    } else if (c < 0x80) {
      ++p;
    } else {
      // Strings must be well-formed UTF-8, as nlohmann's lexer requires.
      std::size_t len = core::utf8_sequence_length(p, end);
      if (len == 0) return nullptr;
      p += len;
    }
    if (p == nullptr) return nullptr;
  }
}

// The smallest value that strtod rounds to infinity, 2^1024 - 2^970 (halfway between DBL_MAX
// and 2^1024; the tie rounds to even, which is infinity), written out: 309 digits.
constexpr std::string_view overflow_threshold =
    "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692"
    "887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842"
    "914819860834936475292719074168444365510704342711559699508093042880177904174497792";

// nlohmann parses numbers with strtoull/strtoll, falling back to strtod, and refuses a result
// that is not finite. This decides the same thing from the digits: is |value| below the
// threshold above? int_part is "0" or starts with 1-9; frac may be empty; exp is saturated.
bool fits_in_double(std::string_view int_part, std::string_view frac, std::int64_t exp) {
  // The decimal exponent of the first significant digit, and where the significant digits start.
  std::int64_t lead;
  std::string_view first_digits;  // the significant digits in the integer part, or in the fraction
  bool from_fraction = false;
  if (int_part[0] != '0') {
    lead = std::int64_t(int_part.size()) - 1;
    first_digits = int_part;
  } else {
    auto nz = frac.find_first_not_of('0');
    if (nz == std::string_view::npos) return true;  // zero
    lead = -std::int64_t(nz) - 1;
    first_digits = frac.substr(nz);
    from_fraction = true;
  }
  std::int64_t magnitude = lead + exp;  // 10^magnitude <= |value| < 10^(magnitude + 1)
  if (magnitude < 308) return true;
  if (magnitude > 308) return false;
  // Same magnitude as the threshold: compare digit by digit.
  std::size_t i = 0;
  auto compare = [&](std::string_view digits) -> int {
    for (char d : digits) {
      if (i == overflow_threshold.size()) {
        if (d != '0') return 1;  // equal so far and more beyond: above
        continue;
      }
      char t = overflow_threshold[i++];
      if (d != t) return d < t ? -1 : 1;
    }
    return 0;
  };
  int c = compare(first_digits);
  if (c == 0 && !from_fraction) c = compare(frac);
  if (c != 0) return c < 0;
  // All digits given equal the threshold's prefix: below it iff a non-zero threshold digit remains.
  return overflow_threshold.find_first_not_of('0', i) != std::string_view::npos;
}

// p is at '-' or a digit. Returns the position after the number, or nullptr.
const char* scan_number(const char* p, const char* end) {
  if (*p == '-') ++p;
  if (p == end || !is_digit(*p)) return nullptr;
  const char* int_begin = p;
  if (*p == '0') {
    ++p;
  } else {
    while (p != end && is_digit(*p)) ++p;
  }
  std::string_view int_part(int_begin, std::size_t(p - int_begin));
  std::string_view frac;
  if (p != end && *p == '.') {
    const char* frac_begin = ++p;
    while (p != end && is_digit(*p)) ++p;
    if (p == frac_begin) return nullptr;
    frac = std::string_view(frac_begin, std::size_t(p - frac_begin));
  }
  std::int64_t exp = 0;
  bool has_exp = false;
  if (p != end && (*p == 'e' || *p == 'E')) {
    has_exp = true;
    ++p;
    bool negative = false;
    if (p != end && (*p == '+' || *p == '-')) negative = *p++ == '-';
    const char* exp_begin = p;
    for (; p != end && is_digit(*p); ++p)
      if (exp < 1'000'000'000) exp = exp * 10 + (*p - '0');  // saturate: far beyond any double
    if (p == exp_begin) return nullptr;
    if (negative) exp = -exp;
  }
  // Fast path: an integer or plain fraction under 10^308 is always finite.
  if ((has_exp || int_part.size() > 308) && !fits_in_double(int_part, frac, exp)) return nullptr;
  return p;
}

const char* scan_literal(const char* p, const char* end, std::string_view literal) {
  if (std::size_t(end - p) < literal.size() || std::memcmp(p, literal.data(), literal.size()) != 0) return nullptr;
  return p + literal.size();
}

// Calls emit(piece) for consecutive pieces of the decoded string; stops early when emit
// returns false. raw must have been validated by scan_string_body.
template <class Emit>
bool for_each_decoded_piece(std::string_view raw, Emit&& emit) {
  std::size_t i = 0;
  while (i < raw.size()) {
    std::size_t bs = raw.find('\\', i);
    if (bs == std::string_view::npos) return emit(raw.substr(i));
    if (bs > i && !emit(raw.substr(i, bs - i))) return false;
    char buf[4];
    int n = 0;
    char e = raw[bs + 1];
    i = bs + 2;
    switch (e) {
      case 'b': buf[n++] = '\b'; break;
      case 'f': buf[n++] = '\f'; break;
      case 'n': buf[n++] = '\n'; break;
      case 'r': buf[n++] = '\r'; break;
      case 't': buf[n++] = '\t'; break;
      case 'u': {
        auto unit = std::uint32_t(hex4(raw.data() + i, raw.data() + raw.size()));
        i += 4;
        if (is_high_surrogate(int(unit))) {
          auto low = std::uint32_t(hex4(raw.data() + i + 2, raw.data() + raw.size()));
          i += 6;
          unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
        }
        n += static_cast<int>(core::encode_utf8(unit, buf + n));
        break;
      }
      default: buf[n++] = e; break;  // " \ /
    }
    if (!emit(std::string_view(buf, std::size_t(n)))) return false;
  }
  return true;
}

}  // namespace

Verdict scan(std::string_view text, std::span<const std::string_view> wanted, std::span<Value> found) {
  const char* p = text.data();
  const char* const end = p + text.size();
  // nlohmann skips a UTF-8 byte order mark at the very start.
  if (text.starts_with("\xEF\xBB\xBF")) p += 3;

  // Container kinds by level (bit d: level d + 1 is an object). Iterative, so the depth cap
  // bounds this fixed-size stack, not the call stack.
  std::bitset<max_depth> is_object;
  int depth = 0;
  bool top_is_object = false;
  int member = -1;                     // index into wanted of the top-level member whose value comes next, or -1
  const char* member_value = nullptr;  // where the current top-level member's value starts
  auto record = [&](Kind kind, std::string_view raw, bool has_escapes = false) {
    if (depth == 1 && member >= 0) found[std::size_t(member)] = Value{kind, has_escapes, raw};
  };

  enum class Next { value, key, after_value };
  Next next = Next::value;
  for (;;) {
    switch (next) {
      case Next::value: {
        p = skip_ws(p, end);
        if (p == end) return Verdict::invalid;
        const char* start = p;
        if (depth == 1) member_value = start;
        switch (*p) {
          case '{':
          case '[': {
            if (depth == max_depth) return Verdict::too_deep;
            bool object = *p == '{';
            if (depth == 0) top_is_object = object;
            is_object[std::size_t(depth)] = object;
            ++depth;
            p = skip_ws(p + 1, end);
            if (p != end && *p == (object ? '}' : ']')) {
              next = Next::after_value;  // empty: after_value sees the closing bracket
            } else {
              next = object ? Next::key : Next::value;
            }
            continue;
          }
          case '"': {
            bool has_escapes = false;
            const char* close = scan_string_body(p + 1, end, has_escapes);
            if (close == nullptr) return Verdict::invalid;
            record(Kind::string, std::string_view(p + 1, std::size_t(close - p - 1)), has_escapes);
            p = close + 1;
            break;
          }
          case 't':
            if ((p = scan_literal(p, end, "true")) == nullptr) return Verdict::invalid;
            record(Kind::true_value, std::string_view(start, std::size_t(p - start)));
            break;
          case 'f':
            if ((p = scan_literal(p, end, "false")) == nullptr) return Verdict::invalid;
            record(Kind::false_value, std::string_view(start, std::size_t(p - start)));
            break;
          case 'n':
            if ((p = scan_literal(p, end, "null")) == nullptr) return Verdict::invalid;
            record(Kind::null, std::string_view(start, std::size_t(p - start)));
            break;
          default:
            if (*p != '-' && !is_digit(*p)) return Verdict::invalid;
            if ((p = scan_number(p, end)) == nullptr) return Verdict::invalid;
            record(Kind::number, std::string_view(start, std::size_t(p - start)));
            break;
        }
        next = Next::after_value;
        continue;
      }

      case Next::key: {
        p = skip_ws(p, end);
        if (p == end || *p != '"') return Verdict::invalid;
        bool has_escapes = false;
        const char* close = scan_string_body(p + 1, end, has_escapes);
        if (close == nullptr) return Verdict::invalid;
        if (depth == 1) {
          Value key{Kind::string, has_escapes, std::string_view(p + 1, std::size_t(close - p - 1))};
          member = -1;
          for (std::size_t i = 0; i < wanted.size(); ++i) {
            if (decoded_equals(key, wanted[i])) {
              member = int(i);
              break;
            }
          }
        }
        p = skip_ws(close + 1, end);
        if (p == end || *p != ':') return Verdict::invalid;
        ++p;
        next = Next::value;
        continue;
      }

      case Next::after_value: {
        p = skip_ws(p, end);
        if (depth == 0) {
          if (p != end) return Verdict::invalid;  // trailing garbage (a NUL byte included)
          return top_is_object ? Verdict::object : Verdict::not_object;
        }
        if (p == end) return Verdict::invalid;
        bool object = is_object[std::size_t(depth - 1)];
        if (*p == ',') {
          ++p;
          next = object ? Next::key : Next::value;
          continue;
        }
        if (*p != (object ? '}' : ']')) return Verdict::invalid;
        ++p;
        --depth;
        // A container that was a top-level member's value just closed.
        record(object ? Kind::object : Kind::array, std::string_view(member_value, std::size_t(p - member_value)));
        continue;
      }
    }
  }
}

std::string decode(const Value& string_value) {
  if (!string_value.has_escapes) return std::string(string_value.raw);
  std::string out;
  out.reserve(string_value.raw.size());
  for_each_decoded_piece(string_value.raw, [&](std::string_view piece) {
    out += piece;
    return true;
  });
  return out;
}

bool decoded_equals(const Value& string_value, std::string_view s) {
  if (!string_value.has_escapes) return string_value.raw == s;
  std::size_t at = 0;
  bool same = for_each_decoded_piece(string_value.raw, [&](std::string_view piece) {
    if (s.substr(at, piece.size()) != piece) return false;
    at += piece.size();
    return true;
  });
  return same && at == s.size();
}

}  // namespace swirl::json
