#pragma once
// The turn-rest provider: configured STUN URLs, plus the configured TURN URLs with credentials
// made for each user on the spot (turn_credentials.hpp). Also serves "STUN only" when no TURN
// URL is configured. Cheap enough to run on the lobby's strand.

#include <atomic>
#include <utility>

#include "swirl/ice/ice_provider.hpp"

namespace swirl::ice {

class TurnRestProvider : public IceProvider {
 public:
  explicit TurnRestProvider(IceConfig config) : config_(std::move(config)) {}
  IceGrant grant(const std::string& user_id, std::int64_t now_ms) override;

 private:
  IceConfig config_;
  std::atomic<std::uint64_t> generation_{0};
};

}  // namespace swirl::ice
