#include "swirl/lobby/media_rules.hpp"

namespace swirl::lobby {

bool ends_for_no_media(const MatchMedia& media, std::int64_t created_at_ms, std::int64_t now_ms,
                       std::chrono::milliseconds timeout) {
  if (timeout.count() <= 0 || media.flowing) return false;
  return now_ms - created_at_ms >= timeout.count();
}

void forget_pairs(MatchHistory& history, const std::vector<RecordedPair>& pairs) {
  for (auto it = pairs.rbegin(); it != pairs.rend(); ++it) history.restore(it->a, it->b, it->previous);
}

}  // namespace swirl::lobby
