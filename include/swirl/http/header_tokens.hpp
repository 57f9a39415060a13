#pragma once
// Comma-separated header values (RFC 9110 section 5.6.1, `#element` lists), read in one place:
// Connection, Upgrade and Sec-WebSocket-Protocol. Elements are trimmed of optional whitespace
// (spaces and tabs); empty elements are skipped.

#include <optional>
#include <string_view>

namespace swirl::http {

// `s` without leading and trailing spaces and tabs.
std::string_view trim_ows(std::string_view s);

// The first element of the list `value` for which pred(element) is true, if any.
template <typename Pred>
std::optional<std::string_view> find_list_element(std::string_view value, Pred&& pred) {
  while (true) {
    auto comma = value.find(',');
    std::string_view element = trim_ows(value.substr(0, comma));
    if (!element.empty() && pred(element)) return element;
    if (comma == std::string_view::npos) return std::nullopt;
    value.remove_prefix(comma + 1);
  }
}

// True if the list `value` holds `token`, compared case-insensitively (ASCII).
bool has_list_token(std::string_view value, std::string_view token);

}  // namespace swirl::http
