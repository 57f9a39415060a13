#pragma once
// Web origins as text (RFC 6454 serialization): scheme://host[:port], compared after
// normalization. Used by the WebSocket Origin policy (http/origin_policy.hpp) and to validate
// --allowed-origins.

#include <optional>
#include <string>
#include <string_view>

namespace swirl::core {

// "HTTPS://Example.org/" -> "https://example.org"; nullopt when not scheme://host[:port]
// (a path, query, fragment or credentials, "null", or no scheme).
std::optional<std::string> normalize_origin(std::string_view origin);

}  // namespace swirl::core
