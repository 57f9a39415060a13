#pragma once
// The text of a `banned` refusal, in one place: the HTTP 403 before the upgrade and the error
// frame of a join refused after it (docs/protocol.md).

#include <cstdint>
#include <string>

namespace swirl::lobby {

// "you were removed from this lobby; you may rejoin in N s", N in whole seconds, rounded up.
inline std::string banned_message(std::int64_t banned_until_ms, std::int64_t now_ms) {
  const std::int64_t seconds = (banned_until_ms - now_ms + 999) / 1000;
  return "you were removed from this lobby; you may rejoin in " + std::to_string(seconds) + " s";
}

}  // namespace swirl::lobby
