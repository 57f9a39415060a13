#pragma once
// Message digests (SHA-1 for the WebSocket accept key, SHA-256 for token hashes), in one place.
//
// Written out here (FIPS 180-4) rather than taken from OpenSSL: every connection hashes a few
// dozen bytes twice, and OpenSSL 3's EVP layer allocated and freed a context and a provider
// context around each, which cost more than the hashing itself. Checked against the FIPS
// examples and against OpenSSL on random input (tests/test_validation.cpp).

#include <array>
#include <cstddef>
#include <string_view>

namespace swirl::core {

enum class DigestKind { sha1, sha256 };

// Large enough for either digest.
using DigestBytes = std::array<unsigned char, 32>;

// The digest of `data` into `out`; returns its length (20 for SHA-1, 32 for SHA-256).
std::size_t digest(DigestKind kind, std::string_view data, DigestBytes& out) noexcept;

}  // namespace swirl::core
