// Kicks and bans by the owner, black-box: a kick closes the member's socket, a ban keeps them out
// until it ends, and bans hold from the actor's memory in a live lobby or from the database
// when a sleeping lobby spawns.
#include <catch2/catch.hpp>

#include "support/lobby_with_members.hpp"
#include "support/wait.hpp"

namespace swirl::test::owner_kick {
using nlohmann::json;

TEST_CASE("kick closes the member's socket, a ban keeps them out until it ends", "[owner][kick]") {
  LobbyWithMembers room(Backend::sqlite);
  room.ada.join(room.lobby);
  room.bob.join(room.lobby);
  room.ada.ready();
  room.bob.ready();
  room.bob.ws->wait_for_type("match");

  auto r = room.owner.http->post("/api/lobbies/" + room.lobby + "/kick",
                                 {{"user_id", room.bob.id}, {"ban_seconds", 600}}, room.owner.token);
  REQUIRE(r.status == 200);
  CHECK(r.json()["kicked"] == true);
  auto kicked = room.bob.ws->wait_for_type("kicked");
  CHECK(kicked["ban_seconds"] == 600);
  CHECK(room.bob.ws->wait_closed());
  CHECK(room.bob.ws->close_code() == 4003);
  auto ended = room.ada.ws->wait_for_type("match_ended");
  CHECK(ended["reason"] == "peer_left");
  CHECK(ended["ready"] == true);

  auto banned = refused_join(room.server.port(), room.lobby, room.bob.token);
  CHECK(banned.status == 403);
  CHECK(banned.error_code() == "banned");
  // The join page can tell them why (browsers cannot read a refused upgrade's status).
  auto probe = room.bob.http->get("/api/lobbies/" + room.lobby, room.bob.token);
  CHECK(probe.status == 403);
  CHECK(probe.error_code() == "banned");
  CHECK(room.ada.http->get("/api/lobbies/" + room.lobby, room.ada.token).status == 200);
  CHECK(room.bob.http->get("/api/lobbies/" + room.lobby).status == 200);  // anonymous: public information
  // Kicking someone who is not there (without a ban) is a 404 with the field named.
  auto missing =
      room.owner.http->post("/api/lobbies/" + room.lobby + "/kick", {{"user_id", room.bob.id}}, room.owner.token);
  CHECK(missing.status == 404);
  CHECK(missing.error_code() == "member_not_found");
  auto bad = room.owner.http->post("/api/lobbies/" + room.lobby + "/kick",
                                   {{"user_id", room.ada.id}, {"ban_seconds", -5}}, room.owner.token);
  CHECK(bad.status == 400);
  CHECK_THAT(bad.json()["error"]["message"].get<std::string>(), Catch::Contains("ban_seconds"));
  CHECK(room.owner.http->post("/api/lobbies/" + room.lobby + "/kick", json::object(), room.owner.token).error_code() ==
        "invalid_user_id");

  // Kicked without a ban: may come straight back.
  auto r2 = room.owner.http->post("/api/lobbies/" + room.lobby + "/kick", {{"user_id", room.ada.id}}, room.owner.token);
  CHECK(r2.status == 200);
  CHECK(room.ada.ws->wait_closed());
  room.ada.ws.reset();
  CHECK(room.ada.join(room.lobby).wait_for_type("welcome")["user"]["id"] == room.ada.id);
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

}  // namespace swirl::test::owner_kick
