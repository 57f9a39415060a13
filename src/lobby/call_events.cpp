#include "swirl/lobby/call_events.hpp"

#include <nlohmann/json.hpp>

namespace swirl::lobby {

namespace {
constexpr std::array<std::string_view, call_event_kinds> names{"stall", "ice_restart", "pc_recreated", "recovered"};
}

std::string_view to_string(CallEvent event) { return names[static_cast<std::size_t>(event)]; }

std::optional<CallEvent> parse_call_event(std::string_view name) {
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<CallEvent>(i);
  return std::nullopt;
}

nlohmann::json CallEventCounts::to_json() const {
  nlohmann::json out = nlohmann::json::object();
  for (std::size_t i = 0; i < names.size(); ++i) out[std::string(names[i])] = counts[i];
  return out;
}

}  // namespace swirl::lobby
