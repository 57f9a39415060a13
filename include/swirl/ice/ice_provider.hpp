#pragma once
// Where a member's ICE servers come from. A provider answers at once, on any thread, and never
// fails a join: slow or failing sources (Cloudflare's API) are fetched in the background and a
// provider without TURN credentials answers with STUN only.
//
//   turn-rest:  STUN URLs plus TURN URLs with credentials made here for each user (HMAC).
//   cloudflare: STUN URLs plus the servers Cloudflare's API hands out, fetched once per
//               lifetime window on the blocking pool and shared by everyone.

#include <cstdint>
#include <exception>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "swirl/ice/ice_config.hpp"

namespace swirl::ice {

// One RTCIceServer as the browser takes it.
struct IceServer {
  std::vector<std::string> urls;
  std::string username;    // empty for STUN
  std::string credential;  // empty for STUN
};

// What one member is given.
struct IceGrant {
  std::vector<IceServer> servers;
  std::optional<std::int64_t> expires_at_ms;  // when the TURN credentials stop working; none for STUN only
  // When the holder should ask again (Unix ms); max() = never.
  std::int64_t refresh_at_ms = std::numeric_limits<std::int64_t>::max();
  // Grants with the same generation hold the same servers: asking again and getting the same
  // generation means there is nothing new to send yet.
  std::uint64_t generation = 0;
};

class IceProvider {
 public:
  virtual ~IceProvider() = default;
  // The servers for `user_id` now. Thread-safe, never blocks, never throws.
  virtual IceGrant grant(const std::string& user_id, std::int64_t now_ms) = 0;
  // Starts background work (a first fetch). Called once the blocking pool runs.
  virtual void start() {}
};

// Runs `job` on the blocking pool; `rejected` is called instead if the pool refuses it (full).
using BlockingRunner = std::function<void(std::function<void()> job, std::function<void()> rejected)>;

// The provider the configuration asks for (validate() has accepted it).
std::shared_ptr<IceProvider> make_provider(const IceConfig& config, BlockingRunner run_blocking);

}  // namespace swirl::ice
