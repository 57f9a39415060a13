#pragma once
// A blocking client for Cloudflare Realtime's TURN credential API:
//   POST {api_url}/turn/keys/{key_id}/credentials/generate-ice-servers
//   Authorization: Bearer {api_token}          body {"ttl": N}
// answered with 201 and {"iceServers":[{"urls":[...]}, {"urls":[...],"username":..,"credential":..}]}.
// Runs on the blocking pool only (it waits on the network). https goes through OpenSSL with
// the system's CA bundle and host name verification; http is for a local stand-in in tests.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "swirl/ice/ice_provider.hpp"

namespace swirl::ice {

// The whole request (connect, TLS, write, read) must finish within this.
constexpr std::chrono::milliseconds kCloudflareTimeout{5'000};
// Largest answer accepted (a real one is well under 2 KiB).
constexpr std::size_t kCloudflareMaxAnswerBytes = 64 * 1024;

struct CloudflareRequest {
  std::string api_url;  // e.g. https://rtc.live.cloudflare.com/v1
  std::string key_id;
  std::string api_token;
  std::int64_t ttl_s = 3600;
  std::chrono::milliseconds timeout = kCloudflareTimeout;
};

// Parses the answer's body; throws std::runtime_error when it is not the expected shape.
std::vector<IceServer> parse_cloudflare_answer(std::string_view body);

// Blocking. Throws std::runtime_error on any failure; the message never holds the token.
std::vector<IceServer> fetch_cloudflare_ice_servers(const CloudflareRequest& request);

}  // namespace swirl::ice
