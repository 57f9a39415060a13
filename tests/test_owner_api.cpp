// Owner endpoints, black-box: every endpoint's success path and auth failures, and the live
// effect on connected WebSocket users.
#include <catch2/catch.hpp>

#include "support/interactions.hpp"
#include "support/lobby_with_members.hpp"
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
  LobbyWithMembers room(Backend::sqlite);
  room.ada.join(room.lobby);
  REQUIRE(room.owner.http->post("/api/lobbies/" + room.lobby + "/lock", json::object(), room.owner.token).status ==
          200);
  room.ada.ws->wait_for([](const json& m) { return has_status(m, "locked"); });
  auto locked = refused_join(room.server.port(), room.lobby, room.bob.token);
  CHECK(locked.status == 423);
  CHECK(locked.error_code() == "lobby_locked");
  CHECK_FALSE(room.ada.ws->closed());
  // A member who drops may come back while it is locked.
  room.ada.ws->drop();
  room.ada.ws.reset();
  CHECK(room.ada.join(room.lobby).wait_for_type("welcome")["resumed"] == true);
  REQUIRE(room.owner.http->post("/api/lobbies/" + room.lobby + "/unlock", json::object(), room.owner.token).status ==
          200);
  room.bob.ws.reset();
  CHECK(room.bob.join(room.lobby).wait_for_type("welcome")["lobby"]["status"] == "open");
}

TEST_CASE("announce reaches every member, end a match, transfer ownership", "[owner][announce]") {
  LobbyWithMembers room(Backend::sqlite);
  auto& cy = room.it.user("Cy");
  for (auto* u : {&room.ada, &room.bob, &cy}) u->join(room.lobby);
  auto r = room.owner.http->post("/api/lobbies/" + room.lobby + "/announce", {{"message", "Last round in 5 minutes!"}},
                                 room.owner.token);
  REQUIRE(r.status == 200);
  CHECK(r.json()["delivered"] == 3);
  for (auto* u : {&room.ada, &room.bob, &cy})
    CHECK(u->ws->wait_for_type("announcement")["message"] == "Last round in 5 minutes!");
  CHECK(room.owner.http
            ->post("/api/lobbies/" + room.lobby + "/announce", {{"message", std::string(501, 'x')}}, room.owner.token)
            .status == 400);
  CHECK(room.owner.http->post("/api/lobbies/" + room.lobby + "/announce", {{"message", ""}}, room.owner.token)
            .error_code() == "invalid_message");

  room.ada.ready();
  room.bob.ready();
  auto match = room.ada.ws->wait_for_type("match");
  auto end =
      room.owner.http->post("/api/lobbies/" + room.lobby + "/matches/" + match["match_id"].get<std::string>() + "/end",
                            json::object(), room.owner.token);
  REQUIRE(end.status == 200);
  for (auto* u : {&room.ada, &room.bob}) {
    auto e = u->ws->wait_for_type("match_ended");
    CHECK(e["reason"] == "owner_ended");
    CHECK(e["ready"] == true);
  }
  CHECK(room.owner.http
            ->post("/api/lobbies/" + room.lobby + "/matches/" + match["match_id"].get<std::string>() + "/end",
                   json::object(), room.owner.token)
            .status == 404);

  auto t = room.owner.http->post("/api/lobbies/" + room.lobby + "/transfer", {{"user_id", cy.id}}, room.owner.token);
  REQUIRE(t.status == 200);
  CHECK(room.owner.http->get("/api/lobbies/" + room.lobby + "/state", room.owner.token).status == 403);
  CHECK(cy.http->get("/api/lobbies/" + room.lobby + "/state", cy.token).status == 200);
  CHECK(cy.http->post("/api/lobbies/" + room.lobby + "/transfer", {{"user_id", "nobody"}}, cy.token).error_code() ==
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

TEMPLATE_TEST_CASE("the live actor and the database agree on the lobby after every owner action", "[owner][record]",
                   SqliteBackend, PostgresBackend) {
  LobbyWithMembers room(TestType::value);
  room.ada.join(room.lobby);
  room.bob.join(room.lobby);
  auto db = swirl::storage::open_database(room.server.database_url(), {});
  std::string token = room.owner.token;

  // The owner state of a live lobby comes from its actor; the database is read behind its back.
  auto agree = [&](const std::string& after) {
    INFO("after " << after);
    auto state = room.owner.http->get("/api/lobbies/" + room.lobby + "/state", token);
    REQUIRE(state.status == 200);
    auto live = state.json();
    auto stored = db->find_lobby(room.lobby);
    REQUIRE(stored);
    CHECK(live["live"] == true);
    CHECK(live["owner_id"] == stored->owner_id);
    CHECK(live["status"] == std::string(swirl::storage::to_string(stored->status)));
    CHECK(live["settings"] == stored->settings.to_json());
  };
  agree("the first join");

  auto patch = room.owner.http->request("PATCH", "/api/lobbies/" + room.lobby + "/settings", R"({"round_seconds":90})",
                                        {{"Authorization", "Bearer " + token}});
  REQUIRE(patch.status == 200);
  CHECK(patch.json()["applied_live"] == true);
  agree("settings");
  REQUIRE(room.owner.http->post("/api/lobbies/" + room.lobby + "/lock", json::object(), token).status == 200);
  agree("lock");
  REQUIRE(room.owner.http->post("/api/lobbies/" + room.lobby + "/unlock", json::object(), token).status == 200);
  agree("unlock");
  REQUIRE(room.owner.http
              ->post("/api/lobbies/" + room.lobby + "/kick", {{"user_id", room.bob.id}, {"ban_seconds", 600}}, token)
              .status == 200);
  agree("kick with a ban");
  CHECK(db->banned_until(room.lobby, room.bob.id).has_value());
  CHECK(refused_join(room.server.port(), room.lobby, room.bob.token).error_code() ==
        "banned");  // the actor knows it too

  REQUIRE(room.owner.http->post("/api/lobbies/" + room.lobby + "/transfer", {{"user_id", room.ada.id}}, token).status ==
          200);
  // The old owner is refused at once (the actor answers who owns the lobby), the new one is let in.
  CHECK(room.owner.http->get("/api/lobbies/" + room.lobby + "/state", token).error_code() == "not_owner");
  token = room.ada.token;
  agree("transfer");

  REQUIRE(room.ada.http->post("/api/lobbies/" + room.lobby + "/close", json::object(), token).status == 200);
  auto stored = db->find_lobby(room.lobby);
  REQUIRE(stored);
  CHECK(stored->status == swirl::storage::LobbyStatus::closed);
  auto state = room.ada.http->get("/api/lobbies/" + room.lobby + "/state", token);
  REQUIRE(state.status == 200);
  CHECK(state.json()["live"] == false);  // closed: no actor any more, the database answers
  CHECK(state.json()["status"] == "closed");
}
