// The owner's list of running bans and lifting one (GET /api/lobbies/{id}/bans, DELETE
// /api/lobbies/{id}/bans/{user_id}; docs/http-api.md). On both backends, against a real server.
#include <catch2/catch.hpp>

#include "support/databases.hpp"
#include "support/interactions.hpp"
#include "support/test_server.hpp"
#include "support/wait.hpp"

// The cases live in a namespace of their own: in the sanitizer presets' unity batches this file
// shares a unit with test_bans.cpp, which has helpers of the same names.
namespace unban_cases {
namespace {

using swirl::test::HttpResult;
using swirl::test::SimUser;

HttpResult ban(SimUser& owner, const std::string& lobby, const std::string& user_id, int seconds) {
  return owner.http->post("/api/lobbies/" + lobby + "/kick", {{"user_id", user_id}, {"ban_seconds", seconds}},
                          owner.token);
}

HttpResult bans(SimUser& caller, const std::string& lobby) {
  return caller.http->get("/api/lobbies/" + lobby + "/bans", caller.token);
}

HttpResult unban(SimUser& caller, const std::string& lobby, const std::string& user_id) {
  return caller.http->del("/api/lobbies/" + lobby + "/bans/" + user_id, caller.token);
}

}  // namespace

TEMPLATE_TEST_CASE("the owner lists running bans, the one that ends first first, with names and time left",
                   "[owner][ban]", swirl::test::SqliteBackend, swirl::test::PostgresBackend) {
  swirl::test::TestServer server(TestType::value, [](swirl::core::Config& c) { c.max_bans_per_lobby = 7; });
  swirl::test::Interactions it(server);
  auto& owner = it.user("Olga");
  auto& ada = it.user("Ada");
  auto& bob = it.user("Bob");
  auto& cy = it.user("Cy");
  auto lobby = it.create_lobby(owner);

  auto empty = bans(owner, lobby);
  REQUIRE(empty.status == 200);
  CHECK(empty.json()["bans"] == nlohmann::json::array());
  CHECK(empty.json()["max_bans"] == 7);

  for (auto* u : {&ada, &bob, &cy}) {
    u->join(lobby);
    u->ws.reset();
  }
  REQUIRE(ban(owner, lobby, bob.id, 3600).status == 200);
  REQUIRE(ban(owner, lobby, ada.id, 600).status == 200);
  REQUIRE(ban(owner, lobby, cy.id, 1).status == 200);
  // Cy's ban ends: it is not listed any more.
  REQUIRE(
      swirl::test::wait_until([&] { return bans(owner, lobby).json()["bans"].size() == 2; }, std::chrono::seconds(5)));
  auto listed = bans(owner, lobby).json()["bans"];
  REQUIRE(listed.size() == 2);
  CHECK(listed[0]["user_id"] == ada.id);
  CHECK(listed[0]["display_name"] == "Ada");
  CHECK(listed[0]["seconds_left"].get<int>() > 590);
  CHECK(listed[0]["seconds_left"].get<int>() <= 600);
  CHECK(listed[0]["until"].get<std::string>().size() == 24);  // 2026-12-06T06:10:00.000Z
  CHECK(listed[1]["user_id"] == bob.id);
  CHECK(listed[1]["display_name"] == "Bob");
  CHECK(listed[1]["seconds_left"].get<int>() > 3590);

  // Only the owner may read them.
  auto theirs = bans(ada, lobby);
  CHECK(theirs.status == 403);
  CHECK(theirs.error_code() == "not_owner");
  CHECK(ada.http->get("/api/lobbies/" + lobby + "/bans").status == 401);
  CHECK(bans(owner, "nosuchlobby00000").error_code() == "lobby_not_found");
}

TEMPLATE_TEST_CASE("lifting a ban lets the user join again at once, in a live lobby and after a restart",
                   "[owner][ban]", swirl::test::SqliteBackend, swirl::test::PostgresBackend) {
  const std::string url = swirl::test::fresh_database_url(TestType::value);
  std::string lobby, owner_token, bob_id, bob_token;
  {
    swirl::test::TestServer server(url);
    swirl::test::Interactions it(server);
    auto& owner = it.user("Olga");
    auto& ada = it.user("Ada");
    auto& bob = it.user("Bob");
    lobby = it.create_lobby(owner);
    ada.join(lobby);  // keeps the lobby's actor live
    bob.join(lobby);
    REQUIRE(ban(owner, lobby, bob.id, 600).status == 200);
    CHECK(swirl::test::refused_join(server.port(), lobby, bob.token).error_code() == "banned");

    // Lifted while the actor runs: the very next join is let in.
    auto lifted = unban(owner, lobby, bob.id);
    REQUIRE(lifted.status == 200);
    CHECK(lifted.json() == nlohmann::json{{"user_id", bob.id}, {"unbanned", true}});
    CHECK(bans(owner, lobby).json()["bans"].empty());
    CHECK_NOTHROW(bob.join(lobby));
    // A second lift finds nothing.
    auto again = unban(owner, lobby, bob.id);
    CHECK(again.status == 404);
    CHECK(again.error_code() == "ban_not_found");

    // Banned again, and the server stops with the ban stored.
    REQUIRE(ban(owner, lobby, bob.id, 600).status == 200);
    owner_token = owner.token;
    bob_id = bob.id;
    bob_token = bob.token;
    server.stop();
  }
  // A fresh process, no live actor: lifted in the database, and the actor that starts on the
  // next join does not load it.
  swirl::test::TestServer again(url);
  swirl::test::HttpClient http(again.port());
  CHECK(swirl::test::refused_join(again.port(), lobby, bob_token).error_code() == "banned");
  auto lifted = http.del("/api/lobbies/" + lobby + "/bans/" + bob_id, owner_token);
  REQUIRE(lifted.status == 200);
  swirl::test::WsOptions options;
  options.token = bob_token;
  swirl::test::WsClient ws(again.port(), "/api/lobbies/" + lobby + "/ws", options);
  CHECK_NOTHROW(ws.wait_for_type("welcome", std::chrono::seconds(10)));
}

TEMPLATE_TEST_CASE("lifting a ban: bad ids, someone not banned, strangers and a closed lobby are refused",
                   "[owner][ban][strict]", swirl::test::SqliteBackend, swirl::test::PostgresBackend) {
  swirl::test::TestServer server(TestType::value);
  swirl::test::Interactions it(server);
  auto& owner = it.user("Olga");
  auto& ada = it.user("Ada");
  auto lobby = it.create_lobby(owner);
  ada.join(lobby);
  ada.ws.reset();
  REQUIRE(ban(owner, lobby, ada.id, 600).status == 200);

  for (const std::string& bad : {std::string("someone"), std::string(17, 'a'), std::string("aaaaaaaaaaaaaa%C3%A9")}) {
    auto r = unban(owner, lobby, bad);
    CHECK(r.status == 400);
    CHECK(r.error_code() == "invalid_user_id");
  }
  auto nobody = unban(owner, lobby, "AAAAAAAAAAAAAAAA");
  CHECK(nobody.status == 404);
  CHECK(nobody.error_code() == "ban_not_found");
  // The banned user cannot lift their own ban.
  auto self = unban(ada, lobby, ada.id);
  CHECK(self.status == 403);
  CHECK(self.error_code() == "not_owner");
  CHECK(swirl::test::refused_join(server.port(), lobby, ada.token).error_code() == "banned");
  // A closed lobby cannot be changed; its bans can still be read.
  REQUIRE(owner.http->post("/api/lobbies/" + lobby + "/close", nlohmann::json::object(), owner.token).status == 200);
  auto closed = unban(owner, lobby, ada.id);
  CHECK(closed.status == 409);
  CHECK(closed.error_code() == "lobby_closed");
  CHECK(bans(owner, lobby).json()["bans"].size() == 1);
}

TEMPLATE_TEST_CASE("the store lists running bans with names and lifts only a running one", "[storage][ban]",
                   swirl::test::SqliteBackend, swirl::test::PostgresBackend) {
  auto db = swirl::storage::open_database(swirl::test::fresh_database_url(TestType::value), {});
  db->migrate();
  const std::int64_t now = 1'000'000;
  db->create_user({"ownerownerowner1", "Olga", now, now}, "hash-owner");
  db->create_user({"adaadaadaadaada1", "Ada", now, now}, "hash-ada");
  swirl::storage::LobbyRecord lobby;
  lobby.id = "lobby1";
  lobby.name = "Room";
  lobby.owner_id = "ownerownerowner1";
  lobby.created_at_ms = now;
  db->create_lobby(lobby);
  REQUIRE(db->ban("lobby1", "adaadaadaadaada1", now + 5000, now, 10));
  REQUIRE(db->ban("lobby1", "gonegonegonegone", now + 1000, now, 10));  // no user record (deleted)
  REQUIRE(db->ban("lobby1", "endedendedended1", now + 10, now, 10));
  auto listed = db->list_bans("lobby1", now + 10);  // the third has ended by then
  REQUIRE(listed.size() == 2);
  CHECK(listed[0].user_id == "gonegonegonegone");
  CHECK(listed[0].display_name.empty());
  CHECK(listed[0].until_ms == now + 1000);
  CHECK(listed[1].user_id == "adaadaadaadaada1");
  CHECK(listed[1].display_name == "Ada");
  CHECK_FALSE(db->unban("lobby1", "endedendedended1", now + 10));  // ended: nothing to lift
  CHECK_FALSE(db->banned_until("lobby1", "endedendedended1"));     // but it is gone
  CHECK(db->unban("lobby1", "adaadaadaadaada1", now + 10));
  CHECK_FALSE(db->banned_until("lobby1", "adaadaadaadaada1"));
  CHECK_FALSE(db->unban("lobby1", "adaadaadaadaada1", now + 10));
  CHECK_FALSE(db->unban("otherlobby", "gonegonegonegone", now));  // per lobby
  CHECK(db->list_bans("lobby1", now).size() == 1);
}

}  // namespace unban_cases
