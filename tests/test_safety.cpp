// Safety for people who meet strangers (issue 17), black-box on both backends: a member blocks
// someone they were matched with (the call ends, they are never matched again in any lobby,
// signals between them are refused) or reports them (the lobby's owner sees it in the owner
// state and can ban from there, or dismiss it). Limits: blocks per user, reports per reporter
// per lobby per hour; bad input gets invalid_message, and nobody can be named who was not met.
#include <catch2/catch.hpp>

#include "support/interactions.hpp"
#include "support/test_server.hpp"
#include "support/wait.hpp"
#include "swirl/core/config.hpp"

using namespace swirl::test;
using nlohmann::json;

namespace {

// A lobby where met pairs may meet again at once: only a block keeps a pair apart.
std::string repeating_lobby(Interactions& it, SimUser& owner, int group_size = 2) {
  return it.create_lobby(owner, "Repeats", group_size, {{"when_exhausted", "repeat"}, {"repeat_after_seconds", 0}});
}

// The n-th message of `type` after `before` of them had arrived.
json next_of(WsClient& ws, const std::string& type, std::size_t before) { return ws.wait_for_nth(type, before + 1); }

json block(SimUser& u, const std::string& user_id) {
  auto before = u.ws->count("blocked") + u.ws->count("error");
  u.ws->send({{"type", "block"}, {"user_id", user_id}});
  REQUIRE(wait_until([&] { return u.ws->count("blocked") + u.ws->count("error") > before; }));
  auto all = u.ws->messages();
  for (auto m = all.rbegin(); m != all.rend(); ++m)
    if ((*m)["type"] == "blocked" || (*m)["type"] == "error") return *m;
  return {};
}

json report(SimUser& u, json message) {
  auto before = u.ws->count("reported") + u.ws->count("error");
  message["type"] = "report";
  u.ws->send(message);
  REQUIRE(wait_until([&] { return u.ws->count("reported") + u.ws->count("error") > before; }));
  auto all = u.ws->messages();
  for (auto m = all.rbegin(); m != all.rend(); ++m)
    if ((*m)["type"] == "reported" || (*m)["type"] == "error") return *m;
  return {};
}

// Whether anything `u` received says they were blocked.
bool told_blocked(WsClient& ws) {
  for (const auto& m : ws.messages())
    if (m["type"] == "blocked" || m.value("reason", "") == "blocked" || m.value("code", "") == "blocked") return true;
  return false;
}

// Waits for a `waiting` message with this reason (an earlier one may have had another).
json waiting_reason(WsClient& ws, const std::string& reason) {
  return ws.wait_for([&](const json& m) { return m["type"] == "waiting" && m["reason"] == reason; });
}

json owner_state(SimUser& owner, const std::string& lobby) {
  auto r = owner.http->get("/api/lobbies/" + lobby + "/state", owner.token);
  REQUIRE(r.status == 200);
  return r.json();
}

}  // namespace

TEMPLATE_TEST_CASE("a block ends the call at once and the pair is never matched again, even where repeats are allowed",
                   "[safety][block]", SqliteBackend, PostgresBackend) {
  TestServer server(TestType::value);
  Interactions it(server);
  auto& owner = it.user("Olga");
  auto& ada = it.user("Ada");
  auto& bob = it.user("Bob");
  auto lobby = repeating_lobby(it, owner);

  auto match = match_pair(lobby, ada, bob);
  auto waits_a = ada.ws->count("waiting");
  auto waits_b = bob.ws->count("waiting");
  auto reply = block(ada, bob.id);
  CHECK(reply == json{{"type", "blocked"}, {"user_id", bob.id}});
  // The blocker hears `blocked` as the reason; the other one only that their peer left.
  auto ended_a = ada.ws->wait_for_type("match_ended");
  CHECK(ended_a["match_id"] == match["match_id"]);
  CHECK(ended_a["reason"] == "blocked");
  CHECK(ended_a["ready"] == true);  // their own last word: ready from the matcher
  auto ended_b = bob.ws->wait_for_type("match_ended");
  CHECK(ended_b["reason"] == "peer_left");
  CHECK(ended_b["ready"] == true);
  // Both are ready, the lobby repeats pairs at once, and still they only wait.
  CHECK(next_of(*ada.ws, "waiting", waits_a)["reason"] == "met_everyone");
  CHECK(next_of(*bob.ws, "waiting", waits_b)["reason"] == "met_everyone");
  CHECK(ada.ws->count("match") == 1);
  CHECK(bob.ws->count("match") == 1);

  // Signals between them are refused, both ways.
  ada.signal(bob.id, {{"candidate", nullptr}});
  CHECK(ada.ws->wait_for([](const json& m) { return m["type"] == "error" && m["code"] == "blocked"; }).is_object());
  auto errors_b = bob.ws->count("error");
  bob.signal(ada.id, {{"candidate", nullptr}});
  CHECK(next_of(*bob.ws, "error", errors_b)["code"] == "blocked");
  CHECK(ada.ws->count("signal") == 0);

  // A newcomer is matched with one of them; the other keeps waiting.
  auto& cy = it.user("Cy");
  cy.join(lobby);
  cy.ready();
  auto with_cy = cy.ws->wait_for_type("match");
  CHECK(with_cy["peers"].size() == 1);
  // Blocking again is idempotent.
  CHECK(block(ada, bob.id)["type"] == "blocked");
  // Bob was never told he was blocked (his signal error aside, which he caused himself).
  auto bob_messages = bob.ws->messages();
  for (const auto& m : bob_messages) {
    CHECK(m["type"] != "blocked");
    CHECK(m.value("reason", "") != "blocked");
  }
}

TEMPLATE_TEST_CASE(
    "a block made in one lobby ends the pair's call in another live lobby and holds in lobbies joined later",
    "[safety][block]", SqliteBackend, PostgresBackend) {
  TestServer server(TestType::value);
  Interactions it(server);
  auto& owner = it.user("Olga");
  auto& ada = it.user("Ada");
  auto& bob = it.user("Bob");
  auto first = repeating_lobby(it, owner);
  auto second = repeating_lobby(it, owner);
  auto later = repeating_lobby(it, owner);

  // Matched in the second lobby, on a second connection each (another tab).
  WsOptions opt_a;
  opt_a.token = ada.token;
  WsOptions opt_b;
  opt_b.token = bob.token;
  WsClient ada2(server.port(), "/api/lobbies/" + second + "/ws", opt_a);
  WsClient bob2(server.port(), "/api/lobbies/" + second + "/ws", opt_b);
  ada2.wait_for_type("welcome");
  bob2.wait_for_type("welcome");
  ada2.send({{"type", "ready"}, {"ready", true}});
  bob2.send({{"type", "ready"}, {"ready", true}});
  ada2.wait_for_type("match");
  bob2.wait_for_type("match");

  // Then matched in the first lobby, where Bob blocks Ada.
  match_pair(first, ada, bob);
  CHECK(block(bob, ada.id)["type"] == "blocked");
  // The second lobby's call ends too: Bob (the blocker) hears `blocked`, Ada `peer_left`.
  CHECK(bob2.wait_for_type("match_ended")["reason"] == "blocked");
  CHECK(ada2.wait_for_type("match_ended")["reason"] == "peer_left");
  CHECK_FALSE(told_blocked(ada2));
  CHECK(waiting_reason(ada2, "met_everyone").is_object());

  // A lobby they had never been in together, joined afterwards: still apart.
  ada.join(later);
  bob.join(later);
  ada.ready();
  bob.ready();
  CHECK(waiting_reason(*ada.ws, "met_everyone").is_object());
  CHECK(waiting_reason(*bob.ws, "met_everyone").is_object());
  CHECK(ada.ws->count("match") == 0);
  auto& cy = it.user("Cy");
  cy.join(later);
  cy.ready();
  CHECK(cy.ws->wait_for_type("match")["peers"].size() == 1);
  CHECK_FALSE(told_blocked(*ada.ws));

  // And after a restart of the server on the same database.
  std::string url = server.database_url();
  ada.ws.reset();
  bob.ws.reset();
  cy.ws.reset();
  server.stop();
  TestServer again(url);
  for (auto* u : {&ada, &bob}) {
    u->port = again.port();
    u->http = std::make_unique<HttpClient>(again.port());
  }
  ada.join(first);
  bob.join(first);
  ada.ready();
  bob.ready();
  CHECK(waiting_reason(*ada.ws, "met_everyone").is_object());
  CHECK(waiting_reason(*bob.ws, "met_everyone").is_object());
}

TEMPLATE_TEST_CASE("only someone you were matched with can be blocked or reported, and bad input is refused",
                   "[safety][strict]", SqliteBackend, PostgresBackend) {
  TestServer server(TestType::value);
  Interactions it(server);
  auto& owner = it.user("Olga");
  auto& ada = it.user("Ada");
  auto& bob = it.user("Bob");
  auto& stranger = it.user("Stranger");
  auto lobby = repeating_lobby(it, owner);
  stranger.join(lobby);
  ada.join(lobby);

  // Nobody met yet: a real member, a well-formed unknown id, yourself: all the same answer.
  for (const std::string& id : {stranger.id, std::string("AAAAAAAAAAAAAAAA"), ada.id}) {
    auto b = block(ada, id);
    CHECK(b["code"] == "not_matched");
    auto r = report(ada, {{"user_id", id}, {"reason", "spam"}});
    CHECK(r["code"] == "not_matched");
  }
  // Not a user id at all, or a missing or wrong field.
  for (const json& bad : {json("someone"), json(std::string(17, 'a')), json("aaaaaaaaaaaaaaa/"), json(42), json()}) {
    json msg = {{"type", "block"}};
    if (!bad.is_null()) msg["user_id"] = bad;
    auto errors = ada.ws->count("error");
    ada.ws->send(msg);
    CHECK(next_of(*ada.ws, "error", errors)["code"] == "invalid_message");
    CHECK(report(ada, {{"user_id", bad}, {"reason", "spam"}})["code"] == "invalid_message");
  }

  stranger.ws.reset();
  bob.join(lobby);
  ada.ready();
  bob.ready();
  bob.ws->wait_for_type("match");
  ada.ws->wait_for_type("match");
  CHECK(report(ada, {{"user_id", bob.id}, {"reason", "rude"}})["code"] == "invalid_message");
  CHECK(report(ada, {{"user_id", bob.id}})["code"] == "invalid_message");
  CHECK(report(ada, {{"user_id", bob.id}, {"reason", "spam"}, {"details", 5}})["code"] == "invalid_message");
  CHECK(report(ada, {{"user_id", bob.id}, {"reason", "spam"}, {"details", std::string(501, 'x')}})["code"] ==
        "invalid_message");
  CHECK(report(ada, {{"user_id", bob.id}, {"reason", "spam"}, {"details", "a\x01b"}})["code"] == "invalid_message");
  // The limits themselves are fine: 500 bytes (of multi-byte characters too), every reason.
  std::string most;
  while (most.size() + 2 <= 500) most += "\xC3\xA9";
  CHECK(report(ada, {{"user_id", bob.id}, {"reason", "other"}, {"details", most}})["type"] == "reported");
  for (const char* reason : {"harassment", "inappropriate", "spam", "underage"})
    CHECK(report(ada, {{"user_id", bob.id}, {"reason", reason}})["type"] == "reported");
  // After the match, the former partner may still be named (match history).
  ada.leave_match(false);
  bob.ws->wait_for_type("match_ended");
  CHECK(report(bob, {{"user_id", ada.id}, {"reason", "spam"}, {"details", "line one\nline two"}})["type"] ==
        "reported");
  CHECK(block(bob, ada.id)["type"] == "blocked");
}

TEMPLATE_TEST_CASE("a report reaches the lobby's owner only, who can ban from it and dismiss it",
                   "[safety][report][owner]", SqliteBackend, PostgresBackend) {
  TestServer server(TestType::value, [](swirl::core::Config& c) {
    c.resume_grace = std::chrono::milliseconds(100);
    c.lobby_idle_shutdown = std::chrono::milliseconds(100);
  });
  Interactions it(server);
  auto& owner = it.user("Olga");
  auto& ada = it.user("Ada");
  auto& bob = it.user("Bob");
  auto lobby = repeating_lobby(it, owner);
  CHECK(owner_state(owner, lobby)["reports"] == json::array());

  auto match = match_pair(lobby, ada, bob);
  auto reply = report(ada, {{"user_id", bob.id}, {"reason", "harassment"}, {"details", "kept insulting me"}});
  REQUIRE(reply["type"] == "reported");
  std::string report_id = reply["report_id"];
  CHECK(bob.ws->count("reported") == 0);
  CHECK(bob.ws->count("match_ended") == 0);  // a report alone does not end the call

  auto reports = owner_state(owner, lobby)["reports"];
  REQUIRE(reports.size() == 1);
  const auto& r = reports[0];
  CHECK(r["id"] == report_id);
  CHECK(r["reporter"] == json{{"id", ada.id}, {"display_name", "Ada"}});
  CHECK(r["reported"] == json{{"id", bob.id}, {"display_name", "Bob"}, {"member", true}});
  CHECK(r["reason"] == "harassment");
  CHECK(r["details"] == "kept insulting me");
  CHECK(r["match_id"] == match["match_id"]);
  CHECK(r["created_at"].is_string());
  // Newest first.
  ada.leave_match(false);
  REQUIRE(report(ada, {{"user_id", bob.id}, {"reason", "spam"}})["type"] == "reported");
  reports = owner_state(owner, lobby)["reports"];
  REQUIRE(reports.size() == 2);
  CHECK(reports[0]["reason"] == "spam");
  CHECK(reports[0]["match_id"].is_null());  // not made during a match with them
  CHECK(reports[1]["id"] == report_id);

  // Nobody else sees them or can dismiss them.
  for (auto* u : {&ada, &bob}) {
    CHECK(u->http->get("/api/lobbies/" + lobby + "/state", u->token).status == 403);
    CHECK(u->http->del("/api/lobbies/" + lobby + "/reports/" + report_id, u->token).status == 403);
  }
  CHECK(owner.http->del("/api/lobbies/" + lobby + "/reports/" + report_id).status == 401);

  // The owner bans Bob from there (the existing kick endpoint).
  auto ban =
      owner.http->post("/api/lobbies/" + lobby + "/kick", {{"user_id", bob.id}, {"ban_seconds", 600}}, owner.token);
  CHECK(ban.status == 200);
  CHECK(bob.ws->wait_for_type("kicked")["ban_seconds"] == 600);
  CHECK(refused_join(server.port(), lobby, bob.token).error_code() == "banned");
  CHECK(owner_state(owner, lobby)["reports"][0]["reported"]["member"] == false);

  // Dismissed: gone for good; unknown ids and other lobbies' reports are 404.
  auto other = repeating_lobby(it, owner);
  CHECK(owner.http->del("/api/lobbies/" + other + "/reports/" + report_id, owner.token).status == 404);
  auto dismissed = owner.http->del("/api/lobbies/" + lobby + "/reports/" + report_id, owner.token);
  CHECK(dismissed.status == 200);
  CHECK(dismissed.json() == json{{"report_id", report_id}, {"dismissed", true}});
  auto again = owner.http->del("/api/lobbies/" + lobby + "/reports/" + report_id, owner.token);
  CHECK(again.status == 404);
  CHECK(again.error_code() == "report_not_found");
  CHECK(owner_state(owner, lobby)["reports"].size() == 1);
  // The reports outlive the lobby's actor (the state of a lobby without one reads them too).
  ada.ws.reset();
  REQUIRE(wait_until([&] { return owner_state(owner, lobby)["live"] == false; }, std::chrono::seconds(30)));
  CHECK(owner_state(owner, lobby)["reports"].size() == 1);
}

TEMPLATE_TEST_CASE("reports are capped per reporter per lobby per hour (--max-reports-per-hour)",
                   "[safety][report][limits]", SqliteBackend, PostgresBackend) {
  TestServer server(TestType::value, [](swirl::core::Config& c) { c.max_reports_per_hour = 2; });
  Interactions it(server);
  auto& owner = it.user("Olga");
  auto& ada = it.user("Ada");
  auto& bob = it.user("Bob");
  auto lobby = repeating_lobby(it, owner);
  match_pair(lobby, ada, bob);
  CHECK(report(ada, {{"user_id", bob.id}, {"reason", "spam"}})["type"] == "reported");
  CHECK(report(ada, {{"user_id", bob.id}, {"reason", "spam"}})["type"] == "reported");
  auto third = report(ada, {{"user_id", bob.id}, {"reason", "spam"}});
  CHECK(third["code"] == "too_many_reports");
  CHECK_THAT(third["message"].get<std::string>(), Catch::Contains("2"));
  // Per reporter: Bob's own still go through.
  CHECK(report(bob, {{"user_id", ada.id}, {"reason", "other"}})["type"] == "reported");
  CHECK(owner_state(owner, lobby)["reports"].size() == 3);
  // Reports from more than an hour ago no longer count.
  exec_sql(server.database_url(), "UPDATE lobby_reports SET created_at = created_at - 3600001");
  CHECK(report(ada, {{"user_id", bob.id}, {"reason", "spam"}})["type"] == "reported");
}

TEMPLATE_TEST_CASE("blocks are capped per user (--max-blocks-per-user) and a repeated block is not counted",
                   "[safety][block][limits]", SqliteBackend, PostgresBackend) {
  TestServer server(TestType::value, [](swirl::core::Config& c) { c.max_blocks_per_user = 1; });
  Interactions it(server);
  auto& owner = it.user("Olga");
  auto& ada = it.user("Ada");
  auto& bob = it.user("Bob");
  auto& cy = it.user("Cy");
  auto lobby = repeating_lobby(it, owner);
  match_pair(lobby, ada, bob);
  CHECK(block(ada, bob.id)["type"] == "blocked");
  ada.ws->wait_for_type("match_ended");
  CHECK(block(ada, bob.id)["type"] == "blocked");  // idempotent, within the cap
  bob.ws->send({{"type", "leave"}});
  REQUIRE(bob.ws->wait_closed());
  cy.join(lobby);
  cy.ready();
  cy.ws->wait_for_type("match");
  REQUIRE(ada.ws->wait_for_nth("match", 2)["peers"][0]["id"] == cy.id);
  auto refused = block(ada, cy.id);
  CHECK(refused["code"] == "too_many_blocks");
  CHECK_THAT(refused["message"].get<std::string>(), Catch::Contains("1"));
  CHECK(ada.ws->count("match_ended") == 1);  // nothing happened: the call with Cy goes on
  CHECK(cy.ws->count("match_ended") == 0);
  // Per user: Cy holds none yet, so hers is stored.
  CHECK(block(cy, ada.id)["type"] == "blocked");
  CHECK(ada.ws->wait_for_nth("match_ended", 2)["reason"] == "peer_left");
}
