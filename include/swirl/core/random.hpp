#pragma once
// Random identifiers: bytes from OpenSSL's CSPRNG (taken a buffer at a time per thread),
// written as base64url without padding. Used for user, lobby and match ids and, through
// auth/tokens.hpp, for bearer tokens.

#include <cstddef>
#include <string>

namespace swirl::core {

std::string random_base64url(std::size_t bytes);
std::string new_id(std::size_t bytes = 12);  // 96 bits -> 16 characters

}  // namespace swirl::core
