#include "swirl/lobby/member_state.hpp"

#include <stdexcept>
#include <string>

namespace swirl::lobby {

std::string_view to_string(MemberState state) {
  switch (state) {
    case MemberState::idle: return "idle";
    case MemberState::ready: return "ready";
    case MemberState::in_match: return "in_match";
  }
  return "unknown";  // only with a value cast from outside the enum
}

bool MemberStatus::set_ready(bool ready) {
  if (state_ == MemberState::in_match) {
    if (ready_in_match_ == ready) return false;
    ready_in_match_ = ready;
    return true;
  }
  auto next = ready ? MemberState::ready : MemberState::idle;
  if (state_ == next) return false;
  state_ = next;
  return true;
}

void MemberStatus::matched() {
  if (state_ != MemberState::ready)
    throw std::logic_error("member matched from state " + std::string(to_string(state_)) + ", not ready");
  state_ = MemberState::in_match;
  ready_in_match_ = true;
}

bool MemberStatus::match_ended(MatchEndReason reason, bool requested_ready) {
  if (state_ != MemberState::in_match)
    throw std::logic_error("match ended for a member in state " + std::string(to_string(state_)));
  bool ready = ready_after_match_end(reason, requested_ready, ready_in_match_);
  state_ = ready ? MemberState::ready : MemberState::idle;
  ready_in_match_ = false;
  return ready;
}

JoinOutcome join_outcome(Presence presence) {
  switch (presence) {
    case Presence::connected: return JoinOutcome::replace;
    case Presence::disconnected: return JoinOutcome::resume;
    case Presence::absent: break;
  }
  return JoinOutcome::add;
}

}  // namespace swirl::lobby
