#pragma once
// What the owner sees of a live lobby (GET /api/lobbies/{id}/state, docs/http-api.md): its
// members, matches and counters, and the "repeats avoided" statistic the matcher feeds. Pure
// functions over the actor's data; the actor calls them on its strand.

#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "swirl/lobby/matchmaking.hpp"
#include "swirl/lobby/member.hpp"

namespace swirl::lobby {

class MemberRegistry;

// How many of the members the matcher left waiting had met another one of them: each is a
// member kept from a repeat. Linear in the members left plus their partners in `history`
// (a mark per member id, then one pass over each member's partner list).
std::size_t count_repeats_avoided(std::span<const MemberId> left_waiting, const MatchHistory& history);

// The owner's lobby counters.
struct LobbyCountersView {
  std::uint64_t matches_made = 0;
  std::uint64_t repeats_avoided = 0;
};

// {"members":[..],"matches":[..],"counters":{..}} as the owner state route returns it.
nlohmann::json owner_state_json(const MemberRegistry& members, const std::unordered_map<std::string, Match>& matches,
                                const MatchHistory& history, LobbyCountersView counters, std::int64_t now_ms);

}  // namespace swirl::lobby
