#pragma once
// Small builders for the matchmaking unit and property tests (test_matchmaking*.cpp): rules
// by their three knobs, candidates in rank order, and find_matches at a fixed "now".

#include <cstdint>
#include <vector>

#include "swirl/lobby/matchmaking.hpp"

namespace swirl::test {

using Groups = std::vector<std::vector<lobby::MemberId>>;

inline lobby::MatchRules rules_for(int group_size, lobby::WhenExhausted when = lobby::WhenExhausted::wait,
                                   std::int64_t repeat_after_ms = 0) {
  lobby::MatchRules rules;
  rules.group_size = group_size;
  rules.when_exhausted = when;
  rules.repeat_after_ms = repeat_after_ms;
  return rules;
}

// Candidates 0..n-1, member i ready since 1000 + i (so a lower id has waited longer).
inline std::vector<lobby::Candidate> ready_in_order(lobby::MemberId n) {
  std::vector<lobby::Candidate> ready;
  for (lobby::MemberId i = 0; i < n; ++i) ready.push_back({i, std::int64_t{1000} + i});
  return ready;
}

inline Groups match(const std::vector<lobby::Candidate>& ready, const lobby::MatchHistory& history,
                    const lobby::MatchRules& rules, std::int64_t now_ms = 100'000) {
  return lobby::find_matches(ready, history, rules, now_ms);
}

}  // namespace swirl::test
