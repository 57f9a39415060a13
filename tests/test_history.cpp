// The match history, written behind the matches in batches (storage/history_writer.hpp),
// black-box on both backends: when it reaches the database, that nothing queued is lost on a
// lobby restart or a server stop, and the queue's bound and failure counting.
#include <catch2/catch.hpp>

#include "support/interactions.hpp"
#include "support/test_server.hpp"
#include "support/wait.hpp"

using namespace swirl::test;
using nlohmann::json;

namespace {

constexpr auto kNeverByTimer = std::chrono::milliseconds(3'600'000);  // only explicit flushes write

// These tests count the writer's events: with the no-media rule off a match is two events (its
// start with its pairs, its end), as they assume. The rule's own events are tested in
// test_media.cpp.
void no_media_rule_off(swirl::core::Config& c) { c.no_media_timeout = std::chrono::milliseconds(0); }

// Lobbies stop soon after their members leave, and only a stop (or a read) flushes history.
void quick_stop_no_timer_flush(swirl::core::Config& c) {
  no_media_rule_off(c);
  c.history_flush_interval = kNeverByTimer;
  c.resume_grace = std::chrono::milliseconds(300);
  c.lobby_idle_shutdown = std::chrono::milliseconds(300);
}

// a and b are matched, then a leaves the match (not ready again) and b hears of it: the
// history queue then holds the match's start and its end.
void meet_and_part(const std::string& lobby, SimUser& a, SimUser& b) {
  match_pair(lobby, a, b);
  a.leave_match(false);
  b.ws->wait_for_type("match_ended");
}

std::int64_t matches_in(const std::string& url, const std::string& lobby, const std::string& extra = "") {
  return query_int(url, "SELECT COUNT(*) FROM matches WHERE lobby_id = '" + lobby + "'" + extra);
}

}  // namespace

TEMPLATE_TEST_CASE("match history reaches the database within the flush interval, ended matches included",
                   "[history][storage]", SqliteBackend, PostgresBackend) {
  TestServer server(TestType::value, [](swirl::core::Config& c) {
    no_media_rule_off(c);
    c.history_flush_interval = std::chrono::milliseconds(50);
  });
  Interactions it(server);
  auto& ada = it.user("Ada");
  auto& bob = it.user("Bob");
  auto lobby = it.create_lobby(ada);
  auto m = match_pair(lobby, ada, bob);
  ada.leave_match(true);
  bob.ws->wait_for_type("match_ended");
  const auto& url = server.database_url();
  CHECK(wait_until(
      [&] { return matches_in(url, lobby, " AND ended_at IS NOT NULL AND end_reason = 'peer_left'") == 1; }));
  CHECK(query_int(url, "SELECT COUNT(*) FROM match_pairs WHERE lobby_id = '" + lobby + "'") == 1);
  const auto& counters = server.app().supervisor().history().counters();
  CHECK(wait_until([&] { return counters.events_written.load() == 2; }));
  CHECK(counters.write_errors.load() == 0);
  CHECK(counters.dropped.load() == 0);
}

TEMPLATE_TEST_CASE("history still queued is written in one transaction when its lobby stops, before it respawns",
                   "[history][storage][supervisor]", SqliteBackend, PostgresBackend) {
  TestServer server(TestType::value, quick_stop_no_timer_flush);
  Interactions it(server);
  auto& ada = it.user("Ada");
  auto& bob = it.user("Bob");
  auto& cy = it.user("Cy");
  auto lobby = it.create_lobby(ada);
  auto& history = server.app().supervisor().history();
  meet_and_part(lobby, ada, bob);
  CHECK(wait_until([&] { return history.queued() == 2; }));  // started + ended, nothing written yet
  CHECK(matches_in(server.database_url(), lobby) == 0);

  ada.ws->close();
  bob.ws->close();
  CHECK(wait_until([&] { return server.app().supervisor().live_lobbies() == 0; }));
  // queued() drops to 0 when the writer takes the events, before its transaction commits:
  // wait for the batch itself.
  CHECK(wait_until([&] { return history.counters().batches_written.load() == 1; }));
  CHECK(history.queued() == 0);
  CHECK(matches_in(server.database_url(), lobby, " AND ended_at IS NOT NULL") == 1);

  // The respawned lobby knows Ada and Bob have met: Ada, who has waited longest, meets Cy.
  ada.ws.reset();
  bob.ws.reset();
  ada.join(lobby);
  ada.ready_seen();  // before the others come, or Bob, ready second, could have waited longest
  bob.join(lobby);
  bob.ready();
  cy.join(lobby);
  cy.ready();
  CHECK(ada.ws->wait_for_type("match")["peers"][0]["id"] == cy.id);
}

TEMPLATE_TEST_CASE("a lobby that respawns before the flush still loads every queued match",
                   "[history][storage][supervisor]", SqliteBackend, PostgresBackend) {
  TestServer server(TestType::value, quick_stop_no_timer_flush);
  Interactions it(server);
  auto& ada = it.user("Ada");
  auto& bob = it.user("Bob");
  auto& cy = it.user("Cy");
  auto lobby = it.create_lobby(ada);
  match_pair(lobby, ada, bob);
  ada.ws->close();
  bob.ws->close();
  CHECK(wait_until([&] { return server.app().supervisor().live_lobbies() == 0; }));
  // Whether or not the stop's flush has run yet, the spawn drains the queue before it reads.
  ada.ws.reset();
  bob.ws.reset();
  ada.join(lobby);
  ada.ready();
  bob.join(lobby);
  bob.ready();
  // Both are in the pool (their blocks loaded, docs/protocol.md "Blocking and reporting") and
  // have met: each waits with met_everyone. Only then does Cy come, so the longest-waiting
  // member, Ada, is the one the matcher pairs with Cy.
  auto met_everyone = [](const nlohmann::json& m) { return m["type"] == "waiting" && m["reason"] == "met_everyone"; };
  ada.ws->wait_for(met_everyone);
  bob.ws->wait_for(met_everyone);
  cy.join(lobby);
  cy.ready();
  CHECK(ada.ws->wait_for_type("match")["peers"][0]["id"] == cy.id);
  CHECK(server.app().supervisor().counters().lobbies_spawned.load() == 2);
}

TEMPLATE_TEST_CASE("stopping the server writes the history still queued", "[history][storage]", SqliteBackend,
                   PostgresBackend) {
  std::string url = fresh_database_url(TestType::value);
  std::string lobby;
  {
    TestServer server(url, [](swirl::core::Config& c) {
      no_media_rule_off(c);
      c.history_flush_interval = kNeverByTimer;
    });
    Interactions it(server);
    auto& ada = it.user("Ada");
    auto& bob = it.user("Bob");
    lobby = it.create_lobby(ada);
    match_pair(lobby, ada, bob);
    CHECK(wait_until([&] { return server.app().supervisor().history().queued() == 1; }));
    CHECK(matches_in(url, lobby) == 0);
    server.stop();
  }
  CHECK(matches_in(url, lobby) == 1);
}

TEMPLATE_TEST_CASE("a full history queue drops new events and counts them, the matches go on", "[history][limits]",
                   SqliteBackend, PostgresBackend) {
  std::string url = fresh_database_url(TestType::value);
  std::string lobby;
  {
    TestServer server(url, [](swirl::core::Config& c) {
      no_media_rule_off(c);
      c.history_flush_interval = kNeverByTimer;
      c.history_max_queued = 1;
    });
    Interactions it(server);
    auto& ada = it.user("Ada");
    auto& bob = it.user("Bob");
    lobby = it.create_lobby(ada);
    auto& history = server.app().supervisor().history();
    match_pair(lobby, ada, bob);  // queued: 1 of 1
    ada.leave_match(true);        // its end does not fit
    CHECK(bob.ws->wait_for_type("match_ended")["ready"] == true);
    CHECK(wait_until([&] { return history.counters().dropped.load() == 1; }));
    CHECK(history.queued() == 1);
    server.stop();
  }
  CHECK(matches_in(url, lobby) == 1);
  CHECK(matches_in(url, lobby, " AND ended_at IS NULL") == 1);  // the dropped end never arrived
}

TEMPLATE_TEST_CASE("a history batch that fails is retried event by event, what still fails is counted",
                   "[history][storage][failure]", SqliteBackend, PostgresBackend) {
  TestServer server(TestType::value, quick_stop_no_timer_flush);
  Interactions it(server);
  auto& ada = it.user("Ada");
  auto& bob = it.user("Bob");
  auto lobby = it.create_lobby(ada);
  auto& history = server.app().supervisor().history();
  meet_and_part(lobby, ada, bob);
  CHECK(wait_until([&] { return history.queued() == 2; }));
  // The pairs table is gone: the match's start (row + pair) fails, its end (an UPDATE) does not.
  exec_sql(server.database_url(), "DROP TABLE match_pairs");
  ada.ws->close();
  bob.ws->close();
  // The retry counts the failed start before it writes the end: wait for both.
  CHECK(wait_until([&] {
    return history.queued() == 0 && history.counters().write_errors.load() == 1 &&
           history.counters().events_written.load() == 1;
  }));
  CHECK(history.counters().write_errors.load() == 1);
  CHECK(history.counters().events_written.load() == 1);
  CHECK(matches_in(server.database_url(), lobby) == 0);  // rolled back with its pair
}
