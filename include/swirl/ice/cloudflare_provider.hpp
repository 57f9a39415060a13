#pragma once
// The cloudflare provider: STUN URLs from the configuration plus the ICE servers Cloudflare's
// TURN API hands out. One set of credentials serves everyone for one lifetime window: it is
// fetched on the blocking pool (never on an io thread) when first needed and again once
// kRefreshFraction of its lifetime has passed, one fetch at a time. While there is no valid
// set (first fetch pending, or the API failing), members get STUN only and the failure is
// logged; a failed fetch is retried after a pause.

#include <atomic>
#include <mutex>

#include "swirl/ice/ice_provider.hpp"

namespace swirl::ice {

class CloudflareProvider : public IceProvider, public std::enable_shared_from_this<CloudflareProvider> {
 public:
  CloudflareProvider(IceConfig config, BlockingRunner run_blocking);
  IceGrant grant(const std::string& user_id, std::int64_t now_ms) override;
  void start() override;

  std::uint64_t fetches() const { return fetches_.load(); }    // requests that succeeded
  std::uint64_t failures() const { return failures_.load(); }  // requests that failed
  // Pause after a failed fetch: a tenth of the lifetime, between 1 and 30 s.
  std::int64_t retry_after_ms() const;

 private:
  void launch_fetch();
  void fetch_now();
  void fetch_failed(const std::string& what);
  std::int64_t ttl_ms() const { return static_cast<std::int64_t>(config_.turn_ttl.count()) * 1000; }

  IceConfig config_;
  BlockingRunner run_blocking_;
  std::mutex mutex_;
  std::vector<IceServer> cached_;  // guarded by mutex_, as are the fields below
  std::int64_t fetched_at_ms_ = 0;
  std::int64_t expires_at_ms_ = 0;
  std::uint64_t generation_ = 0;
  bool in_flight_ = false;
  std::int64_t next_attempt_ms_ = 0;
  std::atomic<std::uint64_t> fetches_{0};
  std::atomic<std::uint64_t> failures_{0};
};

}  // namespace swirl::ice
