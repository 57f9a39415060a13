#include "swirl/ice/cloudflare_provider.hpp"

#include <algorithm>
#include <chrono>

#include <spdlog/spdlog.h>

#include "swirl/ice/cloudflare_client.hpp"

namespace swirl::ice {
namespace {

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

CloudflareProvider::CloudflareProvider(IceConfig config, BlockingRunner run_blocking)
    : config_(std::move(config)), run_blocking_(std::move(run_blocking)) {}

std::int64_t CloudflareProvider::retry_after_ms() const {
  return std::clamp<std::int64_t>(ttl_ms() / 10, 1'000, 30'000);
}

void CloudflareProvider::start() {
  {
    std::lock_guard lock(mutex_);
    if (in_flight_) return;
    in_flight_ = true;
  }
  launch_fetch();
}

IceGrant CloudflareProvider::grant(const std::string&, std::int64_t now_ms) {
  IceGrant g;
  if (!config_.stun_urls.empty()) g.servers.push_back({config_.stun_urls, {}, {}});
  bool launch = false;
  {
    std::lock_guard lock(mutex_);
    auto renew_at = fetched_at_ms_ + static_cast<std::int64_t>(static_cast<double>(ttl_ms()) * kRefreshFraction);
    bool valid = !cached_.empty() && now_ms < expires_at_ms_;
    bool due = cached_.empty() || now_ms >= renew_at;
    if (due && !in_flight_ && now_ms >= next_attempt_ms_) launch = in_flight_ = true;
    if (valid) {
      g.servers.insert(g.servers.end(), cached_.begin(), cached_.end());
      g.expires_at_ms = expires_at_ms_;
      g.refresh_at_ms = renew_at;
      g.generation = generation_;
    } else {
      // STUN only for now (generation 0); ask again soon, the fetch may have succeeded by then.
      g.refresh_at_ms = now_ms + retry_after_ms();
    }
  }
  if (launch) launch_fetch();
  return g;
}

void CloudflareProvider::launch_fetch() {
  std::weak_ptr<CloudflareProvider> weak = weak_from_this();
  run_blocking_(
      [weak] {
        if (auto self = weak.lock()) self->fetch_now();
      },
      [weak] {
        if (auto self = weak.lock()) self->fetch_failed("the blocking pool is full");
      });
}

void CloudflareProvider::fetch_now() {
  CloudflareRequest req;
  req.api_url = config_.cloudflare_api_url;
  req.key_id = config_.cloudflare_key_id;
  req.api_token = config_.cloudflare_api_token;
  req.ttl_s = static_cast<std::int64_t>(config_.turn_ttl.count());
  auto started = wall_ms();
  std::vector<IceServer> servers;
  try {
    servers = fetch_cloudflare_ice_servers(req);
  } catch (const std::exception& e) {
    fetch_failed(e.what());
    return;
  }
  {
    std::lock_guard lock(mutex_);
    cached_ = std::move(servers);
    fetched_at_ms_ = started;  // the lifetime counts from the request, not the answer
    expires_at_ms_ = started + ttl_ms();
    ++generation_;
    in_flight_ = false;
  }
  fetches_++;
  spdlog::info("ice: new Cloudflare TURN credentials, valid {} s", config_.turn_ttl.count());
}

void CloudflareProvider::fetch_failed(const std::string& what) {
  {
    std::lock_guard lock(mutex_);
    in_flight_ = false;
    next_attempt_ms_ = wall_ms() + retry_after_ms();
  }
  failures_++;
  spdlog::error(
      "ice: Cloudflare TURN credentials request failed ({}); members without valid credentials get STUN "
      "only, retrying in {} ms",
      what, retry_after_ms());
}

}  // namespace swirl::ice
