// The owner state (GET /api/lobbies/{id}/state), black-box: members, readiness, matches and
// counters of a live lobby, what the lobby remembers about who came and went, and why each
// ready member is still waiting.
#include <catch2/catch.hpp>

#include <map>

#include "support/lobby_with_members.hpp"
#include "support/wait.hpp"

namespace swirl::test::owner_state {
using nlohmann::json;

TEST_CASE("live state shows members, readiness, matches and counters", "[owner][state]") {
  LobbyWithMembers room(Backend::sqlite);
  auto& cy = room.it.user("Cy");
  auto cold = room.owner.http->get("/api/lobbies/" + room.lobby + "/state", room.owner.token);
  REQUIRE(cold.status == 200);
  CHECK(cold.json()["live"] == false);
  CHECK(cold.json()["members"].empty());

  for (auto* u : {&room.ada, &room.bob, &cy}) u->join(room.lobby);
  // The ages are read off the server's clock; the test's own clock bounds them from above.
  using Clock = std::chrono::steady_clock;
  auto seconds_since = [](Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); };
  constexpr double kSlack = 0.005;  // the server counts whole milliseconds
  auto before_match = Clock::now();
  room.ada.ready();
  room.bob.ready();
  room.ada.ws->wait_for_type("match");
  auto before_cy_ready = Clock::now();
  cy.ready();
  json state;
  CHECK(wait_until([&] {
    state = room.owner.http->get("/api/lobbies/" + room.lobby + "/state", room.owner.token).json();
    // Cy's `ready` travels on Cy's own socket: wait until the lobby has seen it too.
    bool cy_ready = false;
    for (const auto& m : state["members"])
      if (m["id"] == cy.id) cy_ready = m["ready"] == true;
    return state["members"].size() == 3 && state["matches"].size() == 1 && cy_ready;
  }));
  CHECK(state["live"] == true);
  CHECK(state["counters"]["matches_made"] == 1);
  CHECK(state["settings"]["group_size"] == 2);
  // Cy's wait and the match's age as the state tells them, each no more than the time since
  // the test started it.
  auto ages = [&](const json& st) {
    double cy_waiting = -1;
    for (const auto& m : st["members"])
      if (m["id"] == cy.id) cy_waiting = m["waiting_seconds"].get<double>();
    double cy_bound = seconds_since(before_cy_ready) + kSlack, match_bound = seconds_since(before_match) + kSlack;
    double match_age = st["matches"][0]["age_seconds"].get<double>();
    CHECK(cy_waiting >= 0);
    CHECK(cy_waiting <= cy_bound);
    CHECK(match_age >= 0);
    CHECK(match_age <= match_bound);
    return std::pair{cy_waiting, match_age};
  };
  for (const auto& m : state["members"]) {
    CHECK(m["connection"] == "connected");
    if (m["id"] == cy.id) {
      CHECK(m["ready"] == true);
      CHECK(m["match_id"].is_null());
    } else {
      CHECK(m["match_id"] == state["matches"][0]["id"]);
      CHECK(m["waiting_seconds"] == 0);  // matched: not waiting
    }
  }
  auto first = ages(state);
  double waited = first.first, age = first.second;
  // And both keep counting: a later read shows each at least 50 ms older.
  CHECK(wait_until([&] {
    auto later = ages(room.owner.http->get("/api/lobbies/" + room.lobby + "/state", room.owner.token).json());
    return later.first >= waited + 0.05 && later.second >= age + 0.05;
  }));
}

TEST_CASE("a running lobby forgets users who left without meeting anyone, and remembers who met",
          "[owner][state][lobby]") {
  LobbyWithMembers room(Backend::sqlite, {.config = [](swirl::core::Config& c) {
                          c.resume_grace = std::chrono::milliseconds(100);
                          c.lobby_idle_shutdown = std::chrono::milliseconds(60'000);
                        }});
  auto counters = [&] {
    return room.owner.http->get("/api/lobbies/" + room.lobby + "/state", room.owner.token).json()["counters"];
  };
  auto members = [&] {
    return room.owner.http->get("/api/lobbies/" + room.lobby + "/state", room.owner.token).json()["members"].size();
  };

  room.match();
  room.ada.leave_match(false);
  room.bob.ws->wait_for_type("match_ended");
  room.bob.ready_seen(false);
  // Passers-by who look in and go: each is remembered only while present.
  for (const char* name : {"Cy", "Dee", "Eli", "Fay"}) {
    auto& p = room.it.user(name);
    p.join(room.lobby);
    CHECK(counters()["users_remembered"] == 3);
    p.ws->close();
    p.ws.reset();
    CHECK(wait_until([&] { return members() == 2; }));
    CHECK(counters()["users_remembered"] == 2);
  }
  // Ada and Bob leave too: their meeting is history the matcher keeps.
  room.ada.ws->close();
  room.bob.ws->close();
  CHECK(wait_until([&] { return members() == 0; }));
  CHECK(counters()["users_remembered"] == 2);
  CHECK(counters()["pairs_met"] == 1);

  // A newcomer takes a reused id with a clean slate; Ada and Bob still count as having met,
  // so the newcomer is matched with whichever of them waited longest, and the other waits.
  auto& gus = room.it.user("Gus");
  room.ada.ws.reset();
  room.bob.ws.reset();
  room.ada.join(room.lobby);
  room.bob.join(room.lobby);
  gus.join(room.lobby);
  room.ada.ready_seen();
  room.bob.ready_seen();
  gus.ready();
  auto m = gus.ws->wait_for_type("match");
  CHECK(m["peers"][0]["id"] == room.ada.id);
  CHECK(counters()["users_remembered"] == 3);
  CHECK(counters()["pairs_met"] == 2);
}

TEST_CASE("the owner state shows why each ready member is still waiting", "[owner][state][waiting]") {
  LobbyWithMembers room(Backend::sqlite);
  room.ada.join(room.lobby);
  room.bob.join(room.lobby);
  // Each member's `waiting` in the owner state, by user id.
  auto waiting = [&] {
    std::map<std::string, json> out;
    auto state = room.owner.http->get("/api/lobbies/" + room.lobby + "/state", room.owner.token);
    REQUIRE(state.status == 200);
    auto body = state.json();
    for (const auto& m : body["members"]) out[m["id"].get<std::string>()] = m["waiting"];
    return out;
  };
  std::map<std::string, json> last;
  auto shows = [&](const json& for_ada, const json& for_bob) {
    bool ok = wait_until([&] {
      last = waiting();
      return last[room.ada.id] == for_ada && last[room.bob.id] == for_bob;
    });
    if (!ok) FAIL_CHECK("owner state: Ada " << last[room.ada.id].dump() << ", Bob " << last[room.bob.id].dump());
    return ok;
  };
  CHECK(shows(nullptr, nullptr));  // nobody is ready: nobody waits

  room.ada.ready();
  room.ada.ws->wait_for_type("waiting");
  CHECK(shows("nobody_ready", nullptr));

  room.bob.ready();
  room.ada.ws->wait_for_type("match");
  CHECK(shows(nullptr, nullptr));  // in a match: not waiting

  // "Next": both ready again, but they have met and the lobby does not repeat.
  room.ada.leave_match(true);
  room.bob.ws->wait_for_type("waiting");
  CHECK(shows("met_everyone", "met_everyone"));
}

}  // namespace swirl::test::owner_state
