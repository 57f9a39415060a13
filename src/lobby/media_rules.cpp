#include "swirl/lobby/media_rules.hpp"

#include "swirl/json/out.hpp"

namespace swirl::lobby {

std::string media_state_frame(std::string_view from_user, MediaState state) {
  swirl::json::JsonOut j(96 + from_user.size());
  j.begin_object()
      .key("type").value("media_state")
      .key("from").value(from_user)
      .key("camera").value(state.camera)
      .key("microphone").value(state.microphone)
      .end_object();
  return j.take();
}

bool ends_for_no_media(const MatchMedia& media, std::int64_t created_at_ms, std::int64_t now_ms,
                       std::chrono::milliseconds timeout) {
  if (timeout.count() <= 0 || media.flowing) return false;
  return now_ms - created_at_ms >= timeout.count();
}

void forget_pairs(MatchHistory& history, const std::vector<RecordedPair>& pairs) {
  for (auto it = pairs.rbegin(); it != pairs.rend(); ++it) history.restore(it->a, it->b, it->previous);
}

}  // namespace swirl::lobby
