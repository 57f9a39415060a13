#pragma once
// Bearer tokens: random bytes from the OS CSPRNG (core/random.hpp), base64url without padding.
// Only the SHA-256 of a token is stored; comparisons are constant time.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace swirl::auth {

constexpr std::size_t kTokenBytes = 32;  // 256 bits

std::string new_token();
std::string sha256_hex(std::string_view data);
bool constant_time_equal(std::string_view a, std::string_view b);

// True for strings that could be a token we issued (right length and alphabet): anything else
// is rejected before touching the database.
bool looks_like_token(std::string_view token);

// Extracts the token from "Authorization: Bearer TOKEN"; nullopt when absent or malformed.
std::optional<std::string> bearer_token(std::string_view authorization_header);

}  // namespace swirl::auth
