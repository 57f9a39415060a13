// A lobby handed over (POST /api/lobbies/{id}/transfer), black-box: every connected member is
// told the new owner at once with `owner_changed` (the web client shows or hides the owner
// panel without a reload); a member who is away reads it in the welcome of their return.
#include <catch2/catch.hpp>

#include "support/interactions.hpp"
#include "support/test_server.hpp"

using namespace swirl::test;
using nlohmann::json;

namespace {

HttpResult transfer(SimUser& from, const std::string& lobby, const std::string& to) {
  return from.http->post("/api/lobbies/" + lobby + "/transfer", {{"user_id", to}}, from.token);
}

}  // namespace

TEMPLATE_TEST_CASE("a transfer pushes owner_changed to every connected member, and a returning member reads it",
                   "[owner][transfer]", SqliteBackend, PostgresBackend) {
  TestServer server(TestType::value);
  Interactions it(server);
  auto& olga = it.user("Olga");
  auto& ada = it.user("Ada");
  auto& bob = it.user("Bob");
  auto& cy = it.user("Cy");
  auto lobby = it.create_lobby(olga);
  for (auto* u : {&olga, &ada, &bob, &cy}) {
    auto welcome = u->join(lobby).wait_for_type("welcome");
    CHECK(welcome["lobby"]["owner_id"] == olga.id);
  }
  // Cy's network goes: Cy is still a member (the grace period) but not connected.
  cy.ws->drop();
  ada.ws->wait_for([&cy](const json& m) {
    if (m["type"] != "lobby_status") return false;
    for (const auto& member : m["members"])
      if (member["id"] == cy.id) return member["connected"] == false;
    return false;
  });

  REQUIRE(transfer(olga, lobby, ada.id).status == 200);
  for (auto* u : {&olga, &ada, &bob}) {
    INFO(u->name);
    // Exactly these two keys: the frame says who owns the lobby now, nothing else.
    CHECK(u->ws->wait_for_type("owner_changed") == json{{"type", "owner_changed"}, {"owner_id", ada.id}});
  }
  // Cy comes back within the grace period: the welcome names the new owner.
  cy.ws.reset();
  auto back = cy.join(lobby).wait_for_type("welcome");
  CHECK(back["resumed"] == true);
  CHECK(back["lobby"]["owner_id"] == ada.id);
  CHECK(cy.ws->count("owner_changed") == 0);

  // Handing the lobby to its own owner changes nothing and pushes nothing: the next real
  // change is the second owner_changed each connected member sees, in order.
  REQUIRE(transfer(ada, lobby, ada.id).status == 200);
  REQUIRE(transfer(ada, lobby, bob.id).status == 200);
  for (auto* u : {&olga, &ada, &bob}) {
    INFO(u->name);
    CHECK(u->ws->wait_for_nth("owner_changed", 2)["owner_id"] == bob.id);
    CHECK(u->ws->count("owner_changed") == 2);
  }
  CHECK(cy.ws->wait_for_type("owner_changed")["owner_id"] == bob.id);
  CHECK(cy.ws->count("owner_changed") == 1);
  // The old owner is refused, the new one answered.
  CHECK(ada.http->get("/api/lobbies/" + lobby + "/state", ada.token).status == 403);
  CHECK(bob.http->get("/api/lobbies/" + lobby + "/state", bob.token).status == 200);
}
