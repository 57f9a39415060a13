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

TEST_CASE("a dropped member resumes within the grace period, otherwise the peer's match ends", "[lobby][ws][resume]") {
  TestServer server(Backend::sqlite, [](swirl::core::Config& c) { c.resume_grace = std::chrono::milliseconds(1500); });
  Interactions it(server);
  auto& ada = it.user("Ada");
  auto& bob = it.user("Bob");
  auto lobby = it.create_lobby(ada);
  auto match = match_pair(lobby, ada, bob);

  // Quick reconnect: same match, peer told reconnecting then back, no match_ended.
  bob.ws->drop();
  ada.ws->wait_for([&](const json& m) { return m["type"] == "user_status" && m["status"] == "reconnecting"; });
  bob.ws.reset();
  auto& again = bob.join(lobby);
  auto welcome = again.wait_for_type("welcome");
  CHECK(welcome["resumed"] == true);
  CHECK(welcome["you"]["match"]["match_id"] == match["match_id"]);
  ada.ws->wait_for([&](const json& m) { return m["type"] == "user_status" && m["status"] == "back"; });
  bob.signal(ada.id, {{"after", "resume"}});
  CHECK(ada.ws->wait_for_type("signal")["data"]["after"] == "resume");
  CHECK(ada.ws->count("match_ended") == 0);

  // Gone for good: after the grace period the peer's match ends and she is ready again.
  bob.ws->drop();
  auto ended = ada.ws->wait_for_type("match_ended", std::chrono::seconds(10));
  CHECK(ended["reason"] == "peer_disconnected");
  CHECK(ended["match_id"] == match["match_id"]);
  CHECK(ended["ready"] == true);
}

TEST_CASE("an idle lobby shuts down and a later join respawns it", "[lobby][ws][supervisor]") {
  TestServer server(Backend::sqlite, fast_timers);
  Interactions it(server);
  auto& ada = it.user("Ada");
  auto lobby = it.create_lobby(ada);
  ada.join(lobby);
  CHECK(server.app().supervisor().live_lobbies() == 1);
  ada.ws->close();
  CHECK(wait_until([&] { return server.app().supervisor().live_lobbies() == 0; }));
  CHECK(server.app().supervisor().counters().lobbies_stopped.load() == 1);
  ada.ws.reset();
  ada.join(lobby);
  CHECK(server.app().supervisor().live_lobbies() == 1);
  CHECK(server.app().supervisor().counters().lobbies_spawned.load() == 2);
}

TEST_CASE("a fault in one lobby tears down that lobby alone, another keeps relaying without loss",
          "[lobby][ws][isolation]") {
  // A burst of 300 signals at once: room in the queues so the only thing under test is isolation.
  TestServer server(Backend::sqlite, [](swirl::core::Config& c) {
    c.ws_rate_per_second = 100000;
    c.ws_rate_burst = 100000;
    c.ws_queue_max_messages = 4096;
  });
  Interactions it(server);
  auto& a1 = it.user("A1");
  auto& a2 = it.user("A2");
  auto& b1 = it.user("B1");
  auto& b2 = it.user("B2");
  auto lobby_a = it.create_lobby(a1, "A");
  auto lobby_b = it.create_lobby(b1, "B");
  for (auto* u : {&a1, &a2}) u->join(lobby_a);
  for (auto* u : {&b1, &b2}) u->join(lobby_b);
  for (auto* u : {&a1, &a2, &b1, &b2}) u->ready();
  for (auto* u : {&a1, &a2, &b1, &b2}) u->ws->wait_for_type("match");

  constexpr int kSignals = 300;
  std::thread sender([&] {
    for (int i = 0; i < kSignals; ++i) b1.signal(b2.id, {{"seq", i}});
  });
  auto r = it.server().client().post("/api/test/lobbies/" + lobby_a + "/fault", json::object());
  CHECK(r.status == 200);
  sender.join();

  for (auto* u : {&a1, &a2}) {
    auto err = u->ws->wait_for([](const json& m) { return m["type"] == "error" && m["code"] == "lobby_failed"; });
    CHECK(u->ws->wait_closed());
    CHECK(u->ws->close_code() == 1011);
  }
  CHECK(wait_until([&] { return b2.ws->count("signal") == kSignals; }, std::chrono::seconds(20)));
  auto got = b2.ws->messages_of_type("signal");
  REQUIRE(got.size() == kSignals);
  for (int i = 0; i < kSignals; ++i) CHECK(got.at(static_cast<std::size_t>(i))["data"]["seq"] == i);
  CHECK_FALSE(b1.ws->closed());
  CHECK_FALSE(b2.ws->closed());
  CHECK(server.app().ws_counters().closed_too_slow.load() == 0);
  CHECK(server.app().supervisor().counters().lobbies_failed.load() == 1);

  // The next join gets a fresh lobby A.
  a1.ws.reset();
  auto& again = a1.join(lobby_a);
  CHECK(again.wait_for_type("welcome")["lobby"]["id"] == lobby_a);
}

TEST_CASE("a client that stops reading is closed as too slow, with the queue bounded", "[lobby][ws][limits]") {
  // Bob stops reading while Ada relays 12 kB signals to him, numbered. Once the kernel's socket
  // buffers are full, the server's queue for Bob grows; past its bound (64 messages or 256 KiB)
  // Bob is closed with 1008. Then three times that many signals with the bound out of reach: no
  // close, and every signal arrives once Bob reads again. So the bound, and nothing else about
  // such a flood, is what closed him.
  auto run = [](std::size_t max_messages, std::size_t max_bytes, int signals) {
    struct Outcome {
      int sent = 0;
      std::vector<json> received;
      int close_code = 0;
      std::string close_reason;
      std::uint64_t too_slow = 0, rate_limited = 0;
      bool closed = false;
    } out;
    TestServer server(Backend::sqlite, [&](swirl::core::Config& c) {
      c.ws_rate_per_second = 100000;
      c.ws_rate_burst = 100000;
      c.ws_queue_max_messages = max_messages;
      c.ws_queue_max_bytes = max_bytes;
    });
    auto& counters = server.app().ws_counters();
    Interactions it(server);
    auto& ada = it.user("Ada");
    auto& bob = it.user("Bob");
    auto lobby = it.create_lobby(ada);
    match_pair(lobby, ada, bob);
    bob.ws->pause_reading();
    auto before = counters.messages_in.load();
    for (; out.sent < signals && counters.closed_too_slow.load() == 0; ++out.sent)
      ada.signal(bob.id, {{"seq", out.sent}, {"pad", std::string(12000, 'x')}});
    // Every signal sent has been read by the server (it is being relayed, or refused once Bob is gone).
    CHECK(wait_until([&] { return counters.messages_in.load() >= before + static_cast<std::uint64_t>(out.sent); }));
    if (counters.closed_too_slow.load() > 0) {
      bob.ws->resume_reading();
      out.closed = bob.ws->wait_closed(std::chrono::seconds(20));
      // Ada is unaffected and is told her peer is away.
      ada.ws->wait_for([](const json& m) { return m["type"] == "user_status" && m["status"] == "reconnecting"; });
      CHECK_FALSE(ada.ws->closed());
    } else {
      bob.ws->resume_reading();
      bob.ws->wait_for_nth("signal", static_cast<std::size_t>(out.sent), std::chrono::seconds(30));
      out.closed = bob.ws->closed();
    }
    out.received = bob.ws->messages_of_type("signal");
    out.close_code = bob.ws->close_code();
    out.close_reason = bob.ws->close_reason();
    out.too_slow = counters.closed_too_slow.load();
    out.rate_limited = counters.closed_rate_limit.load();
    return out;
  };
  auto in_order = [](const std::vector<json>& signals) {
    for (std::size_t i = 0; i < signals.size(); ++i)
      if (signals[i]["data"]["seq"] != i) return false;
    return true;
  };

  auto bounded = run(64, 256 * 1024, 4000);
  INFO(bounded.sent << " signals sent, " << bounded.received.size() << " received before the close");
  REQUIRE(bounded.closed);
  CHECK(bounded.close_code == 1008);
  CHECK(bounded.close_reason == "client too slow");
  CHECK(bounded.too_slow == 1);
  CHECK(bounded.rate_limited == 0);
  // What the kernel held came through whole and in order; what waited in the queue went with the close.
  CHECK(in_order(bounded.received));
  CHECK(bounded.received.size() < static_cast<std::size_t>(bounded.sent));

  // Three times as many: how much the kernel holds varies from run to run (buffer autotuning),
  // and this run's queue must pass the first run's bound by far for the comparison to mean anything.
  auto unbounded = run(1'000'000, std::size_t(1) << 30, 3 * bounded.sent);
  CHECK(unbounded.sent == 3 * bounded.sent);
  CHECK_FALSE(unbounded.closed);
  CHECK(unbounded.too_slow == 0);
  CHECK(unbounded.received.size() == static_cast<std::size_t>(unbounded.sent));
  CHECK(in_order(unbounded.received));
}

TEST_CASE("an oversized frame closes with 1009", "[lobby][ws][limits]") {
  TestServer server(Backend::sqlite, [](swirl::core::Config& c) { c.ws_max_frame_bytes = 4096; });
  Interactions it(server);
  auto& ada = it.user("Ada");
  auto lobby = it.create_lobby(ada);
  auto& ws = ada.join(lobby);
  ws.send_text(std::string(5000, ' ') + "{}");
  CHECK(ws.wait_closed());
  CHECK(ws.close_code() == 1009);
}

TEST_CASE("a flood gets rate_limited errors, then a 1008 close", "[lobby][ws][limits]") {
  TestServer server(Backend::sqlite, [](swirl::core::Config& c) {
    c.ws_rate_per_second = 10;
    c.ws_rate_burst = 10;
  });
  Interactions it(server);
  auto& ada = it.user("Ada");
  auto lobby = it.create_lobby(ada);
  auto& ws = ada.join(lobby);
  for (int i = 0; i < 200 && !ws.closed(); ++i) ws.send({{"type", "ready"}, {"ready", i % 2 == 0}});
  CHECK(ws.wait_for([](const json& m) { return m["type"] == "error" && m["code"] == "rate_limited"; }).is_object());
  CHECK(ws.wait_closed());
  CHECK(ws.close_code() == 1008);
  CHECK(ws.close_reason() == "rate limit exceeded");
}

TEST_CASE("malformed and unknown messages get errors and keep the connection", "[lobby][ws][protocol]") {
  TestServer server(Backend::sqlite);
  Interactions it(server);
  auto& ada = it.user("Ada");
  auto lobby = it.create_lobby(ada);
  auto& ws = ada.join(lobby);
  ws.send_text("{not json");
  ws.send_text("[1,2,3]");
  ws.send({{"no_type", 1}});
  ws.send({{"type", "dance"}});
  ws.send({{"type", "ready"}});
  ws.send({{"type", "ready"}, {"ready", "yes"}});
  ws.send({{"type", "signal"}, {"data", json::object()}});
  ws.send({{"type", "signal"}, {"to", "x"}, {"data", "text"}});
  ws.send({{"type", "leave_match"}, {"ready", 1}});
  ws.send_binary("\x01\x02");
  CHECK(wait_until([&] { return ws.count("error") == 10; }));
  auto e = ws.messages_of_type("error");
  std::vector<std::string> codes;
  for (const auto& x : e) codes.push_back(x["code"]);
  CHECK(codes == std::vector<std::string>{"invalid_json", "invalid_json", "unknown_type", "unknown_type",
                                          "invalid_message", "invalid_message", "invalid_message", "invalid_message",
                                          "invalid_message", "invalid_message"});
  for (const auto& x : e) CHECK_FALSE(x["message"].get<std::string>().empty());
  CHECK_FALSE(ws.closed());
  ada.ready_seen();
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

TEST_CASE("a peer that stops answering pings is dropped after the idle timeout", "[lobby][ws][limits]") {
  TestServer server(Backend::sqlite, [](swirl::core::Config& c) {
    c.ws_idle_timeout = std::chrono::milliseconds(600);
    c.resume_grace = std::chrono::milliseconds(60'000);
  });
  Interactions it(server);
  auto& ada = it.user("Ada");
  auto& bob = it.user("Bob");
  auto lobby = it.create_lobby(ada);
  match_pair(lobby, ada, bob);
  // Bob's client stops reading, so it never answers the server's pings; Ada keeps reading and
  // answering, and stays.
  bob.ws->pause_reading();
  auto status = ada.ws->wait_for([&](const json& m) {
    return m["type"] == "user_status" && m["user_id"] == bob.id && m["status"] == "reconnecting";
  });
  CHECK(status["status"] == "reconnecting");
  CHECK_FALSE(ada.ws->closed());
  CHECK(server.app().ws_counters().open.load() == 1);
}
