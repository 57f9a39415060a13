#pragma once
// Gives memory back to the operating system after a wave of activity ends.
//
// A lobby holds its members, matches and history while it lives; when it shuts down, that
// memory goes back to malloc, but glibc keeps freed pages of a thread's arena resident (they
// are only returned when the top of a heap is free). After a busy hour the server would keep
// its peak RSS forever. So: when a lobby shuts down, the housekeeper waits `delay` (more may
// follow; one pass serves them all), then, on the blocking pool (never on a network thread),
// drops expired token-cache entries and calls malloc_trim(0), which returns every free page of
// every arena. A pass takes well under a millisecond at the sizes measured (see
// bench/notes.md); it runs at most once per `delay`.
//
// Counters are process-wide and ready to become metrics.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

namespace swirl {

namespace core {
class BlockingPool;
}
namespace auth {
class TokenCache;
}

struct HousekeepingCounters {
  std::atomic<std::uint64_t> passes{0};                 // trims run
  std::atomic<std::uint64_t> released_kib{0};           // RSS the trims gave back, in total
  std::atomic<std::uint64_t> last_released_kib{0};      // ...and in the last pass
  std::atomic<std::uint64_t> last_pass_us{0};           // how long the last pass took
  std::atomic<std::uint64_t> token_entries_expired{0};  // token-cache entries dropped by passes
};

class Housekeeper : public std::enable_shared_from_this<Housekeeper> {
 public:
  // delay 0 disables: poke() then does nothing.
  Housekeeper(boost::asio::io_context& ioc, core::BlockingPool& pool, auth::TokenCache& tokens,
              std::chrono::milliseconds delay);

  // Something large was freed (a lobby shut down): a pass runs `delay` from now unless one is
  // already due. Thread-safe.
  void poke();
  // One pass now, on the calling thread (tests, and the pool job itself).
  void run_pass();

  const HousekeepingCounters& counters() const { return counters_; }

 private:
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::steady_timer timer_;
  core::BlockingPool& pool_;
  auth::TokenCache& tokens_;
  const std::chrono::milliseconds delay_;
  bool armed_ = false;  // on strand_
  HousekeepingCounters counters_;
};

// Resident set size of this process in KiB (from /proc/self/statm), 0 if unreadable.
std::uint64_t resident_kib();

}  // namespace swirl
