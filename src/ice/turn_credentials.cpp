#include "swirl/ice/turn_credentials.hpp"

#include <stdexcept>

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace swirl::ice {

std::string hmac_sha1_base64(std::string_view key, std::string_view data) {
  // Fetched once: EVP_sha1() makes OpenSSL 3 look the algorithm up again on every call.
  static EVP_MD* const sha1 = EVP_MD_fetch(nullptr, "SHA1", nullptr);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!sha1 || !HMAC(sha1, key.data(), static_cast<int>(key.size()),
                     reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &len))
    throw std::runtime_error("HMAC-SHA1 is not available");
  unsigned char out[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
  int n = EVP_EncodeBlock(out, mac, static_cast<int>(len));
  return std::string(reinterpret_cast<char*>(out), static_cast<std::size_t>(n));
}

TurnCredential make_turn_credential(std::string_view secret, std::string_view user_id, std::int64_t now_s,
                                    std::int64_t ttl_s) {
  TurnCredential c;
  c.expires_at_s = now_s + ttl_s;
  c.username = std::to_string(c.expires_at_s) + ":" + std::string(user_id);
  c.credential = hmac_sha1_base64(secret, c.username);
  return c;
}

}  // namespace swirl::ice
