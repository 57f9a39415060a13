#include "swirl/auth/tokens.hpp"

#include <openssl/crypto.h>

#include <cctype>
#include <stdexcept>

#include "swirl/core/digest.hpp"
#include "swirl/core/random.hpp"

namespace swirl::auth {

std::string new_token() { return core::random_base64url(kTokenBytes); }

std::string sha256_hex(std::string_view data) {
  core::DigestBytes digest;
  std::size_t len = core::digest(core::DigestKind::sha256, data, digest);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(len * 2, '\0');
  for (std::size_t i = 0; i < len; ++i) {
    out[2 * i] = hex[digest[i] >> 4];
    out[2 * i + 1] = hex[digest[i] & 15];
  }
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool looks_like_token(std::string_view token) {
  if (token.size() != (kTokenBytes * 4 + 2) / 3) return false;
  for (char c : token) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

std::optional<std::string> bearer_token(std::string_view header) {
  constexpr std::string_view prefix = "Bearer ";
  if (header.size() <= prefix.size()) return std::nullopt;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(header[i])) != std::tolower(static_cast<unsigned char>(prefix[i])))
      return std::nullopt;
  std::string_view token = header.substr(prefix.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.empty()) return std::nullopt;
  return std::string(token);
}

}  // namespace swirl::auth
