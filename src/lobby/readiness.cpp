#include "swirl/lobby/readiness.hpp"

#include <algorithm>

namespace swirl::lobby {

std::string_view to_string(MatchEndReason reason) {
  switch (reason) {
    case MatchEndReason::left: return "left";
    case MatchEndReason::peer_left: return "peer_left";
    case MatchEndReason::peer_disconnected: return "peer_disconnected";
    case MatchEndReason::round_over: return "round_over";
    case MatchEndReason::owner_ended: return "owner_ended";
    case MatchEndReason::kicked: return "kicked";
    case MatchEndReason::no_media: return "no_media";
    case MatchEndReason::blocked: return "blocked";
  }
  // Only reachable with a value cast from outside the enum.
  return "unknown";
}

std::chrono::milliseconds status_interval(std::size_t members) {
  constexpr auto kBase = std::chrono::milliseconds(100);
  constexpr std::size_t kMembersPerStep = 500;
  constexpr auto kMax = std::chrono::milliseconds(2000);
  std::size_t steps = std::max<std::size_t>(1, (members + kMembersPerStep - 1) / kMembersPerStep);
  if (steps >= static_cast<std::size_t>(kMax / kBase)) return kMax;
  return kBase * static_cast<long>(steps);
}

bool ready_after_match_end(MatchEndReason reason, bool requested_ready, bool ready_before) {
  switch (reason) {
    case MatchEndReason::left: return requested_ready;
    case MatchEndReason::kicked: return false;
    case MatchEndReason::peer_left:
    case MatchEndReason::peer_disconnected:
    case MatchEndReason::round_over:
    case MatchEndReason::owner_ended:
    case MatchEndReason::no_media:
    case MatchEndReason::blocked: return ready_before;
  }
  return false;
}

std::string_view to_string(WaitingReason reason) {
  switch (reason) {
    case WaitingReason::none: return "";
    case WaitingReason::nobody_ready: return "nobody_ready";
    case WaitingReason::met_everyone: return "met_everyone";
  }
  return "";
}

WaitingReason waiting_reason(std::size_t others_left_waiting, int group_size) {
  auto needed = static_cast<std::size_t>(std::max(group_size, 2) - 1);
  return others_left_waiting < needed ? WaitingReason::nobody_ready : WaitingReason::met_everyone;
}

}  // namespace swirl::lobby
