// Users over real HTTP against a real server with its own fresh database, on both backends.
#include <catch2/catch.hpp>

#include "support/test_server.hpp"
#include "support/wait.hpp"
#include "support/ws_client.hpp"
#include "swirl/auth/tokens.hpp"
#include "swirl/core/iso8601.hpp"

using namespace swirl::test;
using nlohmann::json;

TEMPLATE_TEST_CASE("POST /api/users creates a user and returns its token once", "[users][http]", SqliteBackend,
                   PostgresBackend) {
  TestServer server(TestType::value);
  auto http = server.client();
  auto r = http.post("/api/users", {{"display_name", "  Ada  "}});
  REQUIRE(r.status == 201);
  CHECK_THAT(r.header("content-type"), Catch::Contains("application/json"));
  auto j = r.json();
  CHECK(j["display_name"] == "Ada");
  CHECK(j["id"].get<std::string>().size() >= 16);
  auto token = j["token"].get<std::string>();
  CHECK(token.size() >= 22);  // >= 128 bits in base64url
  CHECK(j.contains("created_at"));

  auto me = http.get("/api/me", token);
  REQUIRE(me.status == 200);
  CHECK(me.json()["id"] == j["id"]);
  CHECK(me.json()["display_name"] == "Ada");
  CHECK_FALSE(me.json().contains("token"));

  // Only the hash is stored: the raw token finds nobody, its SHA-256 finds the user.
  auto db = swirl::storage::open_database(server.database_url(), {});
  CHECK_FALSE(db->find_user_by_token_hash(token));
  CHECK(db->find_user_by_token_hash(swirl::auth::sha256_hex(token)));
}

TEMPLATE_TEST_CASE("PATCH /api/me renames with the same validation", "[users][http]", SqliteBackend, PostgresBackend) {
  TestServer server(TestType::value);
  auto http = server.client();
  auto [id, token] = http.create_user("Ada");
  auto r = http.patch("/api/me", {{"display_name", "Ada Lovelace"}}, token);
  REQUIRE(r.status == 200);
  CHECK(r.json()["display_name"] == "Ada Lovelace");
  CHECK(http.get("/api/me", token).json()["display_name"] == "Ada Lovelace");

  auto bad = http.patch("/api/me", {{"display_name", ""}}, token);
  CHECK(bad.status == 400);
  CHECK(bad.error_code() == "invalid_display_name");
  CHECK(http.get("/api/me", token).json()["display_name"] == "Ada Lovelace");
  CHECK(http.patch("/api/me", {{"display_name", "X"}}).status == 401);
}

TEMPLATE_TEST_CASE("display name validation answers 400 with what is wrong", "[users][http][validation]", SqliteBackend,
                   PostgresBackend) {
  TestServer server(TestType::value);
  auto http = server.client();
  auto expect = [&](const std::string& body, const std::string& code, const std::string& needle) {
    auto r = http.request("POST", "/api/users", body);
    INFO(body << " -> " << r.body);
    CHECK(r.status == 400);
    CHECK(r.error_code() == code);
    CHECK_THAT(r.json()["error"]["message"].get<std::string>(), Catch::Contains(needle));
  };
  expect("{}", "invalid_display_name", "required");
  expect(R"({"display_name": 5})", "invalid_display_name", "string");
  expect(R"({"display_name": null})", "invalid_display_name", "string");
  expect(R"({"display_name": "   "})", "invalid_display_name", "empty");
  expect(json{{"display_name", std::string(41, 'a')}}.dump(), "invalid_display_name", "at most 40");
  expect(R"({"display_name": "a\u0007b"})", "invalid_display_name", "control");
  expect("{\"display_name\": \"a\xff\"}", "invalid_json", "JSON");  // invalid UTF-8 is not JSON
  expect("not json", "invalid_json", "not valid JSON");
  expect("[1,2]", "invalid_json", "object");
  expect("", "invalid_json", "empty");
  // 40 characters of 4 bytes each is fine.
  std::string emoji;
  for (int i = 0; i < 40; ++i) emoji += "\xF0\x9F\x8E\x89";
  CHECK(http.post("/api/users", {{"display_name", emoji}}).status == 201);
}

TEMPLATE_TEST_CASE("token authentication: missing, malformed, wrong, another user's", "[users][http][auth]",
                   SqliteBackend, PostgresBackend) {
  TestServer server(TestType::value);
  auto http = server.client();
  auto [ada_id, ada] = http.create_user("Ada");
  auto [bob_id, bob] = http.create_user("Bob");

  auto missing = http.get("/api/me");
  CHECK(missing.status == 401);
  CHECK(missing.error_code() == "missing_token");

  auto basic = http.request("GET", "/api/me", {}, {{"Authorization", "Basic YWRhOnB3"}});
  CHECK(basic.status == 401);
  CHECK(basic.error_code() == "invalid_token");

  auto garbage = http.request("GET", "/api/me", {}, {{"Authorization", "Bearer not-a-token"}});
  CHECK(garbage.status == 401);
  CHECK(garbage.error_code() == "invalid_token");

  auto wrong = http.get("/api/me", swirl::auth::new_token());  // well-formed, unknown
  CHECK(wrong.status == 401);
  CHECK(wrong.error_code() == "invalid_token");

  std::string tampered = ada;
  tampered[5] = tampered[5] == 'A' ? 'B' : 'A';
  CHECK(http.get("/api/me", tampered).status == 401);

  CHECK(http.get("/api/me", ada).json()["id"] == ada_id);
  CHECK(http.get("/api/me", bob).json()["id"] == bob_id);
  CHECK(http.patch("/api/me", {{"display_name", "Bobby"}}, bob).json()["id"] == bob_id);
  CHECK(http.get("/api/me", ada).json()["display_name"] == "Ada");
}

TEMPLATE_TEST_CASE("users survive a server restart", "[users][http][storage]", SqliteBackend, PostgresBackend) {
  std::string url = fresh_database_url(TestType::value);
  std::string token, id;
  {
    TestServer first(url);
    std::tie(id, token) = first.client().create_user("Ada");
  }
  TestServer second(url);
  auto me = second.client().get("/api/me", token);
  REQUIRE(me.status == 200);
  CHECK(me.json()["id"] == id);
  CHECK(me.json()["display_name"] == "Ada");
}

TEMPLATE_TEST_CASE("last_seen_at moves forward on use", "[users][storage]", SqliteBackend, PostgresBackend) {
  // Without the token cache: it holds the user from its creation (write-through), so the
  // backdating below, done behind the server's back, would be seen only after the cache's TTL.
  // History batches only when drained here, so the row's value before the drain is certain.
  TestServer server(TestType::value, [](swirl::core::Config& c) {
    c.token_cache_ttl = std::chrono::milliseconds(0);
    c.history_flush_interval = std::chrono::minutes(1);
  });
  auto http = server.client();
  auto [id, token] = http.create_user("Ada");
  auto db = swirl::storage::open_database(server.database_url(), {});
  auto before = db->find_user(id);
  REQUIRE(before);
  CHECK(before->last_seen_at_ms == before->created_at_ms);
  db->touch_user(id, before->last_seen_at_ms - 120'000);  // pretend the last visit was 2 minutes ago
  auto backdated = db->find_user(id)->last_seen_at_ms;
  auto& history = server.app().supervisor().history();
  auto seen = history.counters().seen_written.load();
  auto me = http.get("/api/me", token);
  REQUIRE(me.status == 200);
  // The answer says so at once; the row follows with the next history batch (written behind,
  // as for a call answered from the cache), not by a write of its own.
  CHECK(me.json()["last_seen_at"] != swirl::core::iso8601(backdated));
  CHECK(db->find_user(id)->last_seen_at_ms == backdated);
  history.drain_now();
  CHECK(history.counters().seen_written == seen + 1);
  auto after = db->find_user(id);
  CHECK(after->last_seen_at_ms >= before->last_seen_at_ms);
  CHECK(after->created_at_ms == before->created_at_ms);
}

TEMPLATE_TEST_CASE("the token cache answers repeat calls, and a rename is seen at once", "[users][auth][cache]",
                   SqliteBackend, PostgresBackend) {
  TestServer server(TestType::value);
  auto& cache = server.app().token_cache();
  auto http = server.client();
  auto [id, token] = http.create_user("Ada");
  REQUIRE(http.get("/api/me", token).status == 200);  // loaded from the database and remembered
  auto hits = cache.hits();
  REQUIRE(http.get("/api/me", token).status == 200);
  CHECK(cache.hits() == hits + 1);
  CHECK(cache.size() == 1);

  REQUIRE(http.patch("/api/me", {{"display_name", "Ada Lovelace"}}, token).status == 200);
  CHECK(http.get("/api/me", token).json()["display_name"] == "Ada Lovelace");
  // The lobby sees the new name too (the WebSocket upgrade authenticates through the cache).
  auto lobby = http.post("/api/lobbies", {{"name", "Tea"}}, token).json()["id"].get<std::string>();
  WsOptions options;
  options.token = token;
  swirl::test::WsClient ws(server.port(), "/api/lobbies/" + lobby + "/ws", options);
  CHECK(ws.wait_for_type("welcome")["user"]["display_name"] == "Ada Lovelace");
}

TEMPLATE_TEST_CASE("a user created here is answered from the token cache at once, and revoking it still works at once",
                   "[users][auth][cache]", SqliteBackend, PostgresBackend) {
  // A TTL long enough that only forget_user() can make the revoked tokens below fail.
  TestServer server(TestType::value, [](swirl::core::Config& c) { c.token_cache_ttl = std::chrono::minutes(1); });
  auto& cache = server.app().token_cache();
  auto http = server.client();
  auto [olga_id, olga] = http.create_user("Olga");
  auto lobby = http.post("/api/lobbies", {{"name", "Tea"}}, olga).json()["id"].get<std::string>();
  auto [ada_id, ada] = http.create_user("Ada");
  auto [bob_id, bob] = http.create_user("Bob");
  const auto misses = cache.misses();
  const auto hits = cache.hits();

  // Their first calls, a WebSocket upgrade among them, need no database read.
  REQUIRE(http.get("/api/me", ada).status == 200);
  WsOptions options;
  options.token = bob;
  swirl::test::WsClient ws(server.port(), "/api/lobbies/" + lobby + "/ws", options);
  CHECK(ws.wait_for_type("welcome")["user"]["display_name"] == "Bob");
  CHECK(cache.misses() == misses);
  CHECK(cache.hits() == hits + 2);

  // Sign out everywhere and account deletion refuse the cached token at once.
  auto rotated = http.post("/api/me/sign-out-everywhere", json::object(), ada);
  REQUIRE(rotated.status == 200);
  CHECK(http.get("/api/me", ada).status == 401);
  CHECK(http.get("/api/me", rotated.json()["token"].get<std::string>()).status == 200);
  REQUIRE(http.del("/api/me", bob).status == 204);
  CHECK(http.get("/api/me", bob).status == 401);
  CHECK(ws.wait_closed());
}

TEMPLATE_TEST_CASE("a token changed behind the server's back stops working within the cache TTL",
                   "[users][auth][cache]", SqliteBackend, PostgresBackend) {
  SECTION("with a TTL") {
    TestServer server(TestType::value,
                      [](swirl::core::Config& c) { c.token_cache_ttl = std::chrono::milliseconds(300); });
    auto http = server.client();
    auto [id, created_token] = http.create_user("Ada");
    const std::string token = created_token;  // a lambda below uses it
    REQUIRE(http.get("/api/me", token).status == 200);
    exec_sql(server.database_url(), "UPDATE users SET token_hash = 'revoked-by-hand' WHERE id = '" + id + "'");
    auto changed = std::chrono::steady_clock::now();
    CHECK(wait_until([&] { return http.get("/api/me", token).status == 401; }, std::chrono::seconds(5)));
    CHECK(std::chrono::steady_clock::now() - changed < std::chrono::seconds(3));
  }
  SECTION("without the cache (TTL 0) at once") {
    TestServer server(TestType::value,
                      [](swirl::core::Config& c) { c.token_cache_ttl = std::chrono::milliseconds(0); });
    auto http = server.client();
    auto [id, created_token] = http.create_user("Ada");
    const std::string token = created_token;  // a lambda below uses it
    REQUIRE(http.get("/api/me", token).status == 200);
    exec_sql(server.database_url(), "UPDATE users SET token_hash = 'revoked-by-hand' WHERE id = '" + id + "'");
    CHECK(http.get("/api/me", token).status == 401);
    CHECK(server.app().token_cache().size() == 0);
  }
}

TEMPLATE_TEST_CASE("the token cache holds at most --token-cache-size users, the oldest going first",
                   "[users][auth][cache][limits]", SqliteBackend, PostgresBackend) {
  TestServer server(TestType::value, [](swirl::core::Config& c) { c.token_cache_size = 2; });
  auto& cache = server.app().token_cache();
  auto http = server.client();
  auto ada = http.create_user("Ada");
  auto bob = http.create_user("Bob");
  auto cy = http.create_user("Cy");
  for (const auto* u : {&ada, &bob, &cy}) REQUIRE(http.get("/api/me", u->second).status == 200);
  CHECK(cache.size() == 2);
  auto misses = cache.misses();
  REQUIRE(http.get("/api/me", cy.second).status == 200);  // still cached
  CHECK(cache.misses() == misses);
  REQUIRE(http.get("/api/me", ada.second).status == 200);  // evicted: asks the database again
  CHECK(cache.misses() == misses + 1);
  CHECK(cache.size() == 2);
}
