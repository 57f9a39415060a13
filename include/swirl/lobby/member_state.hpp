#pragma once
// A member's place in the lobby's flow: the state machine docs/protocol.md draws ("Member state
// machine"), as a pure value (STYLE.md habits 3 and 8). The actor keeps one per member and asks
// it what to do; nothing here knows about sockets, timers or frames.
//
//   IDLE --ready:true--> READY --matched--> IN_MATCH --match ends--> READY or IDLE
//   READY --ready:false--> IDLE
//   any state --socket drops--> the same state, disconnected (not matchable), until the
//   member reconnects (state kept) or the grace period passes (the member is removed).

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "swirl/lobby/readiness.hpp"

namespace swirl::lobby {

enum class MemberState { idle, ready, in_match };

// The wire-independent name ("idle", "ready", "in_match"), for logs and tests.
std::string_view to_string(MemberState state);

class MemberStatus {
 public:
  MemberState state() const { return state_; }
  bool connected() const { return connected_; }
  bool in_match() const { return state_ == MemberState::in_match; }
  // The readiness lobby_status, welcome and the owner state show: READY, or IN_MATCH while the
  // member has not sent ready:false during the match (the matcher only picks ready members).
  bool ready() const { return state_ == MemberState::ready || (state_ == MemberState::in_match && ready_in_match_); }
  // The matcher may pick this member: ready, connected, not in a match.
  bool matchable() const { return state_ == MemberState::ready && connected_; }

  // ready:true / ready:false. IDLE <-> READY; in a match only the readiness shown changes (the
  // match goes on). Returns true when anything changed.
  bool set_ready(bool ready);
  // The matcher put the member in a match: READY -> IN_MATCH. Throws std::logic_error from any
  // other state (the matcher only sees matchable members).
  void matched();
  // The member's match ended: IN_MATCH -> READY or IDLE, by ready_after_match_end (readiness.hpp).
  // `requested_ready` is the member's own leave_match `ready`; a match that ended through no
  // choice of theirs honours their own last word in it (ready:false during the match: IDLE).
  // Returns the readiness it leaves
  // with (the `ready` of match_ended). Throws std::logic_error when not in a match.
  bool match_ended(MatchEndReason reason, bool requested_ready);
  // The socket dropped / the member came back within the grace period: the state is kept.
  void disconnected() { connected_ = false; }
  void reconnected() { connected_ = true; }

 private:
  MemberState state_ = MemberState::idle;
  bool ready_in_match_ = false;  // IN_MATCH only: the member has not sent ready:false since matched
  bool connected_ = true;
};

// Where a joining user stands: not a member, a member still connected (another tab), or a
// member in the grace period after a drop.
enum class Presence { absent, connected, disconnected };

// What an admitted join does (docs/protocol.md, "Connecting" and `welcome`; whether it is
// admitted is lobby/admission.hpp): `add` a new member; `resume` a member in the grace period
// (welcome resumed:true, the match peers get user_status back); `replace` the connection of a
// member still connected (the old one is closed 4000; welcome resumed:true).
enum class JoinOutcome { add, resume, replace };
JoinOutcome join_outcome(Presence presence);

// A group whose member left goes on while two remain; with fewer its match ends.
constexpr bool group_goes_on(std::size_t members_left) { return members_left >= 2; }

}  // namespace swirl::lobby
