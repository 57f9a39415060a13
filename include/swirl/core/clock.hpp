#pragma once
// The wall clock every layer stamps records and frames with: Unix time in milliseconds. Rules
// that depend on time (matchmaking, bans, readiness) take `now_ms` as a parameter instead of
// reading it, so they stay testable without a clock.

#include <cstdint>

namespace swirl::core {

std::int64_t now_ms();

}  // namespace swirl::core
