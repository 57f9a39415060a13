#pragma once
// LeaseKeeper: this node's leases on the lobbies it runs (multi-node mode, docs/scaling.md).
// The supervisor asks it for a lease before spawning a lobby and tells it when a lobby stops.
// While a lobby lives the keeper renews its lease every renew interval; a lobby whose lease
// was not renewed in time is handed back through on_lost, which stops it, no later than
//   (when the last successful acquire/renew was *sent*) + ttl - margin,
// measured on this node's steady clock. The database set the expiry with its own clock at or
// after that send, so the lobby has stopped here before any other node can take the lease,
// whatever the nodes' wall clocks say (only their rates must agree to within the margin).
// State lives on the keeper's strand; the blocking calls run in order on one thread of its own.

#include <atomic>
#include <chrono>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <nlohmann/json.hpp>

#include "swirl/cluster/lease_store.hpp"
#include "swirl/core/blocking_pool.hpp"

namespace swirl::cluster {

struct LeaseSettings {
  std::string node_id;
  std::string database_url;
  std::chrono::milliseconds ttl{10'000};
  std::chrono::milliseconds renew_interval{3'333};
  std::chrono::milliseconds margin{2'000};
};

// Counters for /metrics (docs/operations.md).
struct LeaseStats {
  std::atomic<std::uint64_t> held{0};
  std::atomic<std::uint64_t> acquired{0};
  std::atomic<std::uint64_t> refused{0};       // another live node held the lobby
  std::atomic<std::uint64_t> lost_expired{0};  // stopped at the local deadline (renewals failing)
  std::atomic<std::uint64_t> lost_taken{0};    // a renewal found the lease gone
  std::atomic<std::uint64_t> renew_failures{0};
  std::atomic<std::uint64_t> released{0};
};

// <host name>-<pid>: unique among the nodes of one deployment, and new after a restart.
std::string default_node_id();

class LeaseKeeper : public std::enable_shared_from_this<LeaseKeeper> {
 public:
  using Clock = std::chrono::steady_clock;
  // What an acquire came to: granted; held elsewhere (retry_after > 0); or the database failed.
  struct Outcome {
    bool granted = false;
    std::chrono::seconds retry_after{0};
    std::exception_ptr error;
  };

  LeaseKeeper(boost::asio::any_io_executor executor, LeaseSettings settings);
  ~LeaseKeeper();

  // on_lost(lobby_id) runs on the keeper's strand when a lobby must stop at once.
  void start(std::function<void(const std::string&)> on_lost);
  // Takes the lease; done(outcome) runs on the keeper's strand.
  void acquire(const std::string& lobby_id, std::function<void(Outcome)> done);
  // The lobby has stopped here: its lease goes (in order with later acquires of it).
  void release(const std::string& lobby_id);
  // Drain: deletes every lease of this node now (blocking; any thread) and renews no more.
  std::size_t release_all_now();
  void stop();

  // Retry-After for a lobby whose last acquire here found it held by another node, while that
  // lease has not expired yet (thread-safe: the WebSocket upgrade asks).
  std::optional<std::chrono::seconds> elsewhere(const std::string& lobby_id) const;
  // Asks the database whether another live node holds the lobby (owner endpoints): how long
  // until it may move, or nullopt when no other node holds it.
  boost::asio::awaitable<std::optional<std::chrono::seconds>> held_elsewhere(std::string lobby_id);

  // A start/stop timeline of this node's lobbies (Unix ms), for the lease tests and logs.
  void note(const std::string& lobby_id, const char* event);
  nlohmann::json timeline() const;

  const std::string& node_id() const { return settings_.node_id; }
  const LeaseSettings& settings() const { return settings_; }
  const LeaseStats& stats() const { return stats_; }

 private:
  void tick();
  void renew();
  void lose(const std::string& lobby_id, bool expired);

  LeaseSettings settings_;
  boost::asio::strand<boost::asio::any_io_executor> strand_;
  boost::asio::steady_timer timer_;
  std::chrono::milliseconds tick_;
  std::shared_ptr<LeaseStore> store_;
  core::BlockingPool pool_;  // one thread: lease calls run in the order they were asked for
  std::function<void(const std::string&)> on_lost_;
  std::unordered_map<std::string, Clock::time_point> held_;  // lobby -> last successful send
  bool renewing_ = false;
  Clock::time_point next_renew_{};
  std::atomic<bool> stopping_{false};
  LeaseStats stats_;

  mutable std::mutex mu_;  // guards the two below
  std::unordered_map<std::string, Clock::time_point> elsewhere_;
  std::deque<nlohmann::json> timeline_;
};

}  // namespace swirl::cluster
