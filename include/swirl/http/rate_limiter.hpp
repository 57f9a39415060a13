#pragma once
// Per-client-address abuse limits (issue 17): token buckets for HTTP requests, user creations
// and lobby creations, and a count of open WebSockets, kept in one table keyed by address.
//
// The key is the client address as text; IPv6 addresses count by their /64 network (one
// subscriber's allocation), IPv4 by the whole address.
//
// Bounded memory: at most `max_addresses` entries. An entry whose buckets would all be full
// again and that holds no WebSocket carries no information (a fresh entry would say the same),
// so it is dropped once it has been unused for the longest refill time (`idle_expiry()`).
// When the table is full of entries that still matter, the least recently used one without an
// open WebSocket is evicted (counted: swirl_abuse_addresses_evicted_total); that address
// starts again from full buckets, which only ever errs on the side of letting someone in.
// Thread-safe (one mutex: a few hash-map operations per request).

#include <array>
#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace swirl::http {

enum class LimitKind { http_request, user_creation, lobby_creation };
inline constexpr std::size_t kLimitKinds = 3;
const char* to_string(LimitKind k);

// A token bucket: `per_second` tokens flow in, at most `burst` are held. per_second 0 = no limit.
struct BucketLimit {
  double per_second = 0;
  double burst = 0;
};

struct RateLimits {
  std::array<BucketLimit, kLimitKinds> buckets{};  // indexed by LimitKind
  unsigned ws_per_address = 0;                     // 0 = no limit
  std::size_t max_addresses = 100'000;
};

// The normalized table key of an address ("2001:db8:1:2::/64" for any address in that /64;
// IPv4-mapped IPv6 becomes IPv4). Text that is not an address is returned unchanged.
std::string address_key(const std::string& address);

class RateLimiter : public std::enable_shared_from_this<RateLimiter> {
 public:
  using Clock = std::chrono::steady_clock;

  explicit RateLimiter(RateLimits limits);

  // Takes one token of `kind` for `address`. Returns nothing when allowed, else how long until
  // a token is there (rounded up to whole seconds, at least 1: the Retry-After value).
  std::optional<std::chrono::seconds> take(LimitKind kind, const std::string& address,
                                           Clock::time_point now = Clock::now());

  // An open WebSocket counted against its address until the slot is destroyed.
  class WsSlot {
   public:
    WsSlot(std::shared_ptr<RateLimiter> owner, std::string key) : owner_(std::move(owner)), key_(std::move(key)) {}
    ~WsSlot();
    WsSlot(const WsSlot&) = delete;
    WsSlot& operator=(const WsSlot&) = delete;

   private:
    std::shared_ptr<RateLimiter> owner_;  // a session may outlive the App that made it
    std::string key_;
  };
  // A slot, or nullptr when the address already holds ws_per_address WebSockets. The limiter
  // must be owned by a shared_ptr.
  std::unique_ptr<WsSlot> open_ws(const std::string& address, Clock::time_point now = Clock::now());

  // Unused time after which an entry without WebSockets is dropped: the longest time any
  // bucket takes to refill from empty (at least one second).
  std::chrono::milliseconds idle_expiry() const { return idle_expiry_; }
  // Drops expired entries (take() and open_ws() also do, a few at a time). Returns how many went.
  std::size_t purge(Clock::time_point now = Clock::now());

  std::size_t tracked() const;
  std::uint64_t evicted() const;
  std::uint64_t limited(LimitKind kind) const;
  std::uint64_t ws_refused() const;
  const RateLimits& limits() const { return limits_; }

 private:
  struct Entry {
    std::array<double, kLimitKinds> tokens{};
    std::array<Clock::time_point, kLimitKinds> refilled{};
    unsigned ws = 0;
    Clock::time_point last_used{};
    std::list<std::string>::iterator lru;
  };
  Entry& entry(const std::string& key, Clock::time_point now);  // with mu_ held
  void expire_some(Clock::time_point now, std::size_t budget);  // with mu_ held
  void release_ws(const std::string& key);

  const RateLimits limits_;
  const std::chrono::milliseconds idle_expiry_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> table_;
  std::list<std::string> lru_;  // least recently used first
  std::uint64_t evicted_ = 0;
  std::array<std::uint64_t, kLimitKinds> limited_{};
  std::uint64_t ws_refused_ = 0;
};

}  // namespace swirl::http
