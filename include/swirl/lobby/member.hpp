#pragma once
// One member of a live lobby and one match in it, as the lobby actor keeps them. Plain data:
// the actor (lobby_server.hpp) changes them on its strand; the registry (members.hpp) owns the
// members, the actor owns the matches.

#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "swirl/lobby/call_events.hpp"
#include "swirl/lobby/mailbox.hpp"
#include "swirl/lobby/matchmaking.hpp"
#include "swirl/lobby/media_rules.hpp"
#include "swirl/lobby/member_state.hpp"

namespace swirl::lobby {

struct Match;

// Whether the actor knows whom a member has blocked or been blocked by (lobby_safety.cpp): they
// are loaded from the database when the member is first ready, and only then matched.
enum class BlocksLoad { not_loaded, loading, loaded };

// A user in the lobby: connected, or in the grace period after a drop (mailbox null).
struct Member {
  std::string user_id;
  std::string display_name;
  MemberId mid = 0;
  std::shared_ptr<Mailbox> mailbox;  // null while disconnected (in the grace period)
  MemberStatus status;               // idle / ready / in_match, and connected or not
  std::int64_t ready_since_ms = 0;
  std::uint64_t ready_order = 0;  // ties among equal ready_since_ms: who became ready first
  std::int64_t joined_at_ms = 0;
  std::uint64_t join_seq = 0;
  Match* match = nullptr;  // set exactly while status.in_match()
  std::unique_ptr<boost::asio::steady_timer> grace_timer;
  bool page_closing = false;                    // sent `leave` page_closing: a drop now gets the page-close grace
  WaitingReason waiting = WaitingReason::none;  // last `waiting` reason sent (none: not waiting)
  MediaState media;                             // last media_state reported (kept across matches)
  std::uint64_t ice_generation = 0;             // of the ICE servers last sent (lobby_ice.cpp)
  std::int64_t ice_refresh_at_ms = std::numeric_limits<std::int64_t>::max();
  BlocksLoad blocks = BlocksLoad::not_loaded;
};

// Members matched together, with the timers that may end their match.
struct Match {
  std::string id;
  std::vector<Member*> members;  // offerer order: for i < j, members[i] offers to members[j]
  std::int64_t created_at_ms = 0;
  std::unique_ptr<boost::asio::steady_timer> round_timer;
  MatchMedia media;                                        // lobby_media.cpp
  std::vector<std::string> started_with;                   // members at the start, for pairs_met
  std::unique_ptr<boost::asio::steady_timer> media_timer;  // the no-media check
  CallEventCounts call_events;

  // `user_id`'s entry among members, or null.
  Member* find(const std::string& user_id) const {
    for (Member* m : members)
      if (m->user_id == user_id) return m;
    return nullptr;
  }
};

// Who `from` may send a signal to (docs/protocol.md, `signal`): another member of their current
// match, by user id. Null for anyone else, and for everyone while `from` is not in a match.
inline Member* signal_target(const Member& from, const std::string& to) {
  if (!from.match || to == from.user_id) return nullptr;
  return from.match->find(to);
}

}  // namespace swirl::lobby
