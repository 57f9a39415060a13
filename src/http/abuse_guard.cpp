#include "swirl/http/abuse_guard.hpp"

#include <fmt/format.h>

namespace swirl::http {

namespace {

// Past the global WebSocket cap nobody in particular is at fault: come back in a moment.
constexpr std::chrono::seconds kServerFullRetry{5};
// Past the per-address cap: when one of that address's connections closes is unknowable; a
// reconnecting client should not come back faster than this.
constexpr std::chrono::seconds kConnectionRetry{5};

RateLimits limits_from(const core::Config& c) {
  RateLimits l;
  l.buckets[static_cast<std::size_t>(LimitKind::http_request)] = {double(c.rate_http_per_second),
                                                                  double(c.rate_http_burst)};
  l.buckets[static_cast<std::size_t>(LimitKind::user_creation)] = {c.rate_users_per_minute / 60.0,
                                                                   double(c.rate_users_per_minute)};
  l.buckets[static_cast<std::size_t>(LimitKind::lobby_creation)] = {c.rate_lobbies_per_minute / 60.0,
                                                                    double(c.rate_lobbies_per_minute)};
  l.ws_per_address = c.ws_max_per_address;
  l.max_addresses = c.rate_limit_max_addresses;
  return l;
}

std::string what(LimitKind kind) {
  switch (kind) {
    case LimitKind::http_request: return "requests";
    case LimitKind::user_creation: return "user creations";
    case LimitKind::lobby_creation: return "lobby creations";
  }
  return "requests";
}

// What a connection holds while it is open: its address's slot and its place in the total.
struct WsAdmission {
  std::unique_ptr<RateLimiter::WsSlot> slot;
  std::shared_ptr<std::atomic<std::size_t>> total;
  ~WsAdmission() { --*total; }
};

}  // namespace

AbuseGuard::AbuseGuard(const core::Config& c)
    : clients_(core::AddressAllowlist::parse(c.trusted_proxies), c.client_address_header),
      origins_(c.allowed_origins, c.public_url),
      limiter_(std::make_shared<RateLimiter>(limits_from(c))),
      ws_max_total_(c.ws_max_connections),
      websockets_(std::make_shared<std::atomic<std::size_t>>(0)) {}

std::optional<Response> AbuseGuard::admit_request(const Request& req, const std::string& peer, std::string& client) {
  client = clients_.resolve(peer, req);
  auto wait = limiter_->take(LimitKind::http_request, client);
  if (!wait) return std::nullopt;
  auto res = error_response(req, Status::too_many_requests, "rate_limited",
                            fmt::format("too many requests from your address; try again in {} s", wait->count()));
  res.set(bhttp::field::retry_after, std::to_string(wait->count()));
  return res;
}

void AbuseGuard::take(LimitKind kind, const std::string& client) {
  if (auto wait = limiter_->take(kind, client))
    throw RetryLater(Status::too_many_requests, "rate_limited",
                     fmt::format("too many {} from your address; try again in {} s", what(kind), wait->count()), *wait);
}

std::shared_ptr<void> AbuseGuard::admit_websocket(const Request& req, const std::string& client) {
  if (!origins_.allows(req)) {
    ++origin_refused_;
    throw ApiError(Status::forbidden, "origin_not_allowed",
                   fmt::format("WebSocket connections from the page origin '{}' are not allowed (allowed: {})",
                               std::string(req[bhttp::field::origin]), origins_.describe()));
  }
  auto admission = std::make_shared<WsAdmission>();
  admission->total = websockets_;
  if (++*websockets_ > ws_max_total_ && ws_max_total_ > 0) {
    ++ws_total_refused_;
    throw RetryLater(Status::service_unavailable, "server_full",
                     "the server has as many WebSocket connections as it takes; try again shortly", kServerFullRetry);
  }
  // Without a per-address limit there is nothing to count per address: no slot (and ~50 bytes
  // less per open connection).
  if (limiter_->limits().ws_per_address == 0) return admission;
  admission->slot = limiter_->open_ws(client);
  if (!admission->slot)
    throw RetryLater(Status::too_many_requests, "too_many_connections",
                     fmt::format("your address already has {} WebSocket connections open; close one first",
                                 limiter_->limits().ws_per_address),
                     kConnectionRetry);
  return admission;
}

AbuseGuard::Stats AbuseGuard::stats() const {
  Stats s;
  for (std::size_t i = 0; i < kLimitKinds; ++i) s.limited[i] = limiter_->limited(static_cast<LimitKind>(i));
  s.ws_per_address = limiter_->ws_refused();
  s.ws_total = ws_total_refused_.load();
  s.origin = origin_refused_.load();
  s.evicted = limiter_->evicted();
  s.tracked = limiter_->tracked();
  s.websockets = websockets_->load();
  return s;
}

}  // namespace swirl::http
