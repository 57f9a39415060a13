// Owner endpoints, black-box: every endpoint's success path and auth failures, and the live
// effect on connected WebSocket users.
#include <catch2/catch.hpp>

#include "support/interactions.hpp"
#include "support/test_server.hpp"
#include "support/wait.hpp"
#include "swirl/storage/database.hpp"

using namespace swirl::test;
using nlohmann::json;

namespace {

struct Endpoint {
  std::string method;
  std::string path;  // relative to /api/lobbies/{id}
  json body;
};

std::vector<Endpoint> owner_endpoints() {
  return {{"GET", "/state", nullptr},
          {"PATCH", "/settings", {{"group_size", 3}}},
          {"POST", "/kick", {{"user_id", "someone"}, {"ban_seconds", 60}}},
          {"POST", "/matches/nosuchmatch/end", json::object()},
          {"POST", "/lock", json::object()},
          {"POST", "/unlock", json::object()},
          {"POST", "/announce", {{"message", "hello"}}},
          {"POST", "/transfer", {{"user_id", "someone"}}},
          {"POST", "/close", json::object()}};
}

HttpResult call(HttpClient& http, const Endpoint& e, const std::string& lobby,
                const std::optional<std::string>& token) {
  std::map<std::string, std::string> headers;
  if (token) headers["Authorization"] = "Bearer " + *token;
  return http.request(e.method, "/api/lobbies/" + lobby + e.path, e.body.is_null() ? "" : e.body.dump(), headers);
}

bool has_status(const json& m, const std::string& status) {
  return m["type"] == "lobby_status" && m["status"] == status;
}

}  // namespace

TEMPLATE_TEST_CASE("every owner endpoint refuses missing and wrong tokens, non-owners and unknown lobbies",
                   "[owner][auth]", SqliteBackend, PostgresBackend) {
  TestServer server(TestType::value);
  Interactions it(server);
  auto& owner = it.user("Olga");
  auto& other = it.user("Mallory");
  auto lobby = it.create_lobby(owner);
  auto http = server.client();
  for (const auto& e : owner_endpoints()) {
    INFO(e.method << " " << e.path);
    auto none = call(http, e, lobby, std::nullopt);
    CHECK(none.status == 401);
    CHECK(none.error_code() == "missing_token");
    auto wrong = call(http, e, lobby, std::string(43, 'x'));
    CHECK(wrong.status == 401);
    CHECK(wrong.error_code() == "invalid_token");
    auto not_owner = call(http, e, lobby, other.token);
    CHECK(not_owner.status == 403);
    CHECK(not_owner.error_code() == "not_owner");
    auto unknown = call(http, e, "nosuchlobby00000", owner.token);
    CHECK(unknown.status == 404);
    CHECK(unknown.error_code() == "lobby_not_found");
  }
}

TEMPLATE_TEST_CASE("a closed lobby refuses every change with 409 and stays closed across a restart", "[owner][close]",
                   SqliteBackend, PostgresBackend) {
  std::string url = fresh_database_url(TestType::value);
  std::string lobby, owner_token, member_token;
  {
    TestServer server(url);
    Interactions it(server);
    auto& owner = it.user("Olga");
    auto& ada = it.user("Ada");
    auto& bob = it.user("Bob");
    lobby = it.create_lobby(owner);
    owner_token = owner.token;
    member_token = ada.token;
    ada.join(lobby);
    bob.join(lobby);
    auto r = owner.http->post("/api/lobbies/" + lobby + "/close", json::object(), owner.token);
    REQUIRE(r.status == 200);
    for (auto* u : {&ada, &bob}) {
      u->ws->wait_for_type("lobby_closed");
      CHECK(u->ws->wait_closed());
      CHECK(u->ws->close_code() == 4004);
    }
    auto http = server.client();
    for (const auto& e : owner_endpoints()) {
      if (e.method == "GET") continue;
      INFO(e.method << " " << e.path);
      auto res = call(http, e, lobby, owner.token);
      CHECK(res.status == 409);
      CHECK(res.error_code() == "lobby_closed");
    }
    CHECK(call(http, owner_endpoints()[0], lobby, owner.token).json()["status"] == "closed");
  }
  TestServer again(url);
  auto http = again.client();
  CHECK(http.get("/api/lobbies/" + lobby).json()["status"] == "closed");
  auto refused = refused_join(again.port(), lobby, member_token);
  CHECK(refused.status == 409);
  CHECK(refused.error_code() == "lobby_closed");
}

TEST_CASE("live state shows members, readiness, matches and counters", "[owner][state]") {
  TestServer server(Backend::sqlite);
  Interactions it(server);
  auto& owner = it.user("Olga");
  auto& ada = it.user("Ada");
  auto& bob = it.user("Bob");
  auto& cy = it.user("Cy");
  auto lobby = it.create_lobby(owner);
  auto cold = owner.http->get("/api/lobbies/" + lobby + "/state", owner.token);
  REQUIRE(cold.status == 200);
  CHECK(cold.json()["live"] == false);
  CHECK(cold.json()["members"].empty());

  for (auto* u : {&ada, &bob, &cy}) u->join(lobby);
  // The ages are read off the server's clock; the test's own clock bounds them from above.
  using Clock = std::chrono::steady_clock;
  auto seconds_since = [](Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); };
  constexpr double kSlack = 0.005;  // the server counts whole milliseconds
  auto before_match = Clock::now();
  ada.ready();
  bob.ready();
  ada.ws->wait_for_type("match");
  auto before_cy_ready = Clock::now();
  cy.ready();
  json state;
  CHECK(wait_until([&] {
    state = owner.http->get("/api/lobbies/" + lobby + "/state", owner.token).json();
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
    auto later = ages(owner.http->get("/api/lobbies/" + lobby + "/state", owner.token).json());
    return later.first >= waited + 0.05 && later.second >= age + 0.05;
  }));
}

TEST_CASE("a running lobby forgets users who left without meeting anyone, and remembers who met",
          "[owner][state][lobby]") {
  TestServer server(Backend::sqlite, [](swirl::core::Config& c) {
    c.resume_grace = std::chrono::milliseconds(100);
    c.lobby_idle_shutdown = std::chrono::milliseconds(60'000);
  });
  Interactions it(server);
  auto& owner = it.user("Olga");
  auto& ada = it.user("Ada");
  auto& bob = it.user("Bob");
  auto lobby = it.create_lobby(owner);
  auto counters = [&] { return owner.http->get("/api/lobbies/" + lobby + "/state", owner.token).json()["counters"]; };
  auto members = [&] {
    return owner.http->get("/api/lobbies/" + lobby + "/state", owner.token).json()["members"].size();
  };

  match_pair(lobby, ada, bob);
  ada.leave_match(false);
  bob.ws->wait_for_type("match_ended");
  bob.ready_seen(false);
  // Passers-by who look in and go: each is remembered only while present.
  for (const char* name : {"Cy", "Dee", "Eli", "Fay"}) {
    auto& p = it.user(name);
    p.join(lobby);
    CHECK(counters()["users_remembered"] == 3);
    p.ws->close();
    p.ws.reset();
    CHECK(wait_until([&] { return members() == 2; }));
    CHECK(counters()["users_remembered"] == 2);
  }
  // Ada and Bob leave too: their meeting is history the matcher keeps.
  ada.ws->close();
  bob.ws->close();
  CHECK(wait_until([&] { return members() == 0; }));
  CHECK(counters()["users_remembered"] == 2);
  CHECK(counters()["pairs_met"] == 1);

  // A newcomer takes a reused id with a clean slate; Ada and Bob still count as having met,
  // so the newcomer is matched with whichever of them waited longest, and the other waits.
  auto& gus = it.user("Gus");
  ada.ws.reset();
  bob.ws.reset();
  ada.join(lobby);
  bob.join(lobby);
  gus.join(lobby);
  ada.ready_seen();
  bob.ready_seen();
  gus.ready();
  auto m = gus.ws->wait_for_type("match");
  CHECK(m["peers"][0]["id"] == ada.id);
  CHECK(counters()["users_remembered"] == 3);
  CHECK(counters()["pairs_met"] == 2);
}

TEST_CASE("kick closes the member's socket, a ban keeps them out until it ends", "[owner][kick]") {
  TestServer server(Backend::sqlite);
  Interactions it(server);
  auto& owner = it.user("Olga");
  auto& ada = it.user("Ada");
  auto& bob = it.user("Bob");
  auto lobby = it.create_lobby(owner);
  ada.join(lobby);
  bob.join(lobby);
  ada.ready();
  bob.ready();
  bob.ws->wait_for_type("match");

  auto r =
      owner.http->post("/api/lobbies/" + lobby + "/kick", {{"user_id", bob.id}, {"ban_seconds", 600}}, owner.token);
  REQUIRE(r.status == 200);
  CHECK(r.json()["kicked"] == true);
  auto kicked = bob.ws->wait_for_type("kicked");
  CHECK(kicked["ban_seconds"] == 600);
  CHECK(bob.ws->wait_closed());
  CHECK(bob.ws->close_code() == 4003);
  auto ended = ada.ws->wait_for_type("match_ended");
  CHECK(ended["reason"] == "peer_left");
  CHECK(ended["ready"] == true);

  auto banned = refused_join(server.port(), lobby, bob.token);
  CHECK(banned.status == 403);
  CHECK(banned.error_code() == "banned");
  // The join page can tell them why (browsers cannot read a refused upgrade's status).
  auto probe = bob.http->get("/api/lobbies/" + lobby, bob.token);
  CHECK(probe.status == 403);
  CHECK(probe.error_code() == "banned");
  CHECK(ada.http->get("/api/lobbies/" + lobby, ada.token).status == 200);
  CHECK(bob.http->get("/api/lobbies/" + lobby).status == 200);  // anonymous: public information
  // Kicking someone who is not there (without a ban) is a 404 with the field named.
  auto missing = owner.http->post("/api/lobbies/" + lobby + "/kick", {{"user_id", bob.id}}, owner.token);
  CHECK(missing.status == 404);
  CHECK(missing.error_code() == "member_not_found");
  auto bad =
      owner.http->post("/api/lobbies/" + lobby + "/kick", {{"user_id", ada.id}, {"ban_seconds", -5}}, owner.token);
  CHECK(bad.status == 400);
  CHECK_THAT(bad.json()["error"]["message"].get<std::string>(), Catch::Contains("ban_seconds"));
  CHECK(owner.http->post("/api/lobbies/" + lobby + "/kick", json::object(), owner.token).error_code() ==
        "invalid_user_id");

  // Kicked without a ban: may come straight back.
  auto r2 = owner.http->post("/api/lobbies/" + lobby + "/kick", {{"user_id", ada.id}}, owner.token);
  CHECK(r2.status == 200);
  CHECK(ada.ws->wait_closed());
  ada.ws.reset();
  CHECK(ada.join(lobby).wait_for_type("welcome")["user"]["id"] == ada.id);
}

TEST_CASE("a settings change is applied live: the next match uses the new group size", "[owner][settings]") {
  TestServer server(Backend::sqlite);
  Interactions it(server);
  auto& owner = it.user("Olga");
  std::vector<SimUser*> users = {&it.user("A"), &it.user("B"), &it.user("C")};
  auto lobby = it.create_lobby(owner);
  for (auto* u : users) u->join(lobby);
  auto r = owner.http->patch("/api/lobbies/" + lobby + "/settings", {{"group_size", 3}}, owner.token);
  REQUIRE(r.status == 200);
  CHECK(r.json()["settings"]["group_size"] == 3);
  CHECK(r.json()["applied_live"] == true);
  for (auto* u : users) u->ready();
  for (auto* u : users) CHECK(u->ws->wait_for_type("match")["peers"].size() == 2);

  auto bad = owner.http->patch("/api/lobbies/" + lobby + "/settings", {{"group_size", 9}}, owner.token);
  CHECK(bad.status == 400);
  CHECK(bad.error_code() == "invalid_settings");
  CHECK_THAT(bad.json()["error"]["message"].get<std::string>(), Catch::Contains("group_size"));
  auto unknown = owner.http->patch("/api/lobbies/" + lobby + "/settings", {{"colour", "red"}}, owner.token);
  CHECK_THAT(unknown.json()["error"]["message"].get<std::string>(), Catch::Contains("colour"));
  // Persisted: public info and the cold state agree.
  CHECK(owner.http->get("/api/lobbies/" + lobby).json()["settings"]["group_size"] == 3);
}

TEST_CASE("lock refuses newcomers while members stay, unlock lets them in", "[owner][lock]") {
  TestServer server(Backend::sqlite);
  Interactions it(server);
  auto& owner = it.user("Olga");
  auto& ada = it.user("Ada");
  auto& bob = it.user("Bob");
  auto lobby = it.create_lobby(owner);
  ada.join(lobby);
  REQUIRE(owner.http->post("/api/lobbies/" + lobby + "/lock", json::object(), owner.token).status == 200);
  ada.ws->wait_for([](const json& m) { return has_status(m, "locked"); });
  auto locked = refused_join(server.port(), lobby, bob.token);
  CHECK(locked.status == 423);
  CHECK(locked.error_code() == "lobby_locked");
  CHECK_FALSE(ada.ws->closed());
  // A member who drops may come back while it is locked.
  ada.ws->drop();
  ada.ws.reset();
  CHECK(ada.join(lobby).wait_for_type("welcome")["resumed"] == true);
  REQUIRE(owner.http->post("/api/lobbies/" + lobby + "/unlock", json::object(), owner.token).status == 200);
  bob.ws.reset();
  CHECK(bob.join(lobby).wait_for_type("welcome")["lobby"]["status"] == "open");
}

TEST_CASE("announce reaches every member, end a match, transfer ownership", "[owner][announce]") {
  TestServer server(Backend::sqlite);
  Interactions it(server);
  auto& owner = it.user("Olga");
  auto& ada = it.user("Ada");
  auto& bob = it.user("Bob");
  auto& cy = it.user("Cy");
  auto lobby = it.create_lobby(owner);
  for (auto* u : {&ada, &bob, &cy}) u->join(lobby);
  auto r =
      owner.http->post("/api/lobbies/" + lobby + "/announce", {{"message", "Last round in 5 minutes!"}}, owner.token);
  REQUIRE(r.status == 200);
  CHECK(r.json()["delivered"] == 3);
  for (auto* u : {&ada, &bob, &cy})
    CHECK(u->ws->wait_for_type("announcement")["message"] == "Last round in 5 minutes!");
  CHECK(owner.http->post("/api/lobbies/" + lobby + "/announce", {{"message", std::string(501, 'x')}}, owner.token)
            .status == 400);
  CHECK(owner.http->post("/api/lobbies/" + lobby + "/announce", {{"message", ""}}, owner.token).error_code() ==
        "invalid_message");

  ada.ready();
  bob.ready();
  auto match = ada.ws->wait_for_type("match");
  auto end = owner.http->post("/api/lobbies/" + lobby + "/matches/" + match["match_id"].get<std::string>() + "/end",
                              json::object(), owner.token);
  REQUIRE(end.status == 200);
  for (auto* u : {&ada, &bob}) {
    auto e = u->ws->wait_for_type("match_ended");
    CHECK(e["reason"] == "owner_ended");
    CHECK(e["ready"] == true);
  }
  CHECK(owner.http
            ->post("/api/lobbies/" + lobby + "/matches/" + match["match_id"].get<std::string>() + "/end",
                   json::object(), owner.token)
            .status == 404);

  auto t = owner.http->post("/api/lobbies/" + lobby + "/transfer", {{"user_id", cy.id}}, owner.token);
  REQUIRE(t.status == 200);
  CHECK(owner.http->get("/api/lobbies/" + lobby + "/state", owner.token).status == 403);
  CHECK(cy.http->get("/api/lobbies/" + lobby + "/state", cy.token).status == 200);
  CHECK(cy.http->post("/api/lobbies/" + lobby + "/transfer", {{"user_id", "nobody"}}, cy.token).error_code() ==
        "user_not_found");
}

TEST_CASE("owner calls on a lobby without a live actor are persisted for when it starts", "[owner][cold]") {
  TestServer server(Backend::sqlite);
  Interactions it(server);
  auto& owner = it.user("Olga");
  auto& ada = it.user("Ada");
  auto lobby = it.create_lobby(owner);
  CHECK(owner.http->patch("/api/lobbies/" + lobby + "/settings", {{"group_size", 4}}, owner.token)
            .json()["applied_live"] == false);
  CHECK(owner.http->post("/api/lobbies/" + lobby + "/announce", {{"message", "nobody here"}}, owner.token)
            .json()["delivered"] == 0);
  CHECK(server.app().supervisor().live_lobbies() == 0);  // nothing was spawned for those calls
  CHECK(ada.join(lobby).wait_for_type("welcome")["lobby"]["settings"]["group_size"] == 4);
}

TEMPLATE_TEST_CASE(
    "bans hold without a database query: a live lobby learns them at once, a sleeping one when it spawns",
    "[owner][kick][ban]", SqliteBackend, PostgresBackend) {
  TestServer server(TestType::value, [](swirl::core::Config& c) { c.resume_grace = std::chrono::milliseconds(200); });
  Interactions it(server);
  auto& owner = it.user("Olga");
  auto& ada = it.user("Ada");
  auto& bob = it.user("Bob");
  auto& cy = it.user("Cy");
  auto& supervisor = server.app().supervisor();
  // Only a member or former member can be banned: Bob has been in both lobbies and left.
  auto member_count = [&](const std::string& lobby) {
    return owner.http->get("/api/lobbies/" + lobby).json()["member_count"].get<int>();
  };
  auto live = it.create_lobby(owner);
  auto sleeping = it.create_lobby(owner, "Test lobby", 2, {{"idle_shutdown_seconds", 1}});
  bob.join(sleeping);
  bob.ws.reset();
  REQUIRE(wait_until([&] { return supervisor.live_lobbies() == 0; }));
  bob.join(live);
  bob.ws.reset();
  ada.join(live);
  REQUIRE(wait_until([&] { return member_count(live) == 1; }));

  // Live lobby: Bob is banned while away; the actor refuses him from memory.
  auto r = owner.http->post("/api/lobbies/" + live + "/kick", {{"user_id", bob.id}, {"ban_seconds", 600}}, owner.token);
  REQUIRE(r.status == 200);
  CHECK(r.json()["kicked"] == false);
  auto refused = refused_join(server.port(), live, bob.token);
  CHECK(refused.status == 403);
  CHECK(refused.error_code() == "banned");
  CHECK(bob.http->get("/api/lobbies/" + live, bob.token).error_code() == "banned");
  CHECK(cy.join(live).wait_for_type("welcome")["user"]["id"] == cy.id);  // others are not affected

  // Sleeping lobby: the ban is stored; the upgrade spawns the lobby, which loads it.
  REQUIRE(
      owner.http->post("/api/lobbies/" + sleeping + "/kick", {{"user_id", bob.id}, {"ban_seconds", 600}}, owner.token)
          .status == 200);
  auto spawned = supervisor.counters().lobbies_spawned.load();
  auto refused2 = refused_join(server.port(), sleeping, bob.token);
  CHECK(refused2.status == 403);
  CHECK(refused2.error_code() == "banned");
  CHECK(supervisor.counters().lobbies_spawned.load() == spawned + 1);
  CHECK(ada.join(sleeping).wait_for_type("welcome")["lobby"]["id"] == sleeping);
}

TEMPLATE_TEST_CASE("a ban ends on time in a live lobby", "[owner][kick][ban]", SqliteBackend, PostgresBackend) {
  TestServer server(TestType::value);
  Interactions it(server);
  auto& owner = it.user("Olga");
  auto& bob = it.user("Bob");
  auto lobby = it.create_lobby(owner);
  bob.join(lobby);
  REQUIRE(owner.http->post("/api/lobbies/" + lobby + "/kick", {{"user_id", bob.id}, {"ban_seconds", 1}}, owner.token)
              .status == 200);
  CHECK(bob.ws->wait_closed());
  bob.ws.reset();
  CHECK(refused_join(server.port(), lobby, bob.token).error_code() == "banned");
  CHECK(wait_until([&] { return bob.http->get("/api/lobbies/" + lobby, bob.token).status == 200; },
                   std::chrono::seconds(5)));
  CHECK(bob.join(lobby).wait_for_type("welcome")["user"]["id"] == bob.id);
}

TEMPLATE_TEST_CASE("the live actor and the database agree on the lobby after every owner action", "[owner][record]",
                   SqliteBackend, PostgresBackend) {
  TestServer server(TestType::value);
  Interactions it(server);
  auto& owner = it.user("Olga");
  auto& ada = it.user("Ada");
  auto& bob = it.user("Bob");
  auto lobby = it.create_lobby(owner);
  ada.join(lobby);
  bob.join(lobby);
  auto db = swirl::storage::open_database(server.database_url(), {});
  std::string token = owner.token;

  // The owner state of a live lobby comes from its actor; the database is read behind its back.
  auto agree = [&](const std::string& after) {
    INFO("after " << after);
    auto state = owner.http->get("/api/lobbies/" + lobby + "/state", token);
    REQUIRE(state.status == 200);
    auto live = state.json();
    auto stored = db->find_lobby(lobby);
    REQUIRE(stored);
    CHECK(live["live"] == true);
    CHECK(live["owner_id"] == stored->owner_id);
    CHECK(live["status"] == std::string(swirl::storage::to_string(stored->status)));
    CHECK(live["settings"] == stored->settings.to_json());
  };
  agree("the first join");

  auto patch = owner.http->request("PATCH", "/api/lobbies/" + lobby + "/settings", R"({"round_seconds":90})",
                                   {{"Authorization", "Bearer " + token}});
  REQUIRE(patch.status == 200);
  CHECK(patch.json()["applied_live"] == true);
  agree("settings");
  REQUIRE(owner.http->post("/api/lobbies/" + lobby + "/lock", json::object(), token).status == 200);
  agree("lock");
  REQUIRE(owner.http->post("/api/lobbies/" + lobby + "/unlock", json::object(), token).status == 200);
  agree("unlock");
  REQUIRE(
      owner.http->post("/api/lobbies/" + lobby + "/kick", {{"user_id", bob.id}, {"ban_seconds", 600}}, token).status ==
      200);
  agree("kick with a ban");
  CHECK(db->banned_until(lobby, bob.id).has_value());
  CHECK(refused_join(server.port(), lobby, bob.token).error_code() == "banned");  // the actor knows it too

  REQUIRE(owner.http->post("/api/lobbies/" + lobby + "/transfer", {{"user_id", ada.id}}, token).status == 200);
  // The old owner is refused at once (the actor answers who owns the lobby), the new one is let in.
  CHECK(owner.http->get("/api/lobbies/" + lobby + "/state", token).error_code() == "not_owner");
  token = ada.token;
  agree("transfer");

  REQUIRE(ada.http->post("/api/lobbies/" + lobby + "/close", json::object(), token).status == 200);
  auto stored = db->find_lobby(lobby);
  REQUIRE(stored);
  CHECK(stored->status == swirl::storage::LobbyStatus::closed);
  auto state = ada.http->get("/api/lobbies/" + lobby + "/state", token);
  REQUIRE(state.status == 200);
  CHECK(state.json()["live"] == false);  // closed: no actor any more, the database answers
  CHECK(state.json()["status"] == "closed");
}

TEST_CASE("the owner state shows why each ready member is still waiting", "[owner][state][waiting]") {
  TestServer server(Backend::sqlite);
  Interactions it(server);
  auto& owner = it.user("Olga");
  auto& ada = it.user("Ada");
  auto& bob = it.user("Bob");
  auto lobby = it.create_lobby(owner);
  ada.join(lobby);
  bob.join(lobby);
  // Each member's `waiting` in the owner state, by user id.
  auto waiting = [&] {
    std::map<std::string, json> out;
    auto state = owner.http->get("/api/lobbies/" + lobby + "/state", owner.token);
    REQUIRE(state.status == 200);
    auto body = state.json();
    for (const auto& m : body["members"]) out[m["id"].get<std::string>()] = m["waiting"];
    return out;
  };
  std::map<std::string, json> last;
  auto shows = [&](const json& for_ada, const json& for_bob) {
    bool ok = wait_until([&] {
      last = waiting();
      return last[ada.id] == for_ada && last[bob.id] == for_bob;
    });
    if (!ok) FAIL_CHECK("owner state: Ada " << last[ada.id].dump() << ", Bob " << last[bob.id].dump());
    return ok;
  };
  CHECK(shows(nullptr, nullptr));  // nobody is ready: nobody waits

  ada.ready();
  ada.ws->wait_for_type("waiting");
  CHECK(shows("nobody_ready", nullptr));

  bob.ready();
  ada.ws->wait_for_type("match");
  CHECK(shows(nullptr, nullptr));  // in a match: not waiting

  // "Next": both ready again, but they have met and the lobby does not repeat.
  ada.leave_match(true);
  bob.ws->wait_for_type("waiting");
  CHECK(shows("met_everyone", "met_everyone"));
}
