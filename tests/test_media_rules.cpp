// The pure peer-media rules (lobby/media_rules.hpp): the no-media decision, taking a match's pairs
// back out of the matcher's history, and the relayed media_state frame.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "swirl/lobby/frames.hpp"
#include "swirl/lobby/media_rules.hpp"

using namespace swirl::lobby;
using std::chrono::milliseconds;

TEST_CASE("a match ends for no media only when the rule is on, nobody reported media and the time is up",
          "[media][rules]") {
  MatchMedia waiting;
  CHECK_FALSE(ends_for_no_media(waiting, 1000, 1000, milliseconds(20000)));
  CHECK_FALSE(ends_for_no_media(waiting, 1000, 20999, milliseconds(20000)));
  CHECK(ends_for_no_media(waiting, 1000, 21000, milliseconds(20000)));
  CHECK(ends_for_no_media(waiting, 1000, 99000, milliseconds(20000)));
  // Off: never, however long.
  CHECK_FALSE(ends_for_no_media(waiting, 1000, 1'000'000'000, milliseconds(0)));
  MatchMedia flowing;
  flowing.flowing = true;
  CHECK_FALSE(ends_for_no_media(flowing, 1000, 99000, milliseconds(20000)));
}

TEST_CASE("a no_media match's pairs go back to what the history held before it", "[media][rules]") {
  MatchHistory h;
  h.record(0, 1, 500);  // 0 and 1 met before
  // The match 0-1-2 records three pairs, remembering what each was.
  std::vector<RecordedPair> pairs{{0, 1, h.last_met(0, 1)}, {0, 2, h.last_met(0, 2)}, {1, 2, h.last_met(1, 2)}};
  h.record(0, 1, 9000);
  h.record(0, 2, 9000);
  h.record(1, 2, 9000);
  REQUIRE(h.pair_count() == 3);
  forget_pairs(h, pairs);
  CHECK(h.pair_count() == 1);
  CHECK(h.last_met(0, 1) == 500);
  CHECK_FALSE(h.met(0, 2));
  CHECK_FALSE(h.met(1, 2));
  CHECK(h.partners(2) == 0);
  // Restoring a pair that is not there (or an unknown member) changes nothing.
  h.restore(3, 7, std::nullopt);
  h.restore(0, 2, std::nullopt);
  CHECK(h.pair_count() == 1);
}

TEST_CASE("media_state frames carry the sender and both flags, escaped", "[media][rules]") {
  auto j = nlohmann::json::parse(media_state_frame("u\"1", MediaState{false, true}));
  CHECK(j == nlohmann::json{{"type", "media_state"}, {"from", "u\"1"}, {"camera", false}, {"microphone", true}});
  CHECK(MediaState{} == MediaState{true, true});
}
