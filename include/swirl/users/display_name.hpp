#pragma once
// Display-name rules: trimmed, 1-40 Unicode characters (code points), valid UTF-8, no control
// characters. One function so the HTTP API and the WebSocket layer apply the same rules.

#include <string>
#include <string_view>
#include <variant>

namespace swirl::users {

constexpr std::size_t kMaxDisplayNameChars = 40;

struct NameError {
  std::string message;
};

// The normalized (trimmed) name, or why the input is not acceptable.
std::variant<std::string, NameError> validate_display_name(std::string_view input);

// Decodes UTF-8 strictly (no overlongs, no surrogates, nothing above U+10FFFF). Returns false
// on invalid input; otherwise fills the code points.
bool decode_utf8(std::string_view s, std::u32string& out);

}  // namespace swirl::users
