#include "swirl/ice/turn_rest_provider.hpp"

#include <cmath>

#include "swirl/ice/turn_credentials.hpp"

namespace swirl::ice {

IceGrant TurnRestProvider::grant(const std::string& user_id, std::int64_t now_ms) {
  IceGrant g;
  if (!config_.stun_urls.empty()) g.servers.push_back({config_.stun_urls, {}, {}});
  if (config_.turn_urls.empty()) return g;  // STUN only: nothing expires, generation 0 forever
  auto ttl_s = static_cast<std::int64_t>(config_.turn_ttl.count());
  auto cred = make_turn_credential(config_.turn_secret, user_id, now_ms / 1000, ttl_s);
  g.servers.push_back({config_.turn_urls, cred.username, cred.credential});
  g.expires_at_ms = cred.expires_at_s * 1000;
  // Renewal is due when 20 % of the lifetime is left, counted from the expiry in the username
  // (whole seconds, so up to 1 s sooner than now + ttl).
  g.refresh_at_ms = *g.expires_at_ms - std::llround(static_cast<double>(ttl_s) * 1000 * (1.0 - kRefreshFraction));
  g.generation = ++generation_;
  return g;
}

}  // namespace swirl::ice
