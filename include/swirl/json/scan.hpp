#pragma once
// A one-pass JSON validator for client messages: it checks a whole text frame against RFC 8259
// and reports where the top-level members we route on are, without building a DOM. Relaying a
// signal is the server's hot path; this lets the relay copy `data` verbatim instead of parsing
// it into nlohmann::json and dumping it again.
//
// Verdicts match nlohmann::json::parse (3.11, no comments) byte for byte, with two deliberate
// differences: nesting deeper than max_depth is refused (nlohmann has no limit), and a NUL byte
// after the value is trailing garbage (nlohmann treats it as the end of the input).
// Like nlohmann, strings must be well-formed UTF-8 (RFC 3629: no overlongs, no surrogates,
// nothing above U+10FFFF) and \u escapes must pair surrogates; any other byte >= 0x80 outside a
// string is an error. Numbers follow the RFC grammar and, as in nlohmann, a number too large
// for a double (it would parse to infinity) is an error.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace swirl::json {

// Arrays and objects nested deeper than this (the outermost value is level 1) are refused.
constexpr int max_depth = 128;

enum class Kind : std::uint8_t { absent, object, array, string, number, true_value, false_value, null };

// One top-level member's value. For a string, `raw` is the text between the quotes, escapes
// not decoded; otherwise it is the value's complete text (for an object, `{` to `}`).
struct Value {
  Kind kind = Kind::absent;
  bool has_escapes = false;  // strings only: `raw` holds at least one backslash escape
  std::string_view raw;
};

enum class Verdict : std::uint8_t {
  object,      // valid JSON whose top-level value is an object
  not_object,  // valid JSON, but an array or a scalar
  invalid,     // not JSON
  too_deep,    // nesting deeper than max_depth (the rest of the text was not examined)
};

// Validates `text`. When it is an object, found[i] is set to the value of the member named
// wanted[i] (names compared after decoding escapes); a name given twice keeps its last value,
// as nlohmann::json does. found must be at least as long as wanted; entries of members that
// are not there are left untouched (pass default Values). Never allocates.
Verdict scan(std::string_view text, std::span<const std::string_view> wanted, std::span<Value> found);

// The decoded contents of a string Value (raw must come from scan()).
std::string decode(const Value& string_value);
// decode(string_value) == s, without allocating.
bool decoded_equals(const Value& string_value, std::string_view s);

}  // namespace swirl::json
