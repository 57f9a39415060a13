// The token cache across a restart (auth/token_cache.hpp, App::preload_tokens): a single node
// starts with the users seen most recently, so their calls need no database read; a cached
// user's last_seen_at is written behind; a cluster node loads nothing. Both backends, through
// real HTTP against a real server on a database that outlives it.
#include <catch2/catch.hpp>

#include "support/databases.hpp"
#include "support/test_server.hpp"
#include "support/wait.hpp"
#include "swirl/app/app.hpp"
#include "swirl/auth/token_cache.hpp"
#include "swirl/lobby/supervisor.hpp"
#include "swirl/storage/database.hpp"

using namespace swirl::test;
using namespace std::chrono_literals;

namespace {

struct Account {
  std::string id, token;
};

std::vector<Account> create_accounts(const std::string& url, const std::vector<std::string>& names) {
  TestServer first(url);
  auto http = first.client();
  std::vector<Account> out;
  for (const auto& name : names) {
    auto [id, token] = http.create_user(name);
    out.push_back({id, token});
  }
  return out;
}

std::int64_t last_seen(const std::string& url, const std::string& id) {
  return query_int(url, "SELECT last_seen_at FROM users WHERE id = '" + id + "'");
}

}  // namespace

TEMPLATE_TEST_CASE("a restarted single node answers its users' tokens from the cache it loaded at start",
                   "[users][auth][cache]", SqliteBackend, PostgresBackend) {
  const auto url = fresh_database_url(TestType::value);
  auto accounts = create_accounts(url, {"Ada", "Bob"});

  TestServer second(url);
  auto& cache = second.app().token_cache();
  CHECK(cache.size() == 2);
  auto http = second.client();
  const auto hits = cache.hits(), misses = cache.misses();
  auto me = http.get("/api/me", accounts[0].token);
  REQUIRE(me.status == 200);
  CHECK(me.json()["display_name"] == "Ada");
  REQUIRE(http.post("/api/lobbies", {{"name", "Tea"}}, accounts[1].token).status == 201);
  CHECK(cache.hits() == hits + 2);
  CHECK(cache.misses() == misses);  // no database read for either

  // Revocation is as immediate as for a user read on demand.
  REQUIRE(http.post("/api/me/sign-out-everywhere", nlohmann::json::object(), accounts[0].token).status == 200);
  CHECK(http.get("/api/me", accounts[0].token).status == 401);
  CHECK(http.get("/api/me", accounts[1].token).status == 200);
}

TEMPLATE_TEST_CASE("at start the token cache takes the most recently seen users, at most --token-cache-size",
                   "[users][auth][cache]", SqliteBackend, PostgresBackend) {
  const auto url = fresh_database_url(TestType::value);
  auto accounts = create_accounts(url, {"Ada", "Bob", "Cy"});
  // Ada was seen last an hour ago, the others just now.
  exec_sql(url, "UPDATE users SET last_seen_at = last_seen_at - 3600000 WHERE id = '" + accounts[0].id + "'");

  TestServer second(url, [](swirl::core::Config& c) { c.token_cache_size = 2; });
  auto& cache = second.app().token_cache();
  CHECK(cache.size() == 2);
  auto http = second.client();
  auto misses = cache.misses();
  REQUIRE(http.get("/api/me", accounts[1].token).status == 200);
  REQUIRE(http.get("/api/me", accounts[2].token).status == 200);
  CHECK(cache.misses() == misses);
  REQUIRE(http.get("/api/me", accounts[0].token).status == 200);  // not loaded: read on demand
  CHECK(cache.misses() == misses + 1);

  SECTION("and none without a cache") {
    TestServer none(url, [](swirl::core::Config& c) { c.token_cache_size = 0; });
    CHECK(none.app().token_cache().size() == 0);
    CHECK(none.client().get("/api/me", accounts[0].token).status == 200);
  }
}

TEMPLATE_TEST_CASE("a user answered from the token cache has last_seen_at written behind, never moved back",
                   "[users][auth][cache][history]", SqliteBackend, PostgresBackend) {
  const auto url = fresh_database_url(TestType::value);
  auto accounts = create_accounts(url, {"Ada"});
  const auto& ada = accounts[0];
  // Seen two minutes ago: due for its once-a-minute update.
  exec_sql(url, "UPDATE users SET last_seen_at = last_seen_at - 120000 WHERE id = '" + ada.id + "'");
  const auto before = last_seen(url, ada.id);

  TestServer second(url);
  auto& cache = second.app().token_cache();
  auto http = second.client();
  const auto misses = cache.misses();
  auto me = http.get("/api/me", ada.token);
  REQUIRE(me.status == 200);
  CHECK(cache.misses() == misses);  // answered from the cache ...
  // ... and the database hears of the visit with the next history batch.
  CHECK(wait_until([&] { return last_seen(url, ada.id) >= before + 120'000; }, 5s));
  CHECK(second.app().supervisor().history().counters().seen_written == 1);
  // Within the minute, no second write.
  REQUIRE(http.get("/api/me", ada.token).status == 200);
  second.app().supervisor().history().drain_now();
  CHECK(second.app().supervisor().history().counters().seen_written == 1);

  // A late, older visit does not move it back.
  const auto now = last_seen(url, ada.id);
  swirl::storage::HistoryEvent late;
  late.kind = swirl::storage::HistoryEvent::Kind::user_seen;
  late.members = {ada.id};
  late.at_ms = now - 60'000;
  swirl::storage::open_database(url, {})->write_history({late});
  CHECK(last_seen(url, ada.id) == now);
}

TEST_CASE("a cluster node loads no tokens at start: its cache entries live only 5 s", "[users][auth][cache][cluster]") {
  const auto url = fresh_database_url(Backend::postgres);
  auto accounts = create_accounts(url, {"Ada"});
  TestServer node(url, [](swirl::core::Config& c) {
    c.cluster = true;
    c.node_id = "preload-test";
  });
  CHECK(node.app().token_cache().size() == 0);
  CHECK(node.client().get("/api/me", accounts[0].token).status == 200);
  CHECK(node.app().token_cache().size() == 1);  // read on demand, and remembered for 5 s
}

TEST_CASE("the token cache's preload keeps the newest users and mark_seen moves last_seen_at forward only",
          "[auth][cache]") {
  swirl::auth::TokenCache cache(std::chrono::hours(1), 2);
  std::vector<std::pair<std::string, swirl::storage::User>> newest_first = {{"hash-cy", {"u-cy", "Cy", 0, 300}},
                                                                            {"hash-bob", {"u-bob", "Bob", 0, 200}},
                                                                            {"hash-ada", {"u-ada", "Ada", 0, 100}}};
  CHECK(cache.preload(newest_first) == 2);
  CHECK(cache.find("hash-cy").user);
  CHECK(cache.find("hash-bob").user);
  CHECK_FALSE(cache.find("hash-ada").user);
  cache.mark_seen("u-bob", 500);
  CHECK(cache.find("hash-bob").user->last_seen_at_ms == 500);
  cache.mark_seen("u-bob", 400);
  CHECK(cache.find("hash-bob").user->last_seen_at_ms == 500);
  cache.mark_seen("u-nobody", 400);  // not cached: nothing happens
  CHECK(cache.size() == 2);
}
