#pragma once

// Pure readiness rules (STYLE.md habit 3): what a member's readiness becomes when its match ends.
// The table lives in docs/protocol.md under `match_ended`.

#include <chrono>
#include <cstddef>
#include <string_view>

namespace swirl::lobby {

// Why a match ended for one member; sent as `reason` in `match_ended`.
enum class MatchEndReason {
  left,               // the member sent leave_match
  peer_left,          // the last other member left
  peer_disconnected,  // the last other member's socket dropped and the grace period passed
  round_over,         // the lobby's round length passed
  owner_ended,        // the owner ended the match
  kicked,             // the member was removed by the owner
  no_media            // no member reported media_flowing in time (lobby/media_rules.hpp)
};

// The wire name of a reason ("peer_left", ...).
std::string_view to_string(MatchEndReason reason);

// The member's readiness after its match ended. `requested_ready` is the `ready` field of the
// member's own leave_match and only matters for `left`: someone whose match ended through no
// choice of their own goes back to the pool, someone kicked does not.
bool ready_after_match_end(MatchEndReason reason, bool requested_ready);

// The least time between two lobby_status snapshots in a lobby of `members` members: 100 ms,
// or 100 ms per 500 members above that (every snapshot goes to every member, so the bytes
// sent per member per second stay bounded), at most 2 s.
std::chrono::milliseconds status_interval(std::size_t members);

}  // namespace swirl::lobby
