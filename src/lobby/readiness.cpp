#include "swirl/lobby/readiness.hpp"

namespace swirl::lobby {

std::string_view to_string(MatchEndReason reason) {
  switch (reason) {
    case MatchEndReason::left: return "left";
    case MatchEndReason::peer_left: return "peer_left";
    case MatchEndReason::peer_disconnected: return "peer_disconnected";
    case MatchEndReason::round_over: return "round_over";
    case MatchEndReason::owner_ended: return "owner_ended";
    case MatchEndReason::kicked: return "kicked";
  }
  // Only reachable with a value cast from outside the enum.
  return "unknown";
}

bool ready_after_match_end(MatchEndReason reason, bool requested_ready) {
  switch (reason) {
    case MatchEndReason::left: return requested_ready;
    case MatchEndReason::kicked: return false;
    case MatchEndReason::peer_left:
    case MatchEndReason::peer_disconnected:
    case MatchEndReason::round_over:
    case MatchEndReason::owner_ended: return true;
  }
  return false;
}

}  // namespace swirl::lobby
