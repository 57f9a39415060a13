// Peer media, black-box over real WebSockets on both backends: media_state relayed within the
// match only and carried in the next match's peers; the no-media rule (a match nobody reported
// media_flowing for ends with no_media, the pair is not remembered as having met, in memory or
// in the database across a lobby restart); a match with media goes on.
#include <catch2/catch.hpp>

#include "support/interactions.hpp"
#include "support/test_server.hpp"
#include "support/wait.hpp"

using namespace swirl::test;
using nlohmann::json;
using std::chrono::milliseconds;

namespace {

constexpr auto kNoMedia = milliseconds(300);

json media_state(bool camera, bool microphone) {
  return {{"type", "media_state"}, {"camera", camera}, {"microphone", microphone}};
}

std::int64_t pairs_in(const std::string& url, const std::string& lobby) {
  return query_int(url, "SELECT COUNT(*) FROM match_pairs WHERE lobby_id = '" + lobby + "'");
}

bool status_shows_ready(const json& m, const std::string& id) {
  if (m.value("type", "") != "lobby_status") return false;
  for (const auto& x : m["members"])
    if (x["id"] == id) return x["ready"] == true;
  return false;
}

}  // namespace

TEMPLATE_TEST_CASE("media_state is relayed to the match peer only and appears in the next match's peers",
                   "[lobby][ws][media]", SqliteBackend, PostgresBackend) {
  TestServer server(TestType::value);  // the default no-media rule (20 s) is longer than this test
  Interactions it(server);
  auto& ada = it.user("Ada");
  auto& bob = it.user("Bob");
  auto& cy = it.user("Cy");
  auto lobby = it.create_lobby(ada);
  auto first = match_pair(lobby, ada, bob);
  // Nobody has said anything yet: both on.
  CHECK(first["peers"][0]["camera"] == true);
  CHECK(first["peers"][0]["microphone"] == true);
  cy.join(lobby);

  ada.ws->send(media_state(false, true));
  auto relayed = bob.ws->wait_for_type("media_state");
  CHECK(relayed == json{{"type", "media_state"}, {"from", ada.id}, {"camera", false}, {"microphone", true}});
  // Cy (not in the match) becomes ready after that; the lobby works in order, so a media_state
  // for Cy or an echo to Ada would have been queued before the lobby_status showing it.
  cy.ready_seen(true);
  ada.ws->wait_for([&](const json& m) { return status_shows_ready(m, cy.id); });
  CHECK(cy.ws->count("media_state") == 0);
  CHECK(ada.ws->count("media_state") == 0);
  CHECK(ada.ws->count("error") == 0);

  // Ada's next match (with Cy, who is ready) tells Cy her last state; Bob, outside it now,
  // keeps his own state while not in a match without an error.
  ada.leave_match(true);
  bob.ws->wait_for_type("match_ended");
  bob.ready_seen(false);
  bob.ws->send(media_state(true, false));
  auto cy_match = cy.ws->wait_for_type("match");
  CHECK(cy_match["peers"][0]["id"] == ada.id);
  CHECK(cy_match["peers"][0]["camera"] == false);
  CHECK(cy_match["peers"][0]["microphone"] == true);
  auto ada_match = ada.ws->wait_for_nth("match", 2);
  CHECK(ada_match["peers"][0]["camera"] == true);
  CHECK(ada_match["peers"][0]["microphone"] == true);
  // Back on, relayed to the new peer.
  ada.ws->send(media_state(true, true));
  CHECK(cy.ws->wait_for_type("media_state")["camera"] == true);
  // Bob's state (kept while unmatched) is in his next match's peers.
  ada.leave_match(false);
  cy.ws->wait_for_type("match_ended");
  bob.ready();
  auto bob_cy = cy.ws->wait_for_nth("match", 2);
  CHECK(bob_cy["peers"][0]["id"] == bob.id);
  CHECK(bob_cy["peers"][0]["camera"] == true);
  CHECK(bob_cy["peers"][0]["microphone"] == false);
  CHECK(bob.ws->count("error") == 0);
}

TEMPLATE_TEST_CASE(
    "a match nobody reported media for ends with no_media: the same two meet again, then media keeps it up",
    "[lobby][ws][media]", SqliteBackend, PostgresBackend) {
  // Long enough that the second match surely gets its media_flowing in before the timeout.
  constexpr auto kTimeout = milliseconds(1000);
  TestServer server(TestType::value, [&](swirl::core::Config& c) {
    c.no_media_timeout = kTimeout;
    c.history_flush_interval = milliseconds(20);
  });
  Interactions it(server);
  auto& ada = it.user("Ada");
  auto& bob = it.user("Bob");
  auto lobby = it.create_lobby(ada);
  auto first = match_pair(lobby, ada, bob);
  auto first_id = first["match_id"].get<std::string>();
  // A stale or unknown match id is ignored.
  ada.ws->send({{"type", "media_flowing"}, {"match_id", "m-not-this-one"}});

  for (auto* u : {&ada, &bob}) {
    auto ended = u->ws->wait_for([](const json& m) { return m.value("type", "") == "match_ended"; });
    CHECK(ended == json{{"type", "match_ended"}, {"match_id", first_id}, {"reason", "no_media"}, {"ready", true}});
  }
  // Not met: matched again at once, although they are the only two.
  auto second = ada.ws->wait_for_nth("match", 2);
  CHECK(second["peers"][0]["id"] == bob.id);
  CHECK(second["match_id"] != first_id);
  // This time media flows (one member says so): the pair is stored and the match does not end,
  // well past the timeout. (An end could come at any time; waiting three timeouts for it is
  // the only way to see it does not.)
  ada.ws->send({{"type", "media_flowing"}, {"match_id", second["match_id"]}});
  bob.ws->wait_for_nth("match", 2);
  const auto& url = server.database_url();
  CHECK(wait_until([&] {
    return query_int(url, "SELECT COUNT(*) FROM matches WHERE id = '" + first_id + "' AND end_reason = 'no_media'") ==
           1;
  }));
  CHECK(wait_until([&] { return pairs_in(url, lobby) == 1; }));
  auto before = ada.ws->count("match_ended");
  CHECK_THROWS(ada.ws->wait_for_nth("match_ended", before + 1, kTimeout * 3));
  CHECK(bob.ws->count("match_ended") == before);
  // And when it ends another way, the stored pair keeps it met.
  ada.leave_match(false);
  CHECK(bob.ws->wait_for_nth("match_ended", before + 1)["reason"] == "peer_left");
  CHECK(ada.ws->count("error") == 0);
}

TEMPLATE_TEST_CASE("a no_media pair is still not met after the lobby restarts", "[lobby][ws][media][storage]",
                   SqliteBackend, PostgresBackend) {
  // The no-media timeout is shorter than the grace period: the last match (made before they
  // disconnect) ends with no_media before the grace period could end it as peer_disconnected.
  TestServer server(TestType::value, [](swirl::core::Config& c) {
    c.no_media_timeout = kNoMedia;
    c.resume_grace = milliseconds(1000);
    c.lobby_idle_shutdown = milliseconds(1000);
  });
  Interactions it(server);
  auto& ada = it.user("Ada");
  auto& bob = it.user("Bob");
  auto& cy = it.user("Cy");
  auto lobby = it.create_lobby(ada);
  match_pair(lobby, ada, bob);
  CHECK(ada.ws->wait_for_type("match_ended")["reason"] == "no_media");
  ada.ws->close();
  bob.ws->close();
  CHECK(wait_until([&] { return server.app().supervisor().live_lobbies() == 0; }, std::chrono::seconds(10)));
  CHECK(pairs_in(server.database_url(), lobby) == 0);
  ada.ws.reset();
  bob.ws.reset();

  // As in "repeat avoidance survives a lobby restart", but Bob is new to Ada: she, waiting
  // longest, meets Bob (ready before Cy), not Cy.
  ada.join(lobby);
  ada.ready_seen();
  bob.join(lobby);
  bob.ready_seen();
  cy.join(lobby);
  cy.ready();
  CHECK(ada.ws->wait_for_type("match")["peers"][0]["id"] == bob.id);
  CHECK(server.app().supervisor().counters().lobbies_spawned.load() == 2);
}
