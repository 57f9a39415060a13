#pragma once
// How the server hands ICE servers (STUN, TURN) to clients: the part of Config that the
// --stun-urls, --turn-*, --ice-provider and --cloudflare-* flags fill (README, docs/operations.md).
// The TURN secret and the Cloudflare API token live here and nowhere else: they are never
// logged, printed by --help, or sent to a client.

#include <chrono>
#include <string>
#include <vector>

namespace swirl::ice {

enum class ProviderKind {
  turn_rest,   // our own TURN server (coturn use-auth-secret): credentials made here per user
  cloudflare,  // Cloudflare Realtime TURN: credentials fetched from its API, shared by all
};

struct IceConfig {
  std::vector<std::string> stun_urls;   // stun:/stuns: URLs; none by default (see docs/operations.md)
  std::vector<std::string> turn_urls;   // turn:/turns: URLs of a TURN REST (use-auth-secret) server
  std::string turn_secret;              // coturn's static-auth-secret
  std::chrono::seconds turn_ttl{3600};  // lifetime of the credentials handed out
  ProviderKind provider = ProviderKind::turn_rest;
  std::string cloudflare_key_id;
  std::string cloudflare_api_token;
  std::string cloudflare_api_url = "https://rtc.live.cloudflare.com/v1";

  bool has_turn() const { return provider == ProviderKind::cloudflare || !turn_urls.empty(); }
};

// Longest credential lifetime accepted (two days).
constexpr long long kMaxTurnTtlSeconds = 172'800;
// Credentials are replaced once this fraction of their lifetime has passed; the lobby checks
// on its heartbeat, so the lifetime must be several heartbeats long (validate() checks it).
constexpr double kRefreshFraction = 0.8;

// Throws std::invalid_argument with a message naming the flag when the combination cannot
// work (TURN URLs without a secret, a secret without URLs, Cloudflare without key or token, a
// lifetime too short for the lobby heartbeat that refreshes it, a malformed URL).
void validate(const IceConfig& config, std::chrono::milliseconds heartbeat_period);

// Reads a secret from a file (first line, surrounding whitespace trimmed). Throws
// std::invalid_argument naming `flag` (never the content) when unreadable or empty.
std::string read_secret_file(const std::string& flag, const std::string& path);

// What start-up should warn about (no TURN: who cannot connect; no STUN either).
std::vector<std::string> startup_warnings(const IceConfig& config);

// One line for the start-up log: which provider, how many URLs, the lifetime. No secrets.
std::string describe(const IceConfig& config);

}  // namespace swirl::ice
