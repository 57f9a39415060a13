#include "swirl/lobby/owner_stats.hpp"

#include <algorithm>
#include <vector>

#include "swirl/core/iso8601.hpp"
#include "swirl/lobby/members.hpp"

namespace swirl::lobby {

using nlohmann::json;

std::size_t count_repeats_avoided(std::span<const MemberId> left_waiting, const MatchHistory& history) {
  if (left_waiting.size() < 2) return 0;
  MemberId top = *std::max_element(left_waiting.begin(), left_waiting.end());
  std::vector<bool> waiting(std::size_t(top) + 1, false);
  for (MemberId id : left_waiting) waiting[id] = true;
  std::size_t n = 0;
  for (MemberId a : left_waiting)
    for (MemberId b : history.partners_of(a))
      if (b <= top && b != a && waiting[b]) {
        ++n;
        break;
      }
  return n;
}

json owner_state_json(const MemberRegistry& registry, const std::unordered_map<std::string, Match>& matches,
                      const MatchHistory& history, LobbyCountersView counters, std::int64_t now) {
  json members = json::array();
  registry.for_each([&](const Member& m) {
    bool waiting = m.status.state() == MemberState::ready;
    members.push_back({{"id", m.user_id},
                       {"display_name", m.display_name},
                       {"ready", m.status.ready()},
                       {"connection", m.mailbox ? "connected" : "reconnecting"},
                       {"match_id", m.match ? json(m.match->id) : json()},
                       {"waiting_seconds", waiting ? (now - m.ready_since_ms) / 1000.0 : 0.0},
                       {"waiting", m.waiting == WaitingReason::none ? json() : json(to_string(m.waiting))},
                       {"joined_at", core::iso8601(m.joined_at_ms)}});
  });
  json listed = json::array();
  for (const auto& [id, match] : matches) {
    json people = json::array();
    for (const Member* m : match.members) people.push_back({{"id", m->user_id}, {"display_name", m->display_name}});
    listed.push_back({{"id", id},
                      {"match_id", id},
                      {"members", people},
                      {"age_seconds", (now - match.created_at_ms) / 1000.0},
                      {"call_events", match.call_events.to_json()}});
  }
  json totals = {{"matches_made", counters.matches_made},
                 {"repeats_avoided", counters.repeats_avoided},
                 {"pairs_met", history.pair_count()},
                 {"users_remembered", registry.remembered()}};
  return json{{"members", members}, {"matches", listed}, {"counters", totals}};
}

}  // namespace swirl::lobby
