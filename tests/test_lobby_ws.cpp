// The lobby runtime, black-box: real server, real HTTP and WebSocket clients per simulated
// user, waiting on predicates (never on arrival order or sleeps).
#include <catch2/catch.hpp>

#include <set>

#include "support/interactions.hpp"
#include "support/test_server.hpp"
#include "support/wait.hpp"

using namespace swirl::test;
using nlohmann::json;

namespace {

auto fast_timers = [](swirl::core::Config& c) {
  c.resume_grace = std::chrono::milliseconds(1000);
  c.lobby_idle_shutdown = std::chrono::milliseconds(1000);
};

std::string peer_of(const json& match) { return match.at("peers").at(0).at("id").get<std::string>(); }

bool status_lists(const json& m, std::initializer_list<std::string> ids) {
  if (m.value("type", "") != "lobby_status") return false;
  std::set<std::string> present;
  for (const auto& x : m["members"]) present.insert(x["id"].get<std::string>());
  for (const auto& id : ids)
    if (!present.count(id)) return false;
  return true;
}

json big_offer() {
  std::string sdp = "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";
  while (sdp.size() < 3000) sdp += "a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack pli\r\n";
  return {{"description", {{"type", "offer"}, {"sdp", sdp}}}};
}

}  // namespace

TEMPLATE_TEST_CASE("creating a lobby and reading its public information", "[lobby][http]", SqliteBackend,
                   PostgresBackend) {
  TestServer server(TestType::value);
  Interactions it(server);
  auto& owner = it.user("Olga");
  auto r =
      owner.http->post("/api/lobbies", {{"name", "Friday coffee"}, {"settings", {{"group_size", 3}}}}, owner.token);
  REQUIRE(r.status == 201);
  auto j = r.json();
  std::string id = j["id"];
  CHECK(id.size() >= 16);
  CHECK(j["settings"]["group_size"] == 3);
  CHECK(j["owner_id"] == owner.id);
  CHECK_THAT(j["invite_url"].get<std::string>(), Catch::EndsWith("/l/" + id));

  auto pub = owner.http->get("/api/lobbies/" + id);
  REQUIRE(pub.status == 200);
  CHECK(pub.json()["name"] == "Friday coffee");
  CHECK(pub.json()["status"] == "open");
  CHECK(pub.json()["member_count"] == 0);

  CHECK(owner.http->get("/api/lobbies/doesnotexist000").status == 404);
  CHECK(owner.http->get("/api/lobbies/doesnotexist000").error_code() == "lobby_not_found");
  CHECK(owner.http->post("/api/lobbies", {{"name", "x"}}).status == 401);
  auto bad = owner.http->post("/api/lobbies", {{"name", "x"}, {"settings", {{"group_size", 7}}}}, owner.token);
  CHECK(bad.status == 400);
  CHECK_THAT(bad.json()["error"]["message"].get<std::string>(), Catch::Contains("group_size"));
  CHECK(owner.http->post("/api/lobbies", {{"name", ""}}, owner.token).error_code() == "invalid_name");
  CHECK(owner.http->post("/api/lobbies", {{"settings", {}}}, owner.token).error_code() == "invalid_name");
}

TEMPLATE_TEST_CASE("join: welcome, then everyone gets lobby_status", "[lobby][ws]", SqliteBackend, PostgresBackend) {
  TestServer server(TestType::value);
  Interactions it(server);
  auto& ada = it.user("Ada");
  auto& bob = it.user("Bob");
  auto lobby = it.create_lobby(ada);
  auto& a = ada.join(lobby);
  auto welcome = a.wait_for_type("welcome");
  CHECK(welcome["user"]["id"] == ada.id);
  CHECK(welcome["lobby"]["id"] == lobby);
  CHECK(welcome["lobby"]["settings"]["group_size"] == 2);
  CHECK(welcome["resumed"] == false);
  CHECK(welcome["ice_servers"].is_array());
  CHECK(a.selected_subprotocol() == "swirl.v1");
  bob.join(lobby);
  a.wait_for([&](const json& m) { return status_lists(m, {ada.id, bob.id}); });
  auto s = bob.ws->wait_for([&](const json& m) { return status_lists(m, {ada.id, bob.id}); });
  CHECK(s["member_count"] == 2);
  CHECK(it.server().client().get("/api/lobbies/" + lobby).json()["member_count"] == 2);
}

TEST_CASE("welcome carries the lobby, its current settings, ICE servers and the limits", "[lobby][ws][protocol]") {
  TestServer server(Backend::sqlite, [](swirl::core::Config& c) {
    c.ice.stun_urls = {"stun:127.0.0.1:3478", "stun:127.0.0.1:3479"};
    c.ws_max_frame_bytes = 12345;
    c.ws_rate_per_second = 40;
    c.ws_rate_burst = 80;
    c.resume_grace = std::chrono::milliseconds(7000);
    c.no_media_timeout = std::chrono::milliseconds(4500);  // whole seconds, rounded up
    c.hidden_unready = std::chrono::milliseconds(61000);
  });
  Interactions it(server);
  auto& owner = it.user("Olga \"the owner\"");
  auto& ada = it.user("Ada");
  auto lobby = it.create_lobby(owner);
  auto w = ada.join(lobby).wait_for_type("welcome");
  CHECK(w["protocol"] == 1);
  CHECK(w["user"] == json{{"id", ada.id}, {"display_name", "Ada"}});
  CHECK(w["lobby"]["id"] == lobby);
  CHECK(w["lobby"]["owner_id"] == owner.id);
  CHECK(w["lobby"]["status"] == "open");
  CHECK(w["lobby"]["name"] == server.client().get("/api/lobbies/" + lobby).json()["name"]);
  CHECK(w["lobby"]["settings"] == server.client().get("/api/lobbies/" + lobby).json()["settings"]);
  CHECK(w["ice_servers"] == json::parse(R"([{"urls":["stun:127.0.0.1:3478","stun:127.0.0.1:3479"]}])"));
  CHECK(w["ice_expires_at"].is_null());  // STUN only: nothing expires
  CHECK(w["resumed"] == false);
  CHECK(w["you"] == json{{"ready", false}, {"match", nullptr}});
  CHECK(w["limits"] == json{{"max_message_bytes", 12345},
                            {"messages_per_second", 40},
                            {"burst", 80},
                            {"resume_grace_seconds", 7},
                            {"no_media_seconds", 5},
                            {"hidden_unready_seconds", 61}});

  // Settings changed live reach the next welcome.
  REQUIRE(owner.http->patch("/api/lobbies/" + lobby + "/settings", {{"group_size", 3}}, owner.token).status == 200);
  auto& bob = it.user("Bob");
  auto w2 = bob.join(lobby).wait_for_type("welcome");
  CHECK(w2["lobby"]["settings"]["group_size"] == 3);
  CHECK(w2["lobby"]["settings"] == server.client().get("/api/lobbies/" + lobby).json()["settings"]);
}

TEST_CASE("refused before the upgrade: no token, bad token, unknown lobby", "[lobby][ws][auth]") {
  TestServer server(Backend::sqlite);
  Interactions it(server);
  auto& ada = it.user("Ada");
  auto lobby = it.create_lobby(ada);
  auto target = "/api/lobbies/" + lobby + "/ws";
  auto no_token = refused_join(server.port(), lobby, std::nullopt);
  CHECK(no_token.status == 401);
  CHECK(no_token.error_code() == "missing_token");
  auto wrong = refused_join(server.port(), lobby, std::string(43, 'A'));
  CHECK(wrong.status == 401);
  CHECK(wrong.error_code() == "invalid_token");
  auto unknown = refused_join(server.port(), "nosuchlobby00000", ada.token);
  CHECK(unknown.status == 404);
  CHECK(unknown.error_code() == "lobby_not_found");
  // The Authorization header works for non-browser clients.
  WsOptions o;
  o.token = ada.token;
  o.token_in_authorization_header = true;
  WsClient c(server.port(), target, o);
  CHECK(c.wait_for_type("welcome")["user"]["id"] == ada.id);
}

TEMPLATE_TEST_CASE("two ready users are matched with complementary roles and relay signals intact",
                   "[lobby][ws][relay]", SqliteBackend, PostgresBackend) {
  TestServer server(TestType::value);
  Interactions it(server);
  auto& ada = it.user("Ada");
  auto& bob = it.user("Bob");
  auto lobby = it.create_lobby(ada);
  ada.join(lobby);
  bob.join(lobby);
  ada.ready();
  bob.ready();
  auto ma = ada.ws->wait_for_type("match");
  auto mb = bob.ws->wait_for_type("match");
  CHECK(ma["match_id"] == mb["match_id"]);
  CHECK(peer_of(ma) == bob.id);
  CHECK(peer_of(mb) == ada.id);
  auto pa = ma["peers"][0], pb = mb["peers"][0];
  CHECK(pa["offerer"] == pb["offerer"]);
  CHECK(pa["polite"] == pb["polite"]);
  CHECK(pa["offerer"] != pa["polite"]);
  CHECK(pa["display_name"] == "Bob");

  // A realistic negotiation: one ~3 KB offer, one ~2.5 KB answer, 8 candidates each way.
  auto& offerer = pa["offerer"] == ada.id ? ada : bob;
  auto& answerer = pa["offerer"] == ada.id ? bob : ada;
  json offer = big_offer();
  offerer.signal(answerer.id, offer);
  auto got =
      answerer.ws->wait_for([](const json& m) { return m["type"] == "signal" && m["data"].contains("description"); });
  CHECK(got["from"] == offerer.id);
  CHECK(got["data"] == offer);
  json answer = offer;
  answer["description"]["type"] = "answer";
  answer["description"]["sdp"] = offer["description"]["sdp"].get<std::string>().substr(0, 2500);
  answerer.signal(offerer.id, answer);
  CHECK(offerer.ws->wait_for([](const json& m) { return m["type"] == "signal"; })["data"] == answer);
  for (int i = 0; i < 8; ++i) {
    json cand = {{"candidate",
                  {{"candidate", "candidate:" + std::to_string(i) + " 1 udp 2122260223 127.0.0.1 " +
                                     std::to_string(50000 + i) + " typ host generation 0 ufrag abcd network-id 1"},
                   {"sdpMid", "0"},
                   {"sdpMLineIndex", 0}}}};
    offerer.signal(answerer.id, cand);
    answerer.signal(offerer.id, cand);
  }
  CHECK(wait_until([&] { return answerer.ws->count("signal") == 9 && offerer.ws->count("signal") == 9; }));
  auto in_order = answerer.ws->messages_of_type("signal");
  for (int i = 0; i < 8; ++i)
    CHECK(in_order.at(static_cast<std::size_t>(i + 1))["data"]["candidate"]["candidate"].get<std::string>().rfind(
              "candidate:" + std::to_string(i) + " ", 0) == 0);
}

TEST_CASE("signals outside your match are refused without revealing anything", "[lobby][ws][relay]") {
  TestServer server(Backend::sqlite);
  Interactions it(server);
  auto& ada = it.user("Ada");
  auto& bob = it.user("Bob");
  auto& cy = it.user("Cy");
  auto lobby = it.create_lobby(ada);
  ada.join(lobby);
  bob.join(lobby);
  cy.join(lobby);
  // Not in any match yet.
  ada.signal(bob.id, {{"candidate", nullptr}});
  auto e1 = ada.ws->wait_for_type("error");
  CHECK(e1["code"] == "not_in_match");
  ada.ready();
  bob.ready();
  ada.ws->wait_for_type("match");
  bob.ws->wait_for_type("match");
  // To someone in the lobby but not in the match, and to someone who does not exist: same answer.
  ada.signal(cy.id, {{"x", 1}});
  ada.signal("nobody-at-all-xyz", {{"x", 1}});
  ada.signal(ada.id, {{"x", 1}});
  CHECK(wait_until([&] { return ada.ws->count("error") == 4; }));
  auto errors = ada.ws->messages_of_type("error");
  CHECK(errors[1] == errors[2]);
  CHECK(errors[2] == errors[3]);
  // Nothing reached Cy: the lobby handled Ada's signals before Cy's own (refused) signal below,
  // and a connection's frames arrive in the order they were queued, so a signal relayed to Cy
  // would come before the answer to it.
  cy.signal(ada.id, {{"probe", true}});
  auto answer = cy.ws->wait_for_type("error");
  CHECK(answer["code"] == "not_in_match");
  CHECK(cy.ws->count("signal") == 0);
}

TEST_CASE("four users over three rounds meet three different partners each", "[lobby][ws][matchmaking]") {
  TestServer server(Backend::sqlite);
  Interactions it(server);
  std::vector<SimUser*> users = {&it.user("A"), &it.user("B"), &it.user("C"), &it.user("D")};
  auto lobby = it.create_lobby(*users[0]);
  for (auto* u : users) u->join(lobby);
  std::map<std::string, std::set<std::string>> partners;
  for (std::size_t round = 1; round <= 3; ++round) {
    for (auto* u : users) u->ready();
    std::vector<SimUser*> leavers;
    for (auto* u : users) {
      auto m = u->ws->wait_for_nth("match", round);
      partners[u->id].insert(peer_of(m));
      if (m["peers"][0]["offerer"] == u->id) leavers.push_back(u);
    }
    CHECK(leavers.size() == 2);
    if (round < 3) {
      // One member of each match leaves ("next"); the one left alone goes back to the pool.
      for (auto* u : leavers) u->leave_match(false);
      for (auto* u : users) {
        auto ended = u->ws->wait_for_nth("match_ended", round);
        bool left = std::find(leavers.begin(), leavers.end(), u) != leavers.end();
        CHECK(ended["reason"] == (left ? "left" : "peer_left"));
        CHECK(ended["ready"] == !left);
      }
    }
  }
  for (auto* u : users) {
    INFO(u->name);
    CHECK(partners[u->id].size() == 3);
    CHECK_FALSE(partners[u->id].count(u->id));
  }
}

TEMPLATE_TEST_CASE("repeat avoidance survives a lobby restart", "[lobby][ws][matchmaking][storage]", SqliteBackend,
                   PostgresBackend) {
  TestServer server(TestType::value, fast_timers);
  Interactions it(server);
  auto& ada = it.user("Ada");
  auto& bob = it.user("Bob");
  auto& cy = it.user("Cy");
  auto lobby = it.create_lobby(ada);
  ada.join(lobby);
  bob.join(lobby);
  ada.ready();
  bob.ready();
  ada.ws->wait_for_type("match");
  ada.ws->close();
  bob.ws->close();
  // Both gone: after the grace period and the idle delay the lobby actor stops.
  CHECK(wait_until([&] { return server.app().supervisor().live_lobbies() == 0; }, std::chrono::seconds(10)));
  ada.ws.reset();
  bob.ws.reset();

  ada.join(lobby);
  ada.ready_seen();
  bob.join(lobby);
  bob.ready();
  cy.join(lobby);
  cy.ready();
  // Ada has waited longest, but Bob is not new to her: she meets Cy.
  auto m = ada.ws->wait_for_type("match");
  CHECK(peer_of(m) == cy.id);
  CHECK(server.app().supervisor().counters().lobbies_spawned.load() == 2);
}

TEST_CASE("groups of three form a mesh with consistent roles", "[lobby][ws][matchmaking]") {
  TestServer server(Backend::sqlite);
  Interactions it(server);
  std::vector<SimUser*> users = {&it.user("A"), &it.user("B"), &it.user("C")};
  auto lobby = it.create_lobby(*users[0], "trio", 3);
  for (auto* u : users) u->join(lobby);
  for (auto* u : users) u->ready();
  std::map<std::pair<std::string, std::string>, std::pair<std::string, std::string>> roles;
  for (auto* u : users) {
    auto m = u->ws->wait_for_type("match");
    REQUIRE(m["peers"].size() == 2);
    for (const auto& p : m["peers"]) {
      std::string other = p["id"].get<std::string>();
      std::pair<std::string, std::string> key =
          u->id < other ? std::make_pair(u->id, other) : std::make_pair(other, u->id);
      auto val = std::make_pair(p["offerer"].get<std::string>(), p["polite"].get<std::string>());
      if (roles.count(key)) CHECK(roles[key] == val);
      roles[key] = val;
    }
  }
  CHECK(roles.size() == 3);
  // One leaves: the other two go on together.
  users[0]->leave_match(false);
  users[1]->ws->wait_for([&](const json& m) { return m["type"] == "user_status" && m["status"] == "left_match"; });
  users[1]->signal(users[2]->id, {{"still", "here"}});
  CHECK(users[2]->ws->wait_for_type("signal")["data"]["still"] == "here");
}
