// Safety for people who meet strangers (issue 17), black-box on both backends: a member blocks
// someone they were matched with (the call ends, they are never matched again in any lobby,
// signals between them are refused) or reports them (the lobby's owner sees it in the owner
// state and can ban from there, or dismiss it). Limits: blocks per user, reports per reporter
// per lobby per hour; bad input gets invalid_message, and nobody can be named who was not met.
#include <catch2/catch.hpp>

#include "support/interactions.hpp"
#include "support/lobby_with_members.hpp"
#include "support/test_server.hpp"
#include "support/wait.hpp"
#include "swirl/core/config.hpp"

using namespace swirl::test;
using nlohmann::json;

namespace {

// A lobby where met pairs may meet again at once: only a block keeps a pair apart.
const nlohmann::json kRepeatAtOnce = {{"when_exhausted", "repeat"}, {"repeat_after_seconds", 0}};

std::string repeating_lobby(Interactions& it, SimUser& owner) {
  return it.create_lobby(owner, "Repeats", 2, kRepeatAtOnce);
}

// The fixture's lobby, repeating; `config` changes the server's configuration.
LobbyOptions repeating(std::function<void(swirl::core::Config&)> config = {}) {
  return {.config = std::move(config), .name = "Repeats", .settings = kRepeatAtOnce};
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
  LobbyWithMembers room(TestType::value, repeating());

  auto match = room.match();
  auto waits_a = room.ada.ws->count("waiting");
  auto waits_b = room.bob.ws->count("waiting");
  auto reply = block(room.ada, room.bob.id);
  CHECK(reply == json{{"type", "blocked"}, {"user_id", room.bob.id}});
  // The blocker hears `blocked` as the reason; the other one only that their peer left.
  auto ended_a = room.ada.ws->wait_for_type("match_ended");
  CHECK(ended_a["match_id"] == match["match_id"]);
  CHECK(ended_a["reason"] == "blocked");
  CHECK(ended_a["ready"] == true);  // their own last word: ready from the matcher
  auto ended_b = room.bob.ws->wait_for_type("match_ended");
  CHECK(ended_b["reason"] == "peer_left");
  CHECK(ended_b["ready"] == true);
  // Both are ready, the lobby repeats pairs at once, and still they only wait.
  CHECK(next_of(*room.ada.ws, "waiting", waits_a)["reason"] == "met_everyone");
  CHECK(next_of(*room.bob.ws, "waiting", waits_b)["reason"] == "met_everyone");
  CHECK(room.ada.ws->count("match") == 1);
  CHECK(room.bob.ws->count("match") == 1);

  // Signals between them are refused, both ways.
  room.ada.signal(room.bob.id, {{"candidate", nullptr}});
  CHECK(
      room.ada.ws->wait_for([](const json& m) { return m["type"] == "error" && m["code"] == "blocked"; }).is_object());
  auto errors_b = room.bob.ws->count("error");
  room.bob.signal(room.ada.id, {{"candidate", nullptr}});
  CHECK(next_of(*room.bob.ws, "error", errors_b)["code"] == "blocked");
  CHECK(room.ada.ws->count("signal") == 0);

  // A newcomer is matched with one of them; the other keeps waiting.
  auto& cy = room.it.user("Cy");
  cy.join(room.lobby);
  cy.ready();
  auto with_cy = cy.ws->wait_for_type("match");
  CHECK(with_cy["peers"].size() == 1);
  // Blocking again is idempotent.
  CHECK(block(room.ada, room.bob.id)["type"] == "blocked");
  // Bob was never told he was blocked (his signal error aside, which he caused himself).
  auto bob_messages = room.bob.ws->messages();
  for (const auto& m : bob_messages) {
    CHECK(m["type"] != "blocked");
    CHECK(m.value("reason", "") != "blocked");
  }
}

TEMPLATE_TEST_CASE(
    "a block made in one lobby ends the pair's call in another live lobby and holds in lobbies joined later",
    "[safety][block]", SqliteBackend, PostgresBackend) {
  LobbyWithMembers room(TestType::value, repeating());
  const auto& first = room.lobby;
  auto second = repeating_lobby(room.it, room.owner);
  auto later = repeating_lobby(room.it, room.owner);

  // Matched in the second lobby, on a second connection each (another tab).
  WsOptions opt_a;
  opt_a.token = room.ada.token;
  WsOptions opt_b;
  opt_b.token = room.bob.token;
  WsClient ada2(room.server.port(), "/api/lobbies/" + second + "/ws", opt_a);
  WsClient bob2(room.server.port(), "/api/lobbies/" + second + "/ws", opt_b);
  ada2.wait_for_type("welcome");
  bob2.wait_for_type("welcome");
  ada2.send({{"type", "ready"}, {"ready", true}});
  bob2.send({{"type", "ready"}, {"ready", true}});
  ada2.wait_for_type("match");
  bob2.wait_for_type("match");

  // Then matched in the first lobby, where Bob blocks Ada.
  match_pair(first, room.ada, room.bob);
  CHECK(block(room.bob, room.ada.id)["type"] == "blocked");
  // The second lobby's call ends too: Bob (the blocker) hears `blocked`, Ada `peer_left`.
  CHECK(bob2.wait_for_type("match_ended")["reason"] == "blocked");
  CHECK(ada2.wait_for_type("match_ended")["reason"] == "peer_left");
  CHECK_FALSE(told_blocked(ada2));
  CHECK(waiting_reason(ada2, "met_everyone").is_object());

  // A lobby they had never been in together, joined afterwards: still apart.
  room.ada.join(later);
  room.bob.join(later);
  room.ada.ready();
  room.bob.ready();
  CHECK(waiting_reason(*room.ada.ws, "met_everyone").is_object());
  CHECK(waiting_reason(*room.bob.ws, "met_everyone").is_object());
  CHECK(room.ada.ws->count("match") == 0);
  auto& cy = room.it.user("Cy");
  cy.join(later);
  cy.ready();
  CHECK(cy.ws->wait_for_type("match")["peers"].size() == 1);
  CHECK_FALSE(told_blocked(*room.ada.ws));

  // And after a restart of the server on the same database.
  std::string url = room.server.database_url();
  room.ada.ws.reset();
  room.bob.ws.reset();
  cy.ws.reset();
  room.server.stop();
  TestServer again(url);
  for (auto* u : {&room.ada, &room.bob}) {
    u->port = again.port();
    u->http = std::make_unique<HttpClient>(again.port());
  }
  room.ada.join(first);
  room.bob.join(first);
  room.ada.ready();
  room.bob.ready();
  CHECK(waiting_reason(*room.ada.ws, "met_everyone").is_object());
  CHECK(waiting_reason(*room.bob.ws, "met_everyone").is_object());
}

TEMPLATE_TEST_CASE("only someone you were matched with can be blocked or reported, and bad input is refused",
                   "[safety][strict]", SqliteBackend, PostgresBackend) {
  LobbyWithMembers room(TestType::value, repeating());
  auto& stranger = room.it.user("Stranger");
  stranger.join(room.lobby);
  room.ada.join(room.lobby);

  // Nobody met yet: a real member, a well-formed unknown id, yourself: all the same answer.
  for (const std::string& id : {stranger.id, std::string("AAAAAAAAAAAAAAAA"), room.ada.id}) {
    auto b = block(room.ada, id);
    CHECK(b["code"] == "not_matched");
    auto r = report(room.ada, {{"user_id", id}, {"reason", "spam"}});
    CHECK(r["code"] == "not_matched");
  }
  // Not a user id at all, or a missing or wrong field.
  for (const json& bad : {json("someone"), json(std::string(17, 'a')), json("aaaaaaaaaaaaaaa/"), json(42), json()}) {
    json msg = {{"type", "block"}};
    if (!bad.is_null()) msg["user_id"] = bad;
    auto errors = room.ada.ws->count("error");
    room.ada.ws->send(msg);
    CHECK(next_of(*room.ada.ws, "error", errors)["code"] == "invalid_message");
    CHECK(report(room.ada, {{"user_id", bad}, {"reason", "spam"}})["code"] == "invalid_message");
  }

  stranger.ws.reset();
  room.bob.join(room.lobby);
  room.ada.ready();
  room.bob.ready();
  room.bob.ws->wait_for_type("match");
  room.ada.ws->wait_for_type("match");
  CHECK(report(room.ada, {{"user_id", room.bob.id}, {"reason", "rude"}})["code"] == "invalid_message");
  CHECK(report(room.ada, {{"user_id", room.bob.id}})["code"] == "invalid_message");
  CHECK(report(room.ada, {{"user_id", room.bob.id}, {"reason", "spam"}, {"details", 5}})["code"] == "invalid_message");
  CHECK(report(room.ada, {{"user_id", room.bob.id}, {"reason", "spam"}, {"details", std::string(501, 'x')}})["code"] ==
        "invalid_message");
  CHECK(report(room.ada, {{"user_id", room.bob.id}, {"reason", "spam"}, {"details", "a\x01b"}})["code"] ==
        "invalid_message");
  // The limits themselves are fine: 500 bytes (of multi-byte characters too), every reason.
  std::string most;
  while (most.size() + 2 <= 500) most += "\xC3\xA9";
  CHECK(report(room.ada, {{"user_id", room.bob.id}, {"reason", "other"}, {"details", most}})["type"] == "reported");
  for (const char* reason : {"harassment", "inappropriate", "spam", "underage"})
    CHECK(report(room.ada, {{"user_id", room.bob.id}, {"reason", reason}})["type"] == "reported");
  // After the match, the former partner may still be named (match history).
  room.ada.leave_match(false);
  room.bob.ws->wait_for_type("match_ended");
  CHECK(report(room.bob, {{"user_id", room.ada.id}, {"reason", "spam"}, {"details", "line one\nline two"}})["type"] ==
        "reported");
  CHECK(block(room.bob, room.ada.id)["type"] == "blocked");
}

TEMPLATE_TEST_CASE("a report reaches the lobby's owner only, who can ban from it and dismiss it",
                   "[safety][report][owner]", SqliteBackend, PostgresBackend) {
  LobbyWithMembers room(TestType::value, repeating([](swirl::core::Config& c) {
                          c.resume_grace = std::chrono::milliseconds(100);
                          c.lobby_idle_shutdown = std::chrono::milliseconds(100);
                        }));
  CHECK(owner_state(room.owner, room.lobby)["reports"] == json::array());

  auto match = room.match();
  auto reply = report(room.ada, {{"user_id", room.bob.id}, {"reason", "harassment"}, {"details", "kept insulting me"}});
  REQUIRE(reply["type"] == "reported");
  std::string report_id = reply["report_id"];
  CHECK(room.bob.ws->count("reported") == 0);
  CHECK(room.bob.ws->count("match_ended") == 0);  // a report alone does not end the call

  auto reports = owner_state(room.owner, room.lobby)["reports"];
  REQUIRE(reports.size() == 1);
  const auto& r = reports[0];
  CHECK(r["id"] == report_id);
  CHECK(r["reporter"] == json{{"id", room.ada.id}, {"display_name", "Ada"}});
  CHECK(r["reported"] == json{{"id", room.bob.id}, {"display_name", "Bob"}, {"member", true}});
  CHECK(r["reason"] == "harassment");
  CHECK(r["details"] == "kept insulting me");
  CHECK(r["match_id"] == match["match_id"]);
  CHECK(r["created_at"].is_string());
  // Newest first.
  room.ada.leave_match(false);
  REQUIRE(report(room.ada, {{"user_id", room.bob.id}, {"reason", "spam"}})["type"] == "reported");
  reports = owner_state(room.owner, room.lobby)["reports"];
  REQUIRE(reports.size() == 2);
  CHECK(reports[0]["reason"] == "spam");
  CHECK(reports[0]["match_id"].is_null());  // not made during a match with them
  CHECK(reports[1]["id"] == report_id);

  // Nobody else sees them or can dismiss them.
  for (auto* u : {&room.ada, &room.bob}) {
    CHECK(u->http->get("/api/lobbies/" + room.lobby + "/state", u->token).status == 403);
    CHECK(u->http->del("/api/lobbies/" + room.lobby + "/reports/" + report_id, u->token).status == 403);
  }
  CHECK(room.owner.http->del("/api/lobbies/" + room.lobby + "/reports/" + report_id).status == 401);

  // The owner bans Bob from there (the existing kick endpoint).
  auto ban = room.owner.http->post("/api/lobbies/" + room.lobby + "/kick",
                                   {{"user_id", room.bob.id}, {"ban_seconds", 600}}, room.owner.token);
  CHECK(ban.status == 200);
  CHECK(room.bob.ws->wait_for_type("kicked")["ban_seconds"] == 600);
  CHECK(refused_join(room.server.port(), room.lobby, room.bob.token).error_code() == "banned");
  CHECK(owner_state(room.owner, room.lobby)["reports"][0]["reported"]["member"] == false);

  // Dismissed: gone for good; unknown ids and other lobbies' reports are 404.
  auto other = repeating_lobby(room.it, room.owner);
  CHECK(room.owner.http->del("/api/lobbies/" + other + "/reports/" + report_id, room.owner.token).status == 404);
  auto dismissed = room.owner.http->del("/api/lobbies/" + room.lobby + "/reports/" + report_id, room.owner.token);
  CHECK(dismissed.status == 200);
  CHECK(dismissed.json() == json{{"report_id", report_id}, {"dismissed", true}});
  auto again = room.owner.http->del("/api/lobbies/" + room.lobby + "/reports/" + report_id, room.owner.token);
  CHECK(again.status == 404);
  CHECK(again.error_code() == "report_not_found");
  CHECK(owner_state(room.owner, room.lobby)["reports"].size() == 1);
  // The reports outlive the lobby's actor (the state of a lobby without one reads them too).
  room.ada.ws.reset();
  REQUIRE(wait_until([&] { return owner_state(room.owner, room.lobby)["live"] == false; }, std::chrono::seconds(30)));
  CHECK(owner_state(room.owner, room.lobby)["reports"].size() == 1);
}

TEMPLATE_TEST_CASE("reports are capped per reporter per lobby per hour (--max-reports-per-hour)",
                   "[safety][report][limits]", SqliteBackend, PostgresBackend) {
  LobbyWithMembers room(TestType::value, repeating([](swirl::core::Config& c) { c.max_reports_per_hour = 2; }));
  room.match();
  CHECK(report(room.ada, {{"user_id", room.bob.id}, {"reason", "spam"}})["type"] == "reported");
  CHECK(report(room.ada, {{"user_id", room.bob.id}, {"reason", "spam"}})["type"] == "reported");
  auto third = report(room.ada, {{"user_id", room.bob.id}, {"reason", "spam"}});
  CHECK(third["code"] == "too_many_reports");
  CHECK_THAT(third["message"].get<std::string>(), Catch::Contains("2"));
  // Per reporter: Bob's own still go through.
  CHECK(report(room.bob, {{"user_id", room.ada.id}, {"reason", "other"}})["type"] == "reported");
  CHECK(owner_state(room.owner, room.lobby)["reports"].size() == 3);
  // Reports from more than an hour ago no longer count.
  exec_sql(room.server.database_url(), "UPDATE lobby_reports SET created_at = created_at - 3600001");
  CHECK(report(room.ada, {{"user_id", room.bob.id}, {"reason", "spam"}})["type"] == "reported");
}

TEMPLATE_TEST_CASE("blocks are capped per user (--max-blocks-per-user) and a repeated block is not counted",
                   "[safety][block][limits]", SqliteBackend, PostgresBackend) {
  LobbyWithMembers room(TestType::value, repeating([](swirl::core::Config& c) { c.max_blocks_per_user = 1; }));
  auto& cy = room.it.user("Cy");
  room.match();
  CHECK(block(room.ada, room.bob.id)["type"] == "blocked");
  room.ada.ws->wait_for_type("match_ended");
  CHECK(block(room.ada, room.bob.id)["type"] == "blocked");  // idempotent, within the cap
  room.bob.ws->send({{"type", "leave"}});
  REQUIRE(room.bob.ws->wait_closed());
  cy.join(room.lobby);
  cy.ready();
  cy.ws->wait_for_type("match");
  REQUIRE(room.ada.ws->wait_for_nth("match", 2)["peers"][0]["id"] == cy.id);
  auto refused = block(room.ada, cy.id);
  CHECK(refused["code"] == "too_many_blocks");
  CHECK_THAT(refused["message"].get<std::string>(), Catch::Contains("1"));
  CHECK(room.ada.ws->count("match_ended") == 1);  // nothing happened: the call with Cy goes on
  CHECK(cy.ws->count("match_ended") == 0);
  // Per user: Cy holds none yet, so hers is stored.
  CHECK(block(cy, room.ada.id)["type"] == "blocked");
  CHECK(room.ada.ws->wait_for_nth("match_ended", 2)["reason"] == "peer_left");
}
