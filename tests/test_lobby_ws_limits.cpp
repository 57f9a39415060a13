// The lobby runtime's connections, black-box: a dropped member resumes within the grace period,
// an idle lobby stops and respawns, a fault stays inside its lobby, and the limits on a
// connection (slow reader, frame size, message rate, malformed input, ping timeout) hold.
#include <catch2/catch.hpp>

#include "support/interactions.hpp"
#include "support/test_server.hpp"
#include "support/wait.hpp"

namespace swirl::test::lobby_ws_limits {
using nlohmann::json;

namespace {

auto fast_timers = [](swirl::core::Config& c) {
  c.resume_grace = std::chrono::milliseconds(1000);
  c.lobby_idle_shutdown = std::chrono::milliseconds(1000);
};

}  // namespace

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

}  // namespace swirl::test::lobby_ws_limits
