#include "swirl/http/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/network_v6.hpp>

namespace swirl::http {
namespace ip = boost::asio::ip;

namespace {

constexpr std::size_t kExpireBudget = 8;  // expired entries dropped per call, amortising purge()
// Tokens are doubles refilled in steps: a whole token that is 1e-12 short by rounding counts.
constexpr double kEpsilon = 1e-9;

std::chrono::milliseconds longest_refill(const RateLimits& limits) {
  double seconds = 1;
  for (const auto& b : limits.buckets)
    if (b.per_second > 0) seconds = std::max(seconds, b.burst / b.per_second);
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(seconds * 1000)));
}

}  // namespace

const char* to_string(LimitKind k) {
  switch (k) {
    case LimitKind::http_request: return "http_requests";
    case LimitKind::user_creation: return "user_creations";
    case LimitKind::lobby_creation: return "lobby_creations";
  }
  return "unknown";
}

std::string address_key(const std::string& address) {
  boost::system::error_code ec;
  auto a = ip::make_address(address, ec);
  if (ec) return address;
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return ip::make_address_v4(ip::v4_mapped, a.to_v6()).to_string();
  if (a.is_v4()) return a.to_string();
  return ip::network_v6(a.to_v6(), 64).canonical().to_string();
}

RateLimiter::RateLimiter(RateLimits limits) : limits_(limits), idle_expiry_(longest_refill(limits)) {}

RateLimiter::Entry& RateLimiter::entry(const std::string& key, Clock::time_point now) {
  expire_some(now, kExpireBudget);
  if (auto it = table_.find(key); it != table_.end()) {
    lru_.splice(lru_.end(), lru_, it->second.lru);
    it->second.last_used = now;
    return it->second;
  }
  if (table_.size() >= limits_.max_addresses) {
    // Full of entries that still hold something: the least recently used one without a
    // WebSocket goes (its address starts again from full buckets).
    for (auto k = lru_.begin(); k != lru_.end(); ++k) {
      auto it = table_.find(*k);
      if (it->second.ws > 0) continue;
      table_.erase(it);
      lru_.erase(k);
      ++evicted_;
      break;
    }
  }
  Entry e;
  for (std::size_t i = 0; i < kLimitKinds; ++i) {
    e.tokens[i] = limits_.buckets[i].burst;
    e.refilled[i] = now;
  }
  e.last_used = now;
  e.lru = lru_.insert(lru_.end(), key);
  return table_.emplace(key, e).first->second;
}

void RateLimiter::expire_some(Clock::time_point now, std::size_t budget) {
  while (budget-- > 0 && !lru_.empty()) {
    auto it = table_.find(lru_.front());
    if (it->second.ws > 0) {
      // Held by an open WebSocket: not idle, whatever its last request. To the back, so it
      // does not hide the expired entries behind it.
      lru_.splice(lru_.end(), lru_, lru_.begin());
      continue;
    }
    if (now - it->second.last_used < idle_expiry_) return;
    table_.erase(it);
    lru_.pop_front();
  }
}

std::optional<std::chrono::seconds> RateLimiter::take(LimitKind kind, const std::string& address,
                                                      Clock::time_point now) {
  const auto i = static_cast<std::size_t>(kind);
  const auto& limit = limits_.buckets[i];
  if (limit.per_second <= 0) return std::nullopt;
  std::lock_guard lock(mu_);
  auto& e = entry(address_key(address), now);
  double elapsed = std::chrono::duration<double>(now - e.refilled[i]).count();
  e.tokens[i] = std::min(limit.burst, e.tokens[i] + std::max(0.0, elapsed) * limit.per_second);
  e.refilled[i] = now;
  if (e.tokens[i] >= 1 - kEpsilon) {
    e.tokens[i] = std::max(0.0, e.tokens[i] - 1);
    return std::nullopt;
  }
  ++limited_[i];
  double wait = (1 - e.tokens[i]) / limit.per_second;
  return std::chrono::seconds(std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(wait - kEpsilon))));
}

std::unique_ptr<RateLimiter::WsSlot> RateLimiter::open_ws(const std::string& address, Clock::time_point now) {
  std::string key = address_key(address);
  std::lock_guard lock(mu_);
  auto& e = entry(key, now);
  if (limits_.ws_per_address > 0 && e.ws >= limits_.ws_per_address) {
    ++ws_refused_;
    return nullptr;
  }
  ++e.ws;
  return std::make_unique<WsSlot>(shared_from_this(), std::move(key));
}

RateLimiter::WsSlot::~WsSlot() { owner_->release_ws(key_); }

void RateLimiter::release_ws(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = table_.find(key);
  if (it == table_.end() || it->second.ws == 0) return;
  --it->second.ws;
  it->second.last_used = Clock::now();
  lru_.splice(lru_.end(), lru_, it->second.lru);
}

std::size_t RateLimiter::purge(Clock::time_point now) {
  std::lock_guard lock(mu_);
  auto before = table_.size();
  expire_some(now, table_.size());
  return before - table_.size();
}

std::size_t RateLimiter::tracked() const {
  std::lock_guard lock(mu_);
  return table_.size();
}

std::uint64_t RateLimiter::evicted() const {
  std::lock_guard lock(mu_);
  return evicted_;
}

std::uint64_t RateLimiter::limited(LimitKind kind) const {
  std::lock_guard lock(mu_);
  return limited_[static_cast<std::size_t>(kind)];
}

std::uint64_t RateLimiter::ws_refused() const {
  std::lock_guard lock(mu_);
  return ws_refused_;
}

}  // namespace swirl::http
