#include "swirl/core/clock.hpp"

namespace swirl::core {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::chrono::steady_clock::time_point coarse_deadline(std::chrono::steady_clock::time_point now,
                                                      std::chrono::steady_clock::duration after) {
  auto at = now + after;
  const std::chrono::steady_clock::duration grain = kTimerGrain;
  auto late = at.time_since_epoch() % grain;
  if (late != std::chrono::steady_clock::duration::zero()) at += grain - late;
  return at;
}

}  // namespace swirl::core
