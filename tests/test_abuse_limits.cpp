// The abuse limits from outside (issue 17): a real server with small limits, real HTTP and
// WebSocket clients on 127.0.0.1. Every limit answers 429 (or 503, or 403 for an origin) with
// Retry-After and our JSON error, and is counted in /metrics.
#include <catch2/catch.hpp>

#include <regex>

#include "support/interactions.hpp"
#include "support/test_server.hpp"
#include "support/wait.hpp"
#include "support/ws_client.hpp"

using namespace swirl::test;
using nlohmann::json;

namespace {

// The value of one sample line of /metrics, e.g. swirl_abuse_refusals_total{limit="user_creations"}.
double metric(TestServer& server, const std::string& sample) {
  auto r = server.client().get("/metrics");
  REQUIRE(r.status == 200);
  auto at = r.body.find("\n" + sample + " ");
  if (at == std::string::npos) FAIL("no sample " << sample << " in /metrics");
  return std::stod(r.body.substr(at + sample.size() + 2));
}

std::string ws_path(const std::string& lobby) { return "/api/lobbies/" + lobby + "/ws"; }

// `name` joins `lobby` once a connection cap lets them in (another connection has just closed).
bool joins_once_a_place_frees(Interactions& it, const std::string& name, const std::string& lobby) {
  return wait_until([&] {
    try {
      it.user(name).join(lobby);
      return true;
    } catch (const HandshakeRefused&) {
      return false;
    }
  });
}

}  // namespace

TEST_CASE("user creations per minute per address: 429 with Retry-After and a JSON error", "[abuse][http]") {
  TestServer server(Backend::sqlite, [](swirl::core::Config& c) { c.rate_users_per_minute = 3; });
  auto http = server.client();
  for (int i = 0; i < 3; ++i)
    REQUIRE(http.post("/api/users", {{"display_name", "U" + std::to_string(i)}}).status == 201);
  auto r = http.post("/api/users", {{"display_name", "One too many"}});
  CHECK(r.status == 429);
  CHECK(r.header("retry-after") == "20");  // 3 a minute: the next one in 20 s
  CHECK(r.error_code() == "rate_limited");
  CHECK_THAT(r.json()["error"]["message"].get<std::string>(), Catch::Contains("user creations"));
  CHECK(metric(server, "swirl_abuse_refusals_total{limit=\"user_creations\"}") == 1);
  // The other endpoints are not affected.
  CHECK(http.get("/healthz").status == 200);
}

TEST_CASE("lobby creations per minute per address", "[abuse][http]") {
  TestServer server(Backend::sqlite, [](swirl::core::Config& c) { c.rate_lobbies_per_minute = 2; });
  Interactions it(server);
  auto& owner = it.user("Olga");
  it.create_lobby(owner);
  it.create_lobby(owner);
  auto r = owner.http->post("/api/lobbies", {{"name", "Third"}}, owner.token);
  CHECK(r.status == 429);
  CHECK(r.header("retry-after") == "30");
  CHECK(r.error_code() == "rate_limited");
  CHECK(metric(server, "swirl_abuse_refusals_total{limit=\"lobby_creations\"}") == 1);
}

TEST_CASE("HTTP requests per second per address, upgrades included", "[abuse][http]") {
  TestServer server(Backend::sqlite, [](swirl::core::Config& c) {
    c.rate_http_per_second = 1;
    c.rate_http_burst = 5;
  });
  auto http = server.client();
  for (int i = 0; i < 5; ++i) REQUIRE(http.get("/healthz").status == 200);
  auto r = http.get("/healthz");
  CHECK(r.status == 429);
  CHECK(r.header("retry-after") == "1");
  CHECK(r.error_code() == "rate_limited");
  CHECK(r.header("connection") != "close");  // the connection stays usable
  try {
    WsClient ws(server.port(), ws_path("whatever"));
    FAIL("the upgrade should have been refused");
  } catch (const HandshakeRefused& e) {
    CHECK(e.status == 429);
    CHECK(e.retry_after == "1");
  }
  CHECK(wait_until([&] { return http.get("/healthz").status == 200; }, std::chrono::seconds(5)));
}

TEST_CASE("open WebSockets per address and in all: refused at the upgrade", "[abuse][ws]") {
  TestServer server(Backend::sqlite, [](swirl::core::Config& c) {
    c.ws_max_per_address = 2;
    c.ws_max_connections = 3;
  });
  Interactions it(server);
  auto& owner = it.user("Olga");
  auto lobby = it.create_lobby(owner, "Caps", 2, {{"max_members", 10}});
  auto& a = it.user("Ada");
  auto& b = it.user("Bob");
  a.join(lobby);
  b.join(lobby);
  auto refused = refused_join(server.port(), lobby, it.user("Cy").token);
  CHECK(refused.status == 429);
  CHECK(refused.error_code() == "too_many_connections");
  CHECK(refused.retry_after == "5");
  CHECK(metric(server, "swirl_abuse_refusals_total{limit=\"websockets_per_address\"}") == 1);
  // A slot is given back when a connection ends.
  b.ws->close();
  b.ws.reset();
  CHECK(joins_once_a_place_frees(it, "Cy", lobby));
}

TEST_CASE("no per-address WebSocket limit (0): one address opens as many as the global cap allows", "[abuse][ws]") {
  TestServer server(Backend::sqlite, [](swirl::core::Config& c) {
    c.ws_max_per_address = 0;
    c.ws_max_connections = 3;
  });
  Interactions it(server);
  auto& owner = it.user("Olga");
  auto lobby = it.create_lobby(owner, "Open", 2, {{"max_members", 10}});
  for (const char* name : {"Ada", "Bob", "Cy"}) it.user(name).join(lobby);
  auto refused = refused_join(server.port(), lobby, it.user("Dee").token);
  CHECK(refused.status == 503);  // the global cap, never the per-address one
  CHECK(refused.error_code() == "server_full");
  CHECK(metric(server, "swirl_abuse_refusals_total{limit=\"websockets_per_address\"}") == 0);
  // The total is still counted and given back when a connection ends.
  it.user("Ada").ws->close();
  it.user("Ada").ws.reset();
  CHECK(joins_once_a_place_frees(it, "Dee", lobby));
}

TEST_CASE("the global WebSocket cap answers 503 server_full", "[abuse][ws]") {
  TestServer server(Backend::sqlite, [](swirl::core::Config& c) { c.ws_max_connections = 1; });
  Interactions it(server);
  auto& owner = it.user("Olga");
  auto lobby = it.create_lobby(owner);
  it.user("Ada").join(lobby);
  auto refused = refused_join(server.port(), lobby, it.user("Bob").token);
  CHECK(refused.status == 503);
  CHECK(refused.error_code() == "server_full");
  CHECK(refused.retry_after == "5");
  CHECK(metric(server, "swirl_abuse_refusals_total{limit=\"websockets_total\"}") == 1);
}

TEST_CASE("the WebSocket Origin must be our own unless configured", "[abuse][ws][origin]") {
  TestServer server(Backend::sqlite);
  Interactions it(server);
  auto& owner = it.user("Olga");
  auto lobby = it.create_lobby(owner);
  auto with_origin = [&](const std::string& origin) {
    WsOptions o;
    o.token = it.user("Ada").token;
    o.headers["Origin"] = origin;
    return o;
  };
  try {
    WsClient ws(server.port(), ws_path(lobby), with_origin("https://evil.example"));
    FAIL("a foreign origin was let in");
  } catch (const HandshakeRefused& e) {
    CHECK(e.status == 403);
    CHECK(e.error_code() == "origin_not_allowed");
    CHECK_THAT(e.body, Catch::Contains("https://evil.example"));
  }
  CHECK(metric(server, "swirl_abuse_refusals_total{limit=\"websocket_origin\"}") == 1);
  // The page's own origin (what a browser on http://127.0.0.1:PORT sends), and no Origin at all.
  WsClient own(server.port(), ws_path(lobby), with_origin("http://127.0.0.1:" + std::to_string(server.port())));
  own.wait_for_type("welcome");
  own.close();
  it.user("Ada").join(lobby);

  TestServer listed(Backend::sqlite, [](swirl::core::Config& c) { c.allowed_origins = {"https://app.example"}; });
  Interactions it2(listed);
  auto lobby2 = it2.create_lobby(it2.user("Olga"));
  WsOptions app;
  app.token = it2.user("Ada").token;
  app.headers["Origin"] = "https://app.example";
  WsClient ok(listed.port(), ws_path(lobby2), app);
  ok.wait_for_type("welcome");
  app.headers["Origin"] = "http://127.0.0.1:" + std::to_string(listed.port());
  app.token = it2.user("Bob").token;
  auto open_own_host = [&] { WsClient refused(listed.port(), ws_path(lobby2), app); };
  CHECK_THROWS_AS(open_own_host(), HandshakeRefused);
}

TEST_CASE("behind a trusted proxy the client address comes from its header, else the header is ignored",
          "[abuse][http][proxy]") {
  auto from = [](HttpClient& http, const std::string& address) {
    return http.request("POST", "/api/users", R"({"display_name":"X"})", {{"X-Forwarded-For", address}});
  };
  SECTION("without --trusted-proxies: one address, whatever the header says") {
    TestServer server(Backend::sqlite, [](swirl::core::Config& c) { c.rate_users_per_minute = 1; });
    auto http = server.client();
    CHECK(from(http, "203.0.113.1").status == 201);
    CHECK(from(http, "203.0.113.2").status == 429);
  }
  SECTION("with it: each forwarded address has its own limits, and /metrics sees the real client") {
    TestServer server(Backend::sqlite, [](swirl::core::Config& c) {
      c.rate_users_per_minute = 1;
      c.trusted_proxies = {"127.0.0.1"};
      c.client_address_header = "X-Forwarded-For";
    });
    auto http = server.client();
    CHECK(from(http, "203.0.113.1").status == 201);
    CHECK(from(http, "203.0.113.1").status == 429);
    CHECK(from(http, "203.0.113.2").status == 201);
    CHECK(from(http, "6.6.6.6, 203.0.113.3").status == 201);  // the forged left part is not the key
    CHECK(from(http, "6.6.6.6, 203.0.113.3").status == 429);
    CHECK(http.request("GET", "/metrics", "", {{"X-Forwarded-For", "203.0.113.9"}}).status == 403);
    CHECK(http.get("/metrics").status == 200);  // the proxy itself (no header) is 127.0.0.1
  }
}

TEST_CASE("configuration of the limits: flags, defaults and errors", "[abuse][config]") {
  auto parsed = swirl::core::parse_config({}, {});
  REQUIRE(parsed.config);
  CHECK(parsed.config->rate_http_per_second == 200);
  CHECK(parsed.config->rate_users_per_minute == 300);
  CHECK(parsed.config->ws_max_per_address == 500);
  auto ok = swirl::core::parse_config({"--trusted-proxies=10.0.0.0/8, ::1", "--client-address-header=X-Forwarded-For",
                                       "--allowed-origins=https://a.example,*", "--rate-http=0"},
                                      {});
  REQUIRE(ok.config);
  CHECK(ok.config->trusted_proxies.size() == 2);
  CHECK(ok.config->rate_http_per_second == 0);
  auto half = swirl::core::parse_config({"--trusted-proxies=10.0.0.0/8"}, {});
  CHECK(half.exit_code == 2);
  CHECK_THAT(half.message, Catch::Contains("go together"));
  auto bad = swirl::core::parse_config({"--allowed-origins=https://a.example/path"}, {});
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.message, Catch::Contains("not an origin"));
  auto bad_proxy = swirl::core::parse_config({"--trusted-proxies=proxy.local", "--client-address-header=X"}, {});
  CHECK(bad_proxy.exit_code == 2);
}
