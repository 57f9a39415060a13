#pragma once
// Unix milliseconds as an ISO 8601 UTC timestamp with milliseconds ("2026-11-25T20:51:02.499Z").

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <string>

namespace swirl::core {

inline std::string iso8601(std::int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[48];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms % 1000));
  return buf;
}

}  // namespace swirl::core
