#pragma once
// The call events clients report (`call_event`, docs/protocol.md): a stall of remote video and
// the steps taken to repair it. Counted per match (the owner state shows them) and process-wide.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace swirl::lobby {

enum class CallEvent : std::uint8_t { stall, ice_restart, pc_recreated, recovered };
constexpr std::size_t call_event_kinds = 4;

// The wire name, e.g. "ice_restart".
std::string_view to_string(CallEvent event);
// The event named `name`, or nothing for a name that is not one of the four.
std::optional<CallEvent> parse_call_event(std::string_view name);

// One match's counts; lives on the lobby's strand.
struct CallEventCounts {
  std::array<std::uint64_t, call_event_kinds> counts{};

  void add(CallEvent event) { ++counts[static_cast<std::size_t>(event)]; }
  std::uint64_t operator[](CallEvent event) const { return counts[static_cast<std::size_t>(event)]; }
  // {"stall":0,"ice_restart":0,"pc_recreated":0,"recovered":0}
  nlohmann::json to_json() const;
};

// The whole process's counts, added to from every lobby's strand.
struct CallEventTotals {
  std::array<std::atomic<std::uint64_t>, call_event_kinds> counts{};

  void add(CallEvent event) { counts[static_cast<std::size_t>(event)].fetch_add(1, std::memory_order_relaxed); }
  std::uint64_t operator[](CallEvent event) const {
    return counts[static_cast<std::size_t>(event)].load(std::memory_order_relaxed);
  }
};

}  // namespace swirl::lobby
