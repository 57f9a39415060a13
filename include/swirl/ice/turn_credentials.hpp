#pragma once
// TURN REST credentials, the scheme coturn implements with use-auth-secret/static-auth-secret
// (draft-uberti-behave-turn-rest): username "<expiry>:<user id>", where expiry is Unix
// seconds, and credential = base64(HMAC-SHA1(secret, username)). The TURN server recomputes
// the credential from the username and refuses it after the expiry.

#include <cstdint>
#include <string>
#include <string_view>

namespace swirl::ice {

struct TurnCredential {
  std::string username;
  std::string credential;
  std::int64_t expires_at_s = 0;  // Unix seconds, as in the username
};

// base64(HMAC-SHA1(key, data)); throws std::runtime_error if OpenSSL has no SHA1.
std::string hmac_sha1_base64(std::string_view key, std::string_view data);

// Credentials for `user_id` valid `ttl_s` seconds from `now_s`.
TurnCredential make_turn_credential(std::string_view secret, std::string_view user_id, std::int64_t now_s,
                                    std::int64_t ttl_s);

}  // namespace swirl::ice
