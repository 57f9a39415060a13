// The matchmaking rule (find_matches) over randomized lobbies: every group it forms keeps the
// rank order, the repeat rule and the no-wasted-fresh-group rule.

#include <catch2/catch.hpp>

#include "support/matchmaking_cases.hpp"
#include "swirl/lobby/matchmaking.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <utility>
#include <vector>

namespace swirl::test::matchmaking_property {
using swirl::lobby::Candidate;
using swirl::lobby::MatchHistory;
using swirl::lobby::MatchRules;
using swirl::lobby::MemberId;
using swirl::lobby::WhenExhausted;

using swirl::test::Groups;
using swirl::test::match;
using swirl::test::rules_for;

// Property test over randomized lobbies. For every produced group G, with U the ready
// candidates left unmatched in the round:
//   1. |G| == group_size, members are ready candidates, nobody is in two groups;
//   2. G is in rank order (ready_since, then id), so G[i] offers to G[j] for i < j;
//   3. wait: no pair in G has met; repeat: every pair in G that has met last met at least
//      repeat_after_ms before now;
//   4. (the repeat rule) for every pair {a, b} in G that has met and every c in U,
//      c has met a and c has met b — neither a nor b had a fresh ready partner left waiting;
//   5. (no wasted fresh group) no group_size members of U are pairwise fresh (checked where
//      the search is exhaustive: group_size <= 3, or few candidates);
//   6. with group_size 2 and repeat, no two members of U are a repeat-eligible pair either.
TEST_CASE("randomized histories respect the repeat rule", "[matchmaking][property]") {
  std::mt19937 rng(20251125);
  auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const double densities[] = {0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 0.97, 1.0};
  const std::int64_t now = 100'000;
  int cases_with_repeats = 0;
  int cases = 0;

  for (int iteration = 0; iteration < 600; ++iteration) {
    const MemberId universe = 40;
    const int g = uniform(2, 4);
    const double density = densities[uniform(0, 7)];
    MatchHistory h;
    std::bernoulli_distribution meets(density);
    for (MemberId a = 0; a < universe; ++a) {
      for (MemberId b = a + 1; b < universe; ++b) {
        if (meets(rng)) h.record(a, b, uniform(0, static_cast<int>(now)));
      }
    }
    std::vector<Candidate> ready;
    for (MemberId id = 0; id < universe; ++id) {
      if (uniform(0, 99) < 60) ready.push_back({id, uniform(0, 30)});
    }
    std::shuffle(ready.begin(), ready.end(), rng);
    const auto when = uniform(0, 1) == 0 ? WhenExhausted::wait : WhenExhausted::repeat;
    const std::int64_t delays[] = {0, 20'000, 60'000, 200'000};
    const auto rules = rules_for(g, when, delays[uniform(0, 3)]);

    const auto groups = match(ready, h, rules, now);
    ++cases;
    INFO("iteration " << iteration << ", group size " << g << ", density " << density << ", repeat "
                      << (when == WhenExhausted::repeat));

    std::map<MemberId, std::int64_t> since;
    for (const auto& c : ready) since[c.id] = c.ready_since_ms;
    auto ranks_before = [&](MemberId x, MemberId y) {
      return since.at(x) != since.at(y) ? since.at(x) < since.at(y) : x < y;
    };

    // 1 and 2.
    std::set<MemberId> matched;
    for (const auto& group : groups) {
      REQUIRE(group.size() == static_cast<std::size_t>(g));
      for (MemberId id : group) {
        REQUIRE(since.count(id) == 1);
        REQUIRE(matched.insert(id).second);
      }
      for (std::size_t i = 0; i + 1 < group.size(); ++i) CHECK(ranks_before(group[i], group[i + 1]));
    }
    std::vector<MemberId> unmatched;
    for (const auto& c : ready) {
      if (!matched.count(c.id)) unmatched.push_back(c.id);
    }

    // 3 and 4.
    bool any_repeat = false;
    for (const auto& group : groups) {
      for (std::size_t i = 0; i < group.size(); ++i) {
        for (std::size_t j = i + 1; j < group.size(); ++j) {
          auto last = h.last_met(group[i], group[j]);
          if (!last) continue;
          any_repeat = true;
          REQUIRE(when == WhenExhausted::repeat);
          CHECK(now - *last >= rules.repeat_after_ms);
          for (MemberId c : unmatched) {
            INFO("repeat pair " << group[i] << "-" << group[j] << ", waiting " << c);
            CHECK(h.met(c, group[i]));
            CHECK(h.met(c, group[j]));
          }
        }
      }
    }
    if (any_repeat) ++cases_with_repeats;

    // 5: brute force over subsets of the unmatched members.
    auto pairwise_fresh = [&](const std::vector<MemberId>& members) {
      for (std::size_t i = 0; i < members.size(); ++i) {
        for (std::size_t j = i + 1; j < members.size(); ++j) {
          if (h.met(members[i], members[j])) return false;
        }
      }
      return true;
    };
    if (g <= 3 || ready.size() <= 20) {
      const std::size_t u = unmatched.size();
      for (std::size_t i = 0; i < u; ++i) {
        for (std::size_t j = i + 1; j < u; ++j) {
          if (g == 2) {
            CHECK_FALSE(pairwise_fresh({unmatched[i], unmatched[j]}));
            continue;
          }
          for (std::size_t k = j + 1; k < u; ++k) {
            if (g == 3) {
              CHECK_FALSE(pairwise_fresh({unmatched[i], unmatched[j], unmatched[k]}));
              continue;
            }
            for (std::size_t l = k + 1; l < u; ++l) {
              CHECK_FALSE(pairwise_fresh({unmatched[i], unmatched[j], unmatched[k], unmatched[l]}));
            }
          }
        }
      }
    }

    // 6.
    if (g == 2 && when == WhenExhausted::repeat) {
      for (std::size_t i = 0; i < unmatched.size(); ++i) {
        for (std::size_t j = i + 1; j < unmatched.size(); ++j) {
          auto last = h.last_met(unmatched[i], unmatched[j]);
          REQUIRE(last.has_value());  // 5 already says they met
          CHECK(now - *last < rules.repeat_after_ms);
        }
      }
    }
  }
  // The generator must actually exercise the repeat pass.
  CHECK(cases == 600);
  CHECK(cases_with_repeats > 50);
}

}  // namespace swirl::test::matchmaking_property
