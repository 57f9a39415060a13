#pragma once
// The wall clock every layer stamps records and frames with: Unix time in milliseconds. Rules
// that depend on time (matchmaking, bans, readiness) take `now_ms` as a parameter instead of
// reading it, so they stay testable without a clock.
//
// And the grid that long timers expire on (coarse_deadline).

#include <chrono>
#include <cstdint>

namespace swirl::core {

std::int64_t now_ms();

// Timers that many connections or lobbies arm and that may fire a little late (a member's resume
// grace, a lobby's idle shutdown and its next lobby_status snapshot, a close handshake's
// deadline) expire on this grid, so that expiries close in
// time share one wake-up of the io thread (one timerfd setting, one return from epoll_wait)
// instead of costing one each: at 300 leaving members per second, about 20 wake-ups instead
// of 300. Such a timer fires up to this much later than asked.
constexpr std::chrono::milliseconds kTimerGrain{50};

// `now + after`, rounded up to the next multiple of kTimerGrain of the steady clock.
std::chrono::steady_clock::time_point coarse_deadline(std::chrono::steady_clock::time_point now,
                                                      std::chrono::steady_clock::duration after);
inline std::chrono::steady_clock::time_point coarse_deadline(std::chrono::steady_clock::duration after) {
  return coarse_deadline(std::chrono::steady_clock::now(), after);
}

}  // namespace swirl::core
