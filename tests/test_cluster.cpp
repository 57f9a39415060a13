// Multi-node mode (issue 18, docs/scaling.md): lobby leases in PostgreSQL. Two App instances on
// one database are two nodes (each with its own node id, pools, lease connection and port);
// the outage test puts a TCP relay between one of them and PostgreSQL and cuts it.
#include <catch2/catch.hpp>

#include <future>
#include <thread>

#include "support/databases.hpp"
#include "support/interactions.hpp"
#include "support/tcp_cut_proxy.hpp"
#include "support/test_server.hpp"
#include "support/wait.hpp"

using namespace swirl;
using namespace swirl::test;
using namespace std::chrono_literals;

namespace {

std::function<void(core::Config&)> node(const std::string& id, std::chrono::milliseconds ttl = 10'000ms) {
  return [id, ttl](core::Config& c) {
    c.cluster = true;
    c.node_id = id;
    c.lease_ttl = ttl;
    c.lease_renew = std::chrono::milliseconds(0);
    c.lease_margin = std::chrono::milliseconds(0);
    c.no_media_timeout = std::chrono::milliseconds(0);  // pairs are stored as matches start
  };
}

// The Unix ms at which `lobby` had `event` on the node behind `port` (GET /api/test/leases).
std::optional<std::int64_t> event_at(unsigned short port, const std::string& lobby, const std::string& event) {
  auto r = HttpClient(port).get("/api/test/leases");
  REQUIRE(r.status == 200);
  std::optional<std::int64_t> out;
  const auto body = r.json();  // kept: the loop below iterates a part of it
  for (const auto& e : body["timeline"])
    if (e["lobby"] == lobby && e["event"] == event) out = e["at_ms"].get<std::int64_t>();
  return out;
}

// Joins through `port`, retrying while the answer is 503 lobby_elsewhere; counts the refusals.
std::unique_ptr<WsClient> join_when_free(unsigned short port, const std::string& lobby, const std::string& token,
                                         int& refusals, std::chrono::milliseconds within) {
  auto deadline = std::chrono::steady_clock::now() + within;
  for (;;) {
    try {
      auto ws = std::make_unique<WsClient>(port, "/api/lobbies/" + lobby + "/ws", WsOptions{token});
      ws->wait_for_type("welcome");
      return ws;
    } catch (const HandshakeRefused& e) {
      REQUIRE(e.status == 503);
      REQUIRE(e.error_code() == "lobby_elsewhere");
      REQUIRE(std::stoi(e.retry_after) >= 1);
      ++refusals;
      if (std::chrono::steady_clock::now() > deadline) throw;
      std::this_thread::sleep_for(50ms);  // a client's back-off, not an assertion
    }
  }
}

}  // namespace

TEST_CASE("cluster mode refuses SQLite at start-up and says why", "[cluster]") {
  auto parsed = core::parse_config({"--cluster", "true", "--database", "sqlite:/tmp/x.db"}, {});
  CHECK_FALSE(parsed.config);
  CHECK(parsed.exit_code == 2);
  CHECK(parsed.message.find("--cluster needs PostgreSQL") != std::string::npos);
  // A config built in code is checked by App::start as well, before it opens anything.
  CHECK_THROWS_WITH(TestServer(Backend::sqlite, node("a")), Catch::Contains("needs PostgreSQL"));
  // Lease timing that leaves no room for two renewals is refused too.
  auto tight = core::parse_config(
      {"--cluster", "true", "--database", "postgres://x@h/db", "--lease-ttl-ms", "3000", "--lease-renew-ms", "2000"},
      {});
  CHECK_FALSE(tight.config);
  auto fine =
      core::parse_config({"--cluster", "true", "--database", "postgres://x@h/db", "--lease-ttl-ms", "3000"}, {});
  REQUIRE(fine.config);
  CHECK(fine.config->lease_renew == 1000ms);
  CHECK(fine.config->lease_margin == 600ms);
}

TEST_CASE("two nodes asked for the same lobby at the same moment: exactly one runs it, the other answers 503",
          "[cluster][postgres]") {
  TestServer a(Backend::postgres, node("node-a"));
  TestServer b(a.database_url(), node("node-b"));
  Interactions people(a);
  auto& owner = people.user("Owner");
  for (int round = 0; round < 4; ++round) {
    auto lobby = people.create_lobby(owner, "Race " + std::to_string(round));
    auto& u1 = people.user("A" + std::to_string(round));
    auto& u2 = people.user("B" + std::to_string(round));
    auto attempt = [&lobby](unsigned short port, std::string token) -> std::pair<int, std::string> {
      try {
        WsClient ws(port, "/api/lobbies/" + lobby + "/ws", WsOptions{token});
        ws.wait_for_type("welcome");
        ws.close();
        return {101, ""};
      } catch (const HandshakeRefused& e) {
        return {e.status, e.error_code() + " " + e.retry_after};
      }
    };
    auto fa = std::async(std::launch::async, attempt, a.port(), u1.token);
    auto fb = std::async(std::launch::async, attempt, b.port(), u2.token);
    auto ra = fa.get(), rb = fb.get();
    INFO("node a: " << ra.first << " " << ra.second << "; node b: " << rb.first << " " << rb.second);
    CHECK((ra.first == 101) != (rb.first == 101));
    auto& refused = ra.first == 101 ? rb : ra;
    CHECK(refused.first == 503);
    CHECK(refused.second.rfind("lobby_elsewhere ", 0) == 0);
    CHECK(std::stoi(refused.second.substr(16)) >= 1);
    CHECK(query_int(a.database_url(), "SELECT count(*) FROM lobby_leases WHERE lobby_id = '" + lobby + "'") == 1);
    // The owner's endpoints on the other node do not act on a copy either.
    auto& other = ra.first == 101 ? b : a;
    auto state = HttpClient(other.port()).get("/api/lobbies/" + lobby + "/state", owner.token);
    CHECK(state.status == 503);
    CHECK(state.error_code() == "lobby_elsewhere");
    CHECK_FALSE(state.header("retry-after").empty());
  }
  CHECK(a.app().supervisor().live_lobbies() + b.app().supervisor().live_lobbies() == 4);
}

TEST_CASE("a node whose database connection is cut stops its lobbies before another node takes them",
          "[cluster][postgres]") {
  auto url = fresh_database_url(Backend::postgres);
  auto [pg_host, pg_port] = host_port_of(url);
  TcpCutProxy link(pg_host, pg_port);
  // Short leases keep the test quick: 2 s, renewed every 666 ms, given up 400 ms early.
  TestServer a(with_host_port(url, "127.0.0.1", link.port()), node("node-a", 2'000ms));
  TestServer b(url, node("node-b", 2'000ms));
  Interactions on_a(a);
  auto& ann = on_a.user("Ann");
  auto& ben = on_a.user("Ben");
  auto lobby = on_a.create_lobby(ann);
  match_pair(lobby, ann, ben);
  REQUIRE(event_at(a.port(), lobby, "started"));
  // The pair is in the shared history before the cut (written behind the match).
  REQUIRE(wait_until([&] { return query_int(url, "SELECT count(*) FROM match_pairs") == 1; }));

  link.cut();
  // Node a cannot renew: its members are told to reconnect elsewhere...
  REQUIRE(ann.ws->wait_closed(5s));
  CHECK(ann.ws->close_code() == 4005);
  REQUIRE(ben.ws->wait_closed(5s));
  CHECK(ben.ws->close_code() == 4005);
  // ...and they do, on node b, which takes the lobby once the lease has expired.
  int refusals = 0;
  auto ann_b = join_when_free(b.port(), lobby, ann.token, refusals, 10s);
  auto ben_b = join_when_free(b.port(), lobby, ben.token, refusals, 10s);
  auto stopped = event_at(a.port(), lobby, "stopped");
  auto started = event_at(b.port(), lobby, "started");
  REQUIRE(stopped);
  REQUIRE(started);
  INFO("stopped on a at " << *stopped << ", started on b at " << *started << " after " << refusals << " refusals");
  CHECK(*stopped < *started);  // never two copies
  // The lobby's history came along: the two who met on node a are not matched again.
  ann_b->send({{"type", "ready"}, {"ready", true}});
  ben_b->send({{"type", "ready"}, {"ready", true}});
  CHECK(ann_b->wait_for([](const nlohmann::json& m) {
    return m["type"] == "waiting" && m["reason"] == "met_everyone";
  })["reason"] == "met_everyone");
  CHECK(ann_b->count("match") == 0);
}

TEST_CASE("a lease taken away by the database stops the lobby with 4005", "[cluster][postgres]") {
  TestServer a(Backend::postgres, node("node-a", 2'000ms));
  Interactions people(a);
  auto& ann = people.user("Ann");
  auto lobby = people.create_lobby(ann);
  ann.join(lobby);
  exec_sql(a.database_url(), "UPDATE lobby_leases SET node_id = 'intruder' WHERE lobby_id = '" + lobby + "'");
  REQUIRE(ann.ws->wait_closed(5s));
  CHECK(ann.ws->close_code() == 4005);
  CHECK(wait_until([&] { return a.app().supervisor().live_lobbies() == 0; }));
}

TEST_CASE("SIGTERM's drain releases the node's leases at once: another node takes the lobby without waiting",
          "[cluster][postgres]") {
  auto a = std::make_unique<TestServer>(Backend::postgres, node("node-a", 60'000ms));
  TestServer b(a->database_url(), node("node-b", 60'000ms));
  Interactions people(*a);
  auto& ann = people.user("Ann");
  auto lobby = people.create_lobby(ann);
  ann.join(lobby);
  CHECK(query_int(a->database_url(), "SELECT count(*) FROM lobby_leases WHERE node_id = 'node-a'") == 1);
  CHECK_THROWS_AS(WsClient(b.port(), "/api/lobbies/" + lobby + "/ws", WsOptions{ann.token}), HandshakeRefused);
  a->app().stop(5'000ms);
  REQUIRE(ann.ws->wait_closed(5s));
  CHECK(ann.ws->close_code() == 1001);
  CHECK(query_int(b.database_url(), "SELECT count(*) FROM lobby_leases WHERE node_id = 'node-a'") == 0);
  // A 60 s lease: only its release lets node b in now.
  WsClient again(b.port(), "/api/lobbies/" + lobby + "/ws", WsOptions{ann.token});
  again.wait_for_type("welcome");
}
