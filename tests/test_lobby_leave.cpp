// Issue 14, black-box: leaving is leaving (`leave`, with and without page_closing), an explicit
// `ready:false` outlives the match, and a ready member is told why they are still waiting.
#include <catch2/catch.hpp>

#include <thread>

#include "support/interactions.hpp"
#include "support/lobby_with_members.hpp"
#include "support/test_server.hpp"
#include "support/wait.hpp"

using namespace swirl::test;
using nlohmann::json;

namespace {

// A grace period long enough that a test relying on it instead of `leave` times out.
auto long_resume = [](swirl::core::Config& c) {
  c.resume_grace = std::chrono::milliseconds(60'000);
  c.page_close_grace = std::chrono::milliseconds(1'500);
};

bool lists(const json& status, const std::string& id) {
  for (const auto& m : status["members"])
    if (m["id"] == id) return true;
  return false;
}

json waiting_for(WsClient& ws, std::size_t nth) { return ws.wait_for_nth("waiting", nth); }

}  // namespace

TEST_CASE("leave removes the member at once: peer_left for the partner, gone from the list, close 1000",
          "[lobby][ws][leave]") {
  LobbyWithMembers room(Backend::sqlite, {.config = long_resume, .owner = "Ada"});
  auto match = room.match();

  room.bob.ws->send({{"type", "leave"}});
  auto ended = room.ada.ws->wait_for_type("match_ended", std::chrono::seconds(3));
  CHECK(ended["reason"] == "peer_left");
  CHECK(ended["match_id"] == match["match_id"]);
  CHECK(ended["ready"] == true);
  CHECK(room.ada.ws->count("user_status") == 0);  // never "reconnecting"
  auto status = room.ada.ws->wait_for(
      [&](const json& m) { return m["type"] == "lobby_status" && !lists(m, room.bob.id); }, std::chrono::seconds(3));
  CHECK(status["member_count"] == 1);
  REQUIRE(room.bob.ws->wait_closed(std::chrono::seconds(3)));
  CHECK(room.bob.ws->close_code() == 1000);
  CHECK(room.bob.ws->count("match_ended") == 0);

  // Coming back is a fresh join, not a resume.
  room.bob.ws.reset();
  CHECK(room.bob.join(room.lobby).wait_for_type("welcome")["resumed"] == false);
}

TEST_CASE("leave with page_closing: a reload within the page-close grace resumes, a closed tab is gone after it",
          "[lobby][ws][leave][resume]") {
  LobbyWithMembers room(Backend::sqlite, {.config = long_resume, .owner = "Ada"});
  auto match = room.match();

  // A reload: the page says it is going, the socket drops, the new page comes back in time.
  room.bob.ws->send({{"type", "leave"}, {"page_closing", true}});
  room.bob.ws->drop();
  room.ada.ws->wait_for([&](const json& m) { return m["type"] == "user_status" && m["status"] == "reconnecting"; });
  room.bob.ws.reset();
  auto welcome = room.bob.join(room.lobby).wait_for_type("welcome");
  CHECK(welcome["resumed"] == true);
  CHECK(welcome["you"]["match"]["match_id"] == match["match_id"]);

  // The resume cleared the mark: a plain drop now gets the whole resume grace.
  room.bob.ws->drop();
  room.ada.ws->wait_for_nth("user_status", 3);  // reconnecting, back, reconnecting
  room.bob.ws.reset();
  room.bob.join(room.lobby).wait_for_type("welcome");

  // A closed tab: gone after the page-close grace (1.5 s), well before the resume grace (60 s).
  auto t0 = std::chrono::steady_clock::now();
  room.bob.ws->send({{"type", "leave"}, {"page_closing", true}});
  room.bob.ws->drop();
  auto ended = room.ada.ws->wait_for_type("match_ended", std::chrono::seconds(10));
  auto took = std::chrono::steady_clock::now() - t0;
  CHECK(ended["reason"] == "peer_left");
  CHECK(took >= std::chrono::milliseconds(1'400));
  CHECK(took < std::chrono::seconds(10));
  room.ada.ws->wait_for([&](const json& m) { return m["type"] == "lobby_status" && !lists(m, room.bob.id); });
}

TEST_CASE("a close frame with 1001 (going away: the browser closed the page) gets the page-close grace",
          "[lobby][ws][leave]") {
  LobbyWithMembers room(Backend::sqlite, {.config = long_resume, .owner = "Ada"});
  auto match = room.match();

  // The tab closed before the page could send `leave`: the browser's own close frame says so.
  auto t0 = std::chrono::steady_clock::now();
  room.bob.ws->close(1001);
  auto ended = room.ada.ws->wait_for_type("match_ended", std::chrono::seconds(10));
  auto took = std::chrono::steady_clock::now() - t0;
  CHECK(ended["reason"] == "peer_left");
  CHECK(ended["match_id"] == match["match_id"]);
  CHECK(took >= std::chrono::milliseconds(1'400));  // the page-close grace (1.5 s) ...
  CHECK(took < std::chrono::seconds(10));           // ... not the resume grace (60 s)
  room.ada.ws->wait_for([&](const json& m) { return m["type"] == "lobby_status" && !lists(m, room.bob.id); });

  // A normal close (1000) without `leave` is still a lost connection: the resume grace applies.
  auto& cy = room.it.user("Cy");
  auto& dee = room.it.user("Dee");
  match_pair(room.it.create_lobby(cy), cy, dee);  // a lobby of their own: Ada is still waiting in the first
  dee.ws->close(1000);
  auto st = cy.ws->wait_for([&](const json& m) { return m["type"] == "user_status"; }, std::chrono::seconds(5));
  CHECK(st["status"] == "reconnecting");
  std::this_thread::sleep_for(std::chrono::milliseconds(2'500));
  CHECK(cy.ws->count("match_ended") == 0);
}

TEST_CASE("an explicit ready:false sent during a match is kept when the match ends", "[lobby][ws][readiness]") {
  LobbyWithMembers room(Backend::sqlite, {.config = long_resume, .owner = "Ada"});
  room.match();

  // A lobby_status sent after her `ready:false` shows it (wait_for would also accept an older
  // snapshot from before the match, when she was not ready yet: then Bob could leave first).
  auto seen = room.ada.ws->count("lobby_status");
  room.ada.ready(false);  // "this is my last one"
  for (bool shown = false; !shown;) {
    auto status = room.ada.ws->wait_for_nth("lobby_status", ++seen);
    for (const auto& x : status["members"])
      if (x["id"] == room.ada.id) shown = x["ready"] == false;
  }
  auto told = room.bob.ws->count("waiting");  // (he may have waited alone before Ada was ready)
  room.bob.leave_match(true);
  auto ended = room.ada.ws->wait_for_type("match_ended");
  CHECK(ended["reason"] == "peer_left");
  CHECK(ended["ready"] == false);
  // And she stays out of the pool: Bob, ready, is told nobody else is ready.
  CHECK(waiting_for(*room.bob.ws, told + 1)["reason"] == "nobody_ready");
}

TEST_CASE("a waiting member is told why (nobody else ready, or met everyone) and repeats end the wait",
          "[lobby][ws][matchmaking][waiting]") {
  LobbyWithMembers room(Backend::sqlite, {.config = long_resume, .owner = "Ada"});
  room.ada.join(room.lobby);
  room.bob.join(room.lobby);

  room.ada.ready();
  CHECK(waiting_for(*room.ada.ws, 1)["reason"] == "nobody_ready");
  room.bob.ready();
  room.ada.ws->wait_for_type("match");
  room.bob.ws->wait_for_type("match");
  CHECK(room.bob.ws->count("waiting") == 0);

  // "Next" from Ada: both ready again, but they have met: both hear why, and lobby_status counts them.
  room.ada.leave_match(true);
  CHECK(waiting_for(*room.ada.ws, 2)["reason"] == "met_everyone");
  CHECK(waiting_for(*room.bob.ws, 1)["reason"] == "met_everyone");
  room.ada.ws->wait_for([](const json& m) { return m["type"] == "lobby_status" && m["waiting_met_everyone"] == 2; });

  // Bob steps out: Ada is now simply alone; the count goes back to 0.
  room.bob.ready(false);
  CHECK(waiting_for(*room.ada.ws, 3)["reason"] == "nobody_ready");
  room.ada.ws->wait_for([](const json& m) { return m["type"] == "lobby_status" && m["waiting_met_everyone"] == 0; });
  room.bob.ready();
  CHECK(waiting_for(*room.ada.ws, 4)["reason"] == "met_everyone");

  // The owner allows repeats: they meet again at once.
  auto r =
      room.ada.http->patch("/api/lobbies/" + room.lobby + "/settings", {{"when_exhausted", "repeat"}}, room.ada.token);
  REQUIRE(r.status == 200);
  CHECK(room.ada.ws->wait_for_nth("match", 2)["peers"][0]["id"] == room.bob.id);
  room.ada.ws->wait_for([](const json& m) { return m["type"] == "lobby_status" && m["waiting_met_everyone"] == 0; });
}
