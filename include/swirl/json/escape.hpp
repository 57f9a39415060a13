#pragma once
// The one JSON string escaper. Every string the server writes into JSON by hand (JsonOut, the
// relayed signal frame) goes through it, and it writes exactly what
// nlohmann::json::dump(-1, ' ', false, error_handler_t::replace) writes for the same string:
//   * " and \ are escaped, \b \f \n \r \t get their short escapes, other bytes below 0x20 get
//     \u00xx (lower-case hex); DEL and everything from U+0080 up are copied as they are;
//   * bytes that are not well-formed UTF-8 (core/utf8.hpp) never reach the output: each
//     maximal invalid subpart (a lead byte and the continuation bytes that still fit it, or
//     one stray byte) becomes one U+FFFD, so the result is always valid JSON and valid UTF-8.
// docs/protocol.md ("Text encoding") states the same rule for clients.

#include <cstddef>
#include <string>
#include <string_view>

namespace swirl::json {

// Appends `s` as a JSON string literal, quotes included.
void append_quoted(std::string& out, std::string_view s);

// The exact number of bytes append_quoted(out, s) appends.
std::size_t quoted_size(std::string_view s);

}  // namespace swirl::json
