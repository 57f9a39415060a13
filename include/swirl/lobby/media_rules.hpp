#pragma once
// Pure rules for peer media (issue 13, STYLE.md habit 3): a member's camera/microphone state
// and the no-media decision of the lobby's activity monitor. The
// lobby actor (lobby/lobby_media.cpp) only wires these to its timers and members.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "swirl/lobby/matchmaking.hpp"

namespace swirl::lobby {

// A member's last reported media state; both on until the member says otherwise.
struct MediaState {
  bool camera = true;
  bool microphone = true;
  bool operator==(const MediaState&) const = default;
};

// One pair a match recorded in the matcher's history, with what the history held for it before,
// so a match that never carried media can be taken back.
struct RecordedPair {
  MemberId a = 0;
  MemberId b = 0;
  std::optional<std::int64_t> previous;  // last_met before this match; none = first meeting
};

// What a match knows about its media. With the no-media rule on (a timeout > 0), the pairs of a
// match count as having met only once media flowed, or once the match ended for any reason but
// no_media; until then they are `pending` and are not written to the database.
struct MatchMedia {
  bool flowing = false;          // some member reported media_flowing for this match
  bool pairs_confirmed = false;  // the pairs were (or are being) written to the stored history
  std::vector<RecordedPair> pairs;
};

// Whether a match ends with no_media at `now_ms`: the rule is on (timeout > 0), nobody reported
// media, and the timeout has passed since the match began.
bool ends_for_no_media(const MatchMedia& media, std::int64_t created_at_ms, std::int64_t now_ms,
                       std::chrono::milliseconds timeout);

// Takes a no_media match's pairs back out of the history (in reverse order of recording, so a
// pair recorded twice ends where it started).
void forget_pairs(MatchHistory& history, const std::vector<RecordedPair>& pairs);

}  // namespace swirl::lobby
