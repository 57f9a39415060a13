#pragma once
// The abuse limits in one place (issue 17; every limit and its default: docs/security.md):
// who the client is (ClientAddress), per-address token buckets and WebSocket counts
// (RateLimiter), the global WebSocket cap, and the WebSocket Origin policy. Built from the
// Config; the HTTP server asks admit_request() for every request, the API handlers take()
// creation tokens, and the lobby upgrade calls admit_websocket() once.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "swirl/core/config.hpp"
#include "swirl/http/client_address.hpp"
#include "swirl/http/origin_policy.hpp"
#include "swirl/http/rate_limiter.hpp"
#include "swirl/http/types.hpp"

namespace swirl::http {

class AbuseGuard {
 public:
  explicit AbuseGuard(const core::Config& config);

  std::string client_address(const std::string& peer, const Request& req) const { return clients_.resolve(peer, req); }

  // Every request: sets `client` to the request's client address and answers a 429 when that
  // address is past its HTTP request rate.
  std::optional<Response> admit_request(const Request& req, const std::string& peer, std::string& client);

  // One creation by `client`; throws RetryLater 429 rate_limited past the limit.
  void take(LimitKind kind, const std::string& client);

  // A WebSocket upgrade: throws ApiError 403 origin_not_allowed, RetryLater 429
  // too_many_connections (this address) or 503 server_full (all addresses). Otherwise returns
  // what counts the connection: keep it as long as the connection lives.
  std::shared_ptr<void> admit_websocket(const Request& req, const std::string& client);

  struct Stats {
    std::uint64_t limited[kLimitKinds] = {};
    std::uint64_t ws_per_address = 0, ws_total = 0, origin = 0;
    std::uint64_t evicted = 0;
    std::size_t tracked = 0;
    std::size_t websockets = 0;
  };
  Stats stats() const;
  RateLimiter& limiter() { return *limiter_; }

 private:
  ClientAddress clients_;
  OriginPolicy origins_;
  std::shared_ptr<RateLimiter> limiter_;
  unsigned ws_max_total_;
  // Shared with the connection slots, which may outlive the guard.
  std::shared_ptr<std::atomic<std::size_t>> websockets_;
  std::atomic<std::uint64_t> ws_total_refused_{0}, origin_refused_{0};
};

}  // namespace swirl::http
