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
  no_media,           // no member reported media_flowing in time (lobby/media_rules.hpp)
  blocked             // the member blocked a peer of the match (lobby/safety.hpp)
};

// The wire name of a reason ("peer_left", ...).
std::string_view to_string(MatchEndReason reason);

// The member's readiness after its match ended. `requested_ready` is the `ready` field of the
// member's own leave_match and only matters for `left`. Someone whose match ended through no
// choice of their own keeps their own last word: `ready_before` is their readiness during the
// match (true from the matcher, false once they sent `ready:false` — "this is my last one").
// Someone kicked is never ready.
bool ready_after_match_end(MatchEndReason reason, bool requested_ready, bool ready_before);

// Why a ready member is still waiting after the matcher ran (the `waiting` message).
enum class WaitingReason {
  none,          // not waiting (not ready, in a match, disconnected), or not told yet
  nobody_ready,  // too few other members are ready and free to make a match
  met_everyone   // enough are, but the member has met them all and the lobby does not repeat (yet)
};

// The wire name ("nobody_ready", "met_everyone"); "" for none.
std::string_view to_string(WaitingReason reason);

// The reason for one member the matcher left waiting, given how many other ready, connected,
// unmatched members it also left waiting. Fewer than group_size - 1 of them: nobody to make a
// group with. Otherwise only the match history can have kept them apart (the matcher groups
// any members it may), so they have met everyone who is free.
WaitingReason waiting_reason(std::size_t others_left_waiting, int group_size);

// The least time between two lobby_status snapshots in a lobby of `members` members: 100 ms,
// or 100 ms per 500 members above that (every snapshot goes to every member, so the bytes
// sent per member per second stay bounded), at most 2 s.
std::chrono::milliseconds status_interval(std::size_t members);

}  // namespace swirl::lobby
