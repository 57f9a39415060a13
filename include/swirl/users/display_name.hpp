#pragma once
// Display-name rules: trimmed, 1-40 Unicode characters (code points), valid UTF-8, no control
// characters (UTF-8 as core/utf8.hpp reads it). One function so the HTTP API and the WebSocket
// layer apply the same rules.

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

}  // namespace swirl::users
