// Unit tests for the pure lobby rules: matchmaking (find_matches, MatchHistory) and readiness.

#include <catch2/catch.hpp>

#include "support/matchmaking_cases.hpp"
#include "swirl/lobby/matchmaking.hpp"
#include "swirl/lobby/readiness.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <utility>
#include <vector>

using swirl::lobby::Candidate;
using swirl::lobby::find_matches;
using swirl::lobby::MatchHistory;
using swirl::lobby::MatchRules;
using swirl::lobby::MemberId;
using swirl::lobby::status_interval;
using swirl::lobby::WhenExhausted;

using swirl::test::Groups;
using swirl::test::match;
using swirl::test::ready_in_order;
using swirl::test::rules_for;

TEST_CASE("history records symmetric pairs and keeps the latest time", "[matchmaking][history]") {
  MatchHistory h;
  CHECK_FALSE(h.met(1, 2));
  CHECK(h.pair_count() == 0);
  CHECK(h.partners(7) == 0);
  CHECK(h.partners_of(7).empty());

  h.record(1, 2, 500);
  CHECK(h.met(1, 2));
  CHECK(h.met(2, 1));
  CHECK(h.last_met(2, 1) == std::optional<std::int64_t>{500});
  CHECK_FALSE(h.met(1, 3));
  CHECK_FALSE(h.last_met(1, 99).has_value());

  h.record(2, 1, 900);
  h.record(1, 2, 700);  // older replay must not move "last met" back
  CHECK(h.last_met(1, 2) == std::optional<std::int64_t>{900});
  CHECK(h.pair_count() == 1);

  h.record(1, 5, 10);
  h.record(1, 3, 10);
  h.record(4, 4, 10);  // self-matches are ignored
  CHECK(h.pair_count() == 3);
  CHECK(h.partners(1) == 3);
  CHECK(h.partners(4) == 0);
  auto p = h.partners_of(1);
  CHECK(std::vector<MemberId>(p.begin(), p.end()) == std::vector<MemberId>{2, 3, 5});
}

TEST_CASE("forget drops a member's pairs and releases its memory", "[matchmaking][history]") {
  MatchHistory h;
  for (MemberId other = 1; other <= 200; ++other) h.record(0, other, other);
  h.record(1, 2, 5);
  CHECK(h.pair_count() == 201);
  auto before = h.memory_bytes();

  h.forget(0);
  CHECK(h.pair_count() == 1);
  CHECK(h.partners(0) == 0);
  CHECK(h.partners(1) == 1);
  CHECK_FALSE(h.met(0, 7));
  CHECK_FALSE(h.met(7, 0));
  CHECK(h.met(1, 2));
  CHECK(h.memory_bytes() < before);

  // The id can be reused by a newcomer with a clean slate.
  h.record(0, 3, 50);
  CHECK(h.partners(0) == 1);
  CHECK(h.pair_count() == 2);
  h.forget(12345);  // unknown: no-op
  CHECK(h.pair_count() == 2);
}

TEST_CASE("pairs are formed longest-waiting first, offerer first", "[matchmaking]") {
  MatchHistory h;
  // Input order is scrambled on purpose: the matcher ranks by ready_since, then id.
  std::vector<Candidate> ready{{30, 400}, {10, 100}, {40, 100}, {20, 300}};
  auto groups = match(ready, h, rules_for(2));
  // Ranks: 10 (100), 40 (100, tie broken by id), 20 (300), 30 (400).
  CHECK(groups == Groups{{10, 40}, {20, 30}});
}

TEST_CASE("an odd member out is the one who arrived last", "[matchmaking]") {
  MatchHistory h;
  auto groups = match(ready_in_order(5), h, rules_for(2));
  CHECK(groups == Groups{{0, 1}, {2, 3}});

  // With only three ready, the newest waits.
  std::vector<Candidate> three{{7, 50}, {8, 10}, {9, 30}};
  CHECK(match(three, h, rules_for(2)) == Groups{{8, 9}});

  CHECK(match({}, h, rules_for(2)).empty());
  CHECK(match({{1, 0}}, h, rules_for(2)).empty());
}

TEST_CASE("groups of 3 and 4 are meshes of fresh pairs", "[matchmaking]") {
  MatchHistory h;
  CHECK(match(ready_in_order(7), h, rules_for(3)) == Groups{{0, 1, 2}, {3, 4, 5}});
  CHECK(match(ready_in_order(9), h, rules_for(4)) == Groups{{0, 1, 2, 3}, {4, 5, 6, 7}});
  CHECK(match(ready_in_order(3), h, rules_for(4)).empty());

  // 0 met 1: the first triple skips 1, who then anchors the next one.
  h.record(0, 1, 0);
  CHECK(match(ready_in_order(6), h, rules_for(3)) == Groups{{0, 2, 3}, {1, 4, 5}});

  // Every pair inside a group must be fresh, not just pairs with the anchor: 2 met 3.
  h.record(2, 3, 0);
  CHECK(match(ready_in_order(6), h, rules_for(3)) == Groups{{0, 2, 4}, {1, 3, 5}});

  // With 4: {0,2,4,5} is the first fresh group in rank order; 1 and 3 are left.
  CHECK(match(ready_in_order(6), h, rules_for(4)) == Groups{{0, 2, 4, 5}});
}

TEST_CASE("no repeat while a fresh partner is ready", "[matchmaking]") {
  MatchHistory h;
  h.record(0, 1, 0);
  // 0 and 1 waited longest but have met: both get someone new.
  CHECK(match(ready_in_order(4), h, rules_for(2)) == Groups{{0, 2}, {1, 3}});

  // 0 met 1 and 2; 1 and 2 have not met each other.
  h.record(0, 2, 0);
  CHECK(match(ready_in_order(3), h, rules_for(2)) == Groups{{1, 2}});
  // Even in repeat mode with no delay: 0 stays out rather than repeating while 1-2 are fresh.
  CHECK(match(ready_in_order(3), h, rules_for(2, WhenExhausted::repeat, 0)) == Groups{{1, 2}});

  // A fresh partner keeps a member from repeating: 2 met 0 and 1, and 3 is new to 2.
  MatchHistory h2;
  h2.record(0, 1, 0);
  h2.record(0, 2, 0);
  h2.record(1, 2, 0);
  auto groups = match(ready_in_order(4), h2, rules_for(2, WhenExhausted::repeat, 0));
  // Pass 1 pairs 0-3 (fresh); 1 and 2 have met everyone left, so they may repeat.
  CHECK(groups == Groups{{0, 3}, {1, 2}});
}

TEST_CASE("wait never repeats, repeat waits for the delay", "[matchmaking]") {
  MatchHistory h;
  h.record(0, 1, 10'000);
  auto ready = ready_in_order(2);

  CHECK(match(ready, h, rules_for(2, WhenExhausted::wait), 1'000'000).empty());

  auto repeat = rules_for(2, WhenExhausted::repeat, 60'000);
  CHECK(match(ready, h, repeat, 69'999).empty());
  CHECK(match(ready, h, repeat, 70'000) == Groups{{0, 1}});

  // The delay counts from the last meeting.
  h.record(0, 1, 65'000);
  CHECK(match(ready, h, repeat, 70'000).empty());
  CHECK(match(ready, h, repeat, 125'000) == Groups{{0, 1}});
}

TEST_CASE("repeat groups of 3 keep fresh partners together", "[matchmaking]") {
  // Everyone has met everyone except the listed fresh pairs.
  auto all_met_except = [](MemberId n, std::set<std::pair<MemberId, MemberId>> fresh) {
    MatchHistory h;
    for (MemberId a = 0; a < n; ++a) {
      for (MemberId b = a + 1; b < n; ++b) {
        if (!fresh.count({a, b})) h.record(a, b, 0);
      }
    }
    return h;
  };
  auto repeat = rules_for(3, WhenExhausted::repeat, 0);

  SECTION("the member who met everyone fills the group, not one with a fresh partner") {
    auto h = all_met_except(4, {{0, 1}});
    CHECK(match(ready_in_order(4), h, repeat) == Groups{{0, 1, 2}});
    CHECK(match(ready_in_order(4), h, rules_for(3)).empty());
  }
  SECTION("a member whose fresh partner would be left out cannot repeat") {
    // 0-1 and 2-3 are fresh; {0,1,2} would leave 3, who has not met 2, waiting.
    auto h = all_met_except(5, {{0, 1}, {2, 3}});
    CHECK(match(ready_in_order(5), h, repeat) == Groups{{0, 1, 4}});
  }
  SECTION("a required fresh partner is pulled into the group") {
    // 0 and 2 are fresh; 0's first pick 1 is a repeat, so 2 must come along.
    auto h = all_met_except(4, {{0, 2}});
    CHECK(match(ready_in_order(4), h, repeat) == Groups{{0, 1, 2}});
  }
}

TEST_CASE("group size outside 2..4 is refused", "[matchmaking]") {
  MatchHistory h;
  CHECK_THROWS_AS(match(ready_in_order(4), h, rules_for(1)), std::invalid_argument);
  CHECK_THROWS_AS(match(ready_in_order(8), h, rules_for(5)), std::invalid_argument);
}

TEST_CASE("the result does not depend on input order", "[matchmaking]") {
  std::mt19937 rng(7);
  MatchHistory h;
  for (int i = 0; i < 3000; ++i) {
    h.record(static_cast<MemberId>(rng() % 300), static_cast<MemberId>(rng() % 300),
             static_cast<std::int64_t>(rng() % 50'000));
  }
  std::vector<Candidate> ready;
  for (MemberId id = 0; id < 300; id += 1 + rng() % 2) {
    ready.push_back({id, static_cast<std::int64_t>(rng() % 100)});  // many ties
  }
  for (int g = 2; g <= 4; ++g) {
    for (auto when : {WhenExhausted::wait, WhenExhausted::repeat}) {
      auto rules = rules_for(g, when, 20'000);
      auto expected = match(ready, h, rules);
      CHECK_FALSE(expected.empty());
      for (int round = 0; round < 5; ++round) {
        auto shuffled = ready;
        std::shuffle(shuffled.begin(), shuffled.end(), rng);
        CHECK(match(shuffled, h, rules) == expected);
      }
    }
  }
}

TEST_CASE("readiness after a match ends follows the protocol table", "[matchmaking][readiness]") {
  using swirl::lobby::MatchEndReason;
  using swirl::lobby::ready_after_match_end;
  using swirl::storage::to_string;

  for (bool before : {false, true}) {
    CHECK(ready_after_match_end(MatchEndReason::left, true, before));
    CHECK_FALSE(ready_after_match_end(MatchEndReason::left, false, before));
  }
  for (bool requested : {false, true}) {
    // Through no choice of their own: back in the pool, unless they said `ready:false` in the match.
    for (auto reason : {MatchEndReason::peer_left, MatchEndReason::peer_disconnected, MatchEndReason::round_over,
                        MatchEndReason::owner_ended, MatchEndReason::no_media}) {
      INFO(to_string(reason));
      CHECK(ready_after_match_end(reason, requested, true));
      CHECK_FALSE(ready_after_match_end(reason, requested, false));
    }
    CHECK_FALSE(ready_after_match_end(MatchEndReason::kicked, requested, true));
    CHECK_FALSE(ready_after_match_end(MatchEndReason::kicked, requested, false));
  }

  CHECK(to_string(MatchEndReason::left) == "left");
  CHECK(to_string(MatchEndReason::peer_left) == "peer_left");
  CHECK(to_string(MatchEndReason::peer_disconnected) == "peer_disconnected");
  CHECK(to_string(MatchEndReason::round_over) == "round_over");
  CHECK(to_string(MatchEndReason::owner_ended) == "owner_ended");
  CHECK(to_string(MatchEndReason::kicked) == "kicked");
  CHECK(to_string(MatchEndReason::no_media) == "no_media");
}

TEST_CASE("lobby_status snapshots slow down as a lobby grows, within bounds", "[matchmaking][readiness]") {
  using std::chrono::milliseconds;
  CHECK(status_interval(0) == milliseconds(100));
  CHECK(status_interval(2) == milliseconds(100));
  CHECK(status_interval(500) == milliseconds(100));
  CHECK(status_interval(501) == milliseconds(200));
  CHECK(status_interval(5000) == milliseconds(1000));
  CHECK(status_interval(9999) == milliseconds(2000));
  CHECK(status_interval(1000000) == milliseconds(2000));
  // Never faster for a bigger lobby.
  for (std::size_t n = 1; n < 20000; n += 97) CHECK(status_interval(n) <= status_interval(n + 97));
}

TEST_CASE("members ready in the same millisecond are served in the order they became ready", "[matchmaking]") {
  MatchHistory history;
  MatchRules rules;
  rules.group_size = 2;
  // Same timestamp everywhere; `order` says who was first, and it is not the id order.
  std::vector<Candidate> ready = {{5, 100, 2}, {1, 100, 3}, {9, 100, 1}};
  auto groups = find_matches(ready, history, rules, 1000);
  REQUIRE(groups.size() == 1);
  std::vector<MemberId> g = groups[0];
  std::sort(g.begin(), g.end());
  CHECK(g == std::vector<MemberId>{5, 9});
}

TEST_CASE("why a member the matcher left waiting is waiting", "[matchmaking][readiness]") {
  using swirl::lobby::waiting_reason;
  using swirl::lobby::WaitingReason;
  // Pairs: alone, or with someone free who is no stranger.
  CHECK(waiting_reason(0, 2) == WaitingReason::nobody_ready);
  CHECK(waiting_reason(1, 2) == WaitingReason::met_everyone);
  CHECK(waiting_reason(5, 2) == WaitingReason::met_everyone);
  // Groups of four need three others before history can be what keeps them apart.
  CHECK(waiting_reason(2, 4) == WaitingReason::nobody_ready);
  CHECK(waiting_reason(3, 4) == WaitingReason::met_everyone);
  CHECK(waiting_reason(1, 3) == WaitingReason::nobody_ready);
  CHECK(waiting_reason(2, 3) == WaitingReason::met_everyone);
  CHECK(swirl::lobby::to_string(WaitingReason::nobody_ready) == "nobody_ready");
  CHECK(swirl::lobby::to_string(WaitingReason::met_everyone) == "met_everyone");
  CHECK(swirl::lobby::to_string(WaitingReason::none).empty());
}
