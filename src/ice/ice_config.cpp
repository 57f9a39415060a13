#include "swirl/ice/ice_config.hpp"

#include <cctype>
#include <fstream>
#include <stdexcept>

namespace swirl::ice {
namespace {

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

void check_urls(const std::vector<std::string>& urls, const char* flag, const char* a, const char* b) {
  for (const auto& url : urls) {
    bool ok = (starts_with(url, a) || starts_with(url, b)) && url.size() > std::string(b).size();
    if (!ok) throw std::invalid_argument(std::string(flag) + ": '" + url + "' is not a " + a + " or " + b + " URL");
  }
}

}  // namespace

void validate(const IceConfig& c, std::chrono::milliseconds heartbeat_period) {
  check_urls(c.stun_urls, "--stun-urls", "stun:", "stuns:");
  check_urls(c.turn_urls, "--turn-urls", "turn:", "turns:");
  if (c.turn_ttl.count() < 1 || c.turn_ttl.count() > kMaxTurnTtlSeconds)
    throw std::invalid_argument("--turn-ttl-s: " + std::to_string(c.turn_ttl.count()) + " is out of range [1, " +
                                std::to_string(kMaxTurnTtlSeconds) + "]");
  if (c.provider == ProviderKind::turn_rest) {
    if (!c.turn_urls.empty() && c.turn_secret.empty())
      throw std::invalid_argument(
          "--turn-urls needs --turn-secret or --turn-secret-file (the TURN server's static-auth-secret)");
    if (c.turn_urls.empty() && !c.turn_secret.empty())
      throw std::invalid_argument("--turn-secret is set but --turn-urls is empty: say where the TURN server is");
  } else {
    if (c.cloudflare_key_id.empty()) throw std::invalid_argument("--ice-provider=cloudflare needs --cloudflare-key-id");
    for (char ch : c.cloudflare_key_id)
      if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_')
        throw std::invalid_argument("--cloudflare-key-id: letters, digits, '-' and '_' only");
    if (c.cloudflare_api_token.empty())
      throw std::invalid_argument(
          "--ice-provider=cloudflare needs --cloudflare-api-token or --cloudflare-api-token-file");
    if (!c.turn_urls.empty() || !c.turn_secret.empty())
      throw std::invalid_argument(
          "--turn-urls/--turn-secret belong to --ice-provider=turn-rest; Cloudflare supplies its own TURN URLs");
    if (!starts_with(c.cloudflare_api_url, "https://") && !starts_with(c.cloudflare_api_url, "http://"))
      throw std::invalid_argument("--cloudflare-api-url: expected an http:// or https:// URL");
  }
  // The lobby replaces credentials on its heartbeat once kRefreshFraction of their lifetime has
  // passed; the rest of the lifetime must cover a few heartbeats or they would expire first.
  if (c.has_turn()) {
    auto margin = std::chrono::duration_cast<std::chrono::milliseconds>(c.turn_ttl) * (1.0 - kRefreshFraction);
    if (margin < 2 * heartbeat_period)
      throw std::invalid_argument("--turn-ttl-s: " + std::to_string(c.turn_ttl.count()) +
                                  " s is too short to refresh in time; it must be at least 2.5 x --ws-idle-timeout-ms");
  }
}

std::string read_secret_file(const std::string& flag, const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument(flag + ": cannot read '" + path + "'");
  std::string line;
  std::getline(in, line);
  line.erase(0, line.find_first_not_of(" \t\r\n"));
  auto end = line.find_last_not_of(" \t\r\n");
  line.erase(end == std::string::npos ? 0 : end + 1);
  if (line.empty()) throw std::invalid_argument(flag + ": '" + path + "' is empty");
  return line;
}

std::vector<std::string> startup_warnings(const IceConfig& c) {
  std::vector<std::string> out;
  if (!c.has_turn())
    out.push_back(
        "no TURN server configured (--turn-urls with --turn-secret, or --ice-provider=cloudflare): STUN only, so "
        "users behind symmetric NAT or strict firewalls cannot connect their calls");
  if (!c.has_turn() && c.stun_urls.empty())
    out.push_back(
        "no STUN server either (--stun-urls): clients offer only their local addresses, so calls connect only "
        "between machines that reach each other directly (same host or LAN)");
  return out;
}

std::string describe(const IceConfig& c) {
  std::string s = "ice: " + std::to_string(c.stun_urls.size()) + " STUN URL(s); ";
  if (c.provider == ProviderKind::cloudflare)
    s += "TURN from Cloudflare (key " + c.cloudflare_key_id + ", " + c.cloudflare_api_url + ")";
  else if (!c.turn_urls.empty())
    s += "TURN REST credentials for " + std::to_string(c.turn_urls.size()) + " TURN URL(s)";
  else
    return s + "no TURN";
  return s + ", valid " + std::to_string(c.turn_ttl.count()) + " s";
}

}  // namespace swirl::ice
