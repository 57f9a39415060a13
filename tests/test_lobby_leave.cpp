// Issue 14, black-box: leaving is leaving (`leave`, with and without page_closing), an explicit
// `ready:false` outlives the match, and a ready member is told why they are still waiting.
#include <catch2/catch.hpp>

#include <thread>

#include "support/interactions.hpp"
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
  TestServer server(Backend::sqlite, long_resume);
  Interactions it(server);
  auto& ada = it.user("Ada");
  auto& bob = it.user("Bob");
  auto lobby = it.create_lobby(ada);
  auto match = match_pair(lobby, ada, bob);

  bob.ws->send({{"type", "leave"}});
  auto ended = ada.ws->wait_for_type("match_ended", std::chrono::seconds(3));
  CHECK(ended["reason"] == "peer_left");
  CHECK(ended["match_id"] == match["match_id"]);
  CHECK(ended["ready"] == true);
  CHECK(ada.ws->count("user_status") == 0);  // never "reconnecting"
  auto status = ada.ws->wait_for([&](const json& m) { return m["type"] == "lobby_status" && !lists(m, bob.id); },
                                 std::chrono::seconds(3));
  CHECK(status["member_count"] == 1);
  REQUIRE(bob.ws->wait_closed(std::chrono::seconds(3)));
  CHECK(bob.ws->close_code() == 1000);
  CHECK(bob.ws->count("match_ended") == 0);

  // Coming back is a fresh join, not a resume.
  bob.ws.reset();
  CHECK(bob.join(lobby).wait_for_type("welcome")["resumed"] == false);
}

TEST_CASE("leave with page_closing: a reload within the page-close grace resumes, a closed tab is gone after it",
          "[lobby][ws][leave][resume]") {
  TestServer server(Backend::sqlite, long_resume);
  Interactions it(server);
  auto& ada = it.user("Ada");
  auto& bob = it.user("Bob");
  auto lobby = it.create_lobby(ada);
  auto match = match_pair(lobby, ada, bob);

  // A reload: the page says it is going, the socket drops, the new page comes back in time.
  bob.ws->send({{"type", "leave"}, {"page_closing", true}});
  bob.ws->drop();
  ada.ws->wait_for([&](const json& m) { return m["type"] == "user_status" && m["status"] == "reconnecting"; });
  bob.ws.reset();
  auto welcome = bob.join(lobby).wait_for_type("welcome");
  CHECK(welcome["resumed"] == true);
  CHECK(welcome["you"]["match"]["match_id"] == match["match_id"]);

  // The resume cleared the mark: a plain drop now gets the whole resume grace.
  bob.ws->drop();
  ada.ws->wait_for_nth("user_status", 3);  // reconnecting, back, reconnecting
  bob.ws.reset();
  bob.join(lobby).wait_for_type("welcome");

  // A closed tab: gone after the page-close grace (1.5 s), well before the resume grace (60 s).
  auto t0 = std::chrono::steady_clock::now();
  bob.ws->send({{"type", "leave"}, {"page_closing", true}});
  bob.ws->drop();
  auto ended = ada.ws->wait_for_type("match_ended", std::chrono::seconds(10));
  auto took = std::chrono::steady_clock::now() - t0;
  CHECK(ended["reason"] == "peer_left");
  CHECK(took >= std::chrono::milliseconds(1'400));
  CHECK(took < std::chrono::seconds(10));
  ada.ws->wait_for([&](const json& m) { return m["type"] == "lobby_status" && !lists(m, bob.id); });
}

TEST_CASE("a close frame with 1001 (going away: the browser closed the page) gets the page-close grace",
          "[lobby][ws][leave]") {
  TestServer server(Backend::sqlite, long_resume);
  Interactions it(server);
  auto& ada = it.user("Ada");
  auto& bob = it.user("Bob");
  auto lobby = it.create_lobby(ada);
  auto match = match_pair(lobby, ada, bob);

  // The tab closed before the page could send `leave`: the browser's own close frame says so.
  auto t0 = std::chrono::steady_clock::now();
  bob.ws->close(1001);
  auto ended = ada.ws->wait_for_type("match_ended", std::chrono::seconds(10));
  auto took = std::chrono::steady_clock::now() - t0;
  CHECK(ended["reason"] == "peer_left");
  CHECK(ended["match_id"] == match["match_id"]);
  CHECK(took >= std::chrono::milliseconds(1'400));  // the page-close grace (1.5 s) ...
  CHECK(took < std::chrono::seconds(10));           // ... not the resume grace (60 s)
  ada.ws->wait_for([&](const json& m) { return m["type"] == "lobby_status" && !lists(m, bob.id); });

  // A normal close (1000) without `leave` is still a lost connection: the resume grace applies.
  auto& cy = it.user("Cy");
  auto& dee = it.user("Dee");
  match_pair(it.create_lobby(cy), cy, dee);  // a lobby of their own: Ada is still waiting in the first
  dee.ws->close(1000);
  auto st = cy.ws->wait_for([&](const json& m) { return m["type"] == "user_status"; }, std::chrono::seconds(5));
  CHECK(st["status"] == "reconnecting");
  std::this_thread::sleep_for(std::chrono::milliseconds(2'500));
  CHECK(cy.ws->count("match_ended") == 0);
}

TEST_CASE("an explicit ready:false sent during a match is kept when the match ends", "[lobby][ws][readiness]") {
  TestServer server(Backend::sqlite, long_resume);
  Interactions it(server);
  auto& ada = it.user("Ada");
  auto& bob = it.user("Bob");
  auto lobby = it.create_lobby(ada);
  match_pair(lobby, ada, bob);

  // A lobby_status sent after her `ready:false` shows it (wait_for would also accept an older
  // snapshot from before the match, when she was not ready yet: then Bob could leave first).
  auto seen = ada.ws->count("lobby_status");
  ada.ready(false);  // "this is my last one"
  for (bool shown = false; !shown;) {
    auto status = ada.ws->wait_for_nth("lobby_status", ++seen);
    for (const auto& x : status["members"])
      if (x["id"] == ada.id) shown = x["ready"] == false;
  }
  auto told = bob.ws->count("waiting");  // (he may have waited alone before Ada was ready)
  bob.leave_match(true);
  auto ended = ada.ws->wait_for_type("match_ended");
  CHECK(ended["reason"] == "peer_left");
  CHECK(ended["ready"] == false);
  // And she stays out of the pool: Bob, ready, is told nobody else is ready.
  CHECK(waiting_for(*bob.ws, told + 1)["reason"] == "nobody_ready");
}

TEST_CASE("a waiting member is told why (nobody else ready, or met everyone) and repeats end the wait",
          "[lobby][ws][matchmaking][waiting]") {
  TestServer server(Backend::sqlite, long_resume);
  Interactions it(server);
  auto& ada = it.user("Ada");
  auto& bob = it.user("Bob");
  auto lobby = it.create_lobby(ada);
  ada.join(lobby);
  bob.join(lobby);

  ada.ready();
  CHECK(waiting_for(*ada.ws, 1)["reason"] == "nobody_ready");
  bob.ready();
  ada.ws->wait_for_type("match");
  bob.ws->wait_for_type("match");
  CHECK(bob.ws->count("waiting") == 0);

  // "Next" from Ada: both ready again, but they have met: both hear why, and lobby_status counts them.
  ada.leave_match(true);
  CHECK(waiting_for(*ada.ws, 2)["reason"] == "met_everyone");
  CHECK(waiting_for(*bob.ws, 1)["reason"] == "met_everyone");
  ada.ws->wait_for([](const json& m) { return m["type"] == "lobby_status" && m["waiting_met_everyone"] == 2; });

  // Bob steps out: Ada is now simply alone; the count goes back to 0.
  bob.ready(false);
  CHECK(waiting_for(*ada.ws, 3)["reason"] == "nobody_ready");
  ada.ws->wait_for([](const json& m) { return m["type"] == "lobby_status" && m["waiting_met_everyone"] == 0; });
  bob.ready();
  CHECK(waiting_for(*ada.ws, 4)["reason"] == "met_everyone");

  // The owner allows repeats: they meet again at once.
  auto r = ada.http->patch("/api/lobbies/" + lobby + "/settings", {{"when_exhausted", "repeat"}}, ada.token);
  REQUIRE(r.status == 200);
  CHECK(ada.ws->wait_for_nth("match", 2)["peers"][0]["id"] == bob.id);
  ada.ws->wait_for([](const json& m) { return m["type"] == "lobby_status" && m["waiting_met_everyone"] == 0; });
}
