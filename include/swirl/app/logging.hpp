#pragma once
// Logging set-up: the default spdlog logger on stderr, as text or as JSON lines.
//
// Context travels in the message itself, as leading `key=value` words for the keys in
// kLogContextKeys ("req=1f conn=7 lobby=k3J9... GET /api/x 200 1.2ms"): readable in text mode,
// and the JSON formatter lifts them into fields of their own:
//   {"time":"…","level":"info","req":"1f","conn":"7","lobby":"k3J9…","msg":"GET /api/x 200 1.2ms"}
// Tokens, SDP and ICE candidates are never logged at info or above (README, "Deploy").

#include <array>
#include <memory>
#include <string>
#include <string_view>

#include <spdlog/formatter.h>

#include "swirl/core/config.hpp"

namespace swirl {

inline constexpr std::array<std::string_view, 5> kLogContextKeys{"req", "conn", "lobby", "user", "match"};

// One JSON object per line: time (UTC, ms), level, the context fields, msg. Every string is
// escaped, so any message (a path with quotes, an error text with newlines) stays valid JSON.
class JsonLogFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
  std::unique_ptr<spdlog::formatter> clone() const override;
};

void setup_logging(const core::Config& config);

}  // namespace swirl
