// Each backend's write transaction (with_transaction in src/storage): a body that throws part-way
// leaves nothing behind and hands back a usable connection; a body that refuses (a ban over the
// limit) writes nothing; a body that returns is committed. Through the public Database
// interface, on one pooled connection (SQLite: one reader, and its one writer connection takes
// every write), so a transaction left open would show in the next call. Writes from several
// threads at once, autocommit and transactions mixed, all land.
#include <catch2/catch.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "support/databases.hpp"
#include "swirl/storage/database.hpp"

namespace swirl::test::transactions {
namespace {

struct Seeded {
  std::unique_ptr<swirl::storage::Database> db;
  std::string url;
};

// A migrated database with users ada and bob and a lobby l1 owned by ada, on a pool of one
// connection.
Seeded seeded(swirl::test::Backend backend) {
  Seeded s;
  s.url = swirl::test::fresh_database_url(backend);
  swirl::storage::DatabaseOptions options;
  options.pool_size = 1;
  s.db = swirl::storage::open_database(s.url, options);
  s.db->migrate();  // a fresh SQLite file is empty (the server migrates at start); PostgreSQL's template is not
  s.db->create_user({"ada", "Ada", 1, 1}, "hash-ada");
  s.db->create_user({"bob", "Bob", 1, 1}, "hash-bob");
  swirl::storage::LobbyRecord lobby;
  lobby.id = "l1";
  lobby.name = "Lobby";
  lobby.owner_id = "ada";
  lobby.created_at_ms = 1;
  s.db->create_lobby(lobby);
  return s;
}

swirl::storage::HistoryEvent started(const std::string& match_id, std::int64_t at) {
  swirl::storage::HistoryEvent e;
  e.kind = swirl::storage::HistoryEvent::Kind::match_started;
  e.lobby_id = "l1";
  e.match_id = match_id;
  e.members = {"ada", "bob"};
  e.at_ms = at;
  return e;
}

swirl::storage::HistoryEvent joined(const std::string& user, std::int64_t at) {
  swirl::storage::HistoryEvent e;
  e.kind = swirl::storage::HistoryEvent::Kind::member_joined;
  e.lobby_id = "l1";
  e.members = {user};
  e.at_ms = at;
  return e;
}

}  // namespace

TEMPLATE_TEST_CASE("a write transaction that throws part-way is rolled back and its connection reused",
                   "[storage][transactions]", swirl::test::SqliteBackend, swirl::test::PostgresBackend) {
  auto s = seeded(TestType::value);
  // The third event repeats the second's match id: its insert fails after two writes went in.
  std::vector<swirl::storage::HistoryEvent> batch{joined("ada", 10), started("m1", 10), started("m1", 11)};
  CHECK_THROWS_AS(s.db->write_history(batch), swirl::storage::Conflict);
  CHECK(s.db->count_matches("l1") == 0);
  CHECK(s.db->load_pairs("l1").empty());
  CHECK_FALSE(s.db->was_member("l1", "ada"));
  CHECK(swirl::test::query_int(s.url, "SELECT COUNT(*) FROM lobby_members") == 0);

  // The same (only) connection takes the next transaction, which commits.
  s.db->write_history({joined("ada", 20), started("m2", 20)});
  CHECK(s.db->count_matches("l1") == 1);
  CHECK(s.db->load_pairs("l1").size() == 1);
  CHECK(s.db->was_member("l1", "ada"));
}

TEMPLATE_TEST_CASE("a refused ban writes nothing, a stored one clears the expired bans", "[storage][transactions]",
                   swirl::test::SqliteBackend, swirl::test::PostgresBackend) {
  auto s = seeded(TestType::value);
  constexpr std::size_t kMaxBans = 1;
  REQUIRE(s.db->ban("l1", "ada", /*until=*/150, /*now=*/100, kMaxBans));
  // At 120 ada's ban still runs: bob's is one too many and nothing changes.
  CHECK_FALSE(s.db->ban("l1", "bob", 1000, 120, kMaxBans));
  CHECK(swirl::test::query_int(s.url, "SELECT COUNT(*) FROM lobby_bans") == 1);
  CHECK(s.db->banned_until("l1", "ada") == 150);
  CHECK_FALSE(s.db->banned_until("l1", "bob").has_value());
  // A ban that runs may be changed at the limit.
  CHECK(s.db->ban("l1", "ada", 160, 120, kMaxBans));
  CHECK(s.db->banned_until("l1", "ada") == 160);
  // At 200 ada's ban has expired: bob's is stored and ada's row is gone.
  CHECK(s.db->ban("l1", "bob", 1000, 200, kMaxBans));
  CHECK_FALSE(s.db->banned_until("l1", "ada").has_value());
  CHECK(s.db->banned_until("l1", "bob") == 1000);
  CHECK(swirl::test::query_int(s.url, "SELECT COUNT(*) FROM lobby_bans") == 1);
}

TEMPLATE_TEST_CASE("writes from several threads at once all land", "[storage][transactions]",
                   swirl::test::SqliteBackend, swirl::test::PostgresBackend) {
  auto url = swirl::test::fresh_database_url(TestType::value);
  swirl::storage::DatabaseOptions options;
  options.pool_size = 4;
  auto db = swirl::storage::open_database(url, options);
  db->migrate();
  db->create_user({"ada", "Ada", 1, 1}, "hash-ada");
  swirl::storage::LobbyRecord lobby;
  lobby.id = "l1";
  lobby.name = "Lobby";
  lobby.owner_id = "ada";
  lobby.created_at_ms = 1;
  db->create_lobby(lobby);

  // Each thread, for each of its users: create (autocommit), record the join (a transaction),
  // touch and rename (autocommit), ban (a transaction that reads, then writes), and read back.
  constexpr int kThreads = 4, kUsers = 40;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kUsers; ++i) {
        auto id = "u" + std::to_string(t) + "x" + std::to_string(i);
        try {
          db->create_user({id, "User", 2, 2}, "hash-" + id);
          db->write_history({joined(id, 3)});
          db->touch_user(id, 4);
          db->rename_user(id, "Renamed");
          if (!db->ban("l1", id, 1000, 5, 1'000'000)) ++failures;
          auto back = db->find_user(id);
          if (!back || back->display_name != "Renamed" || back->last_seen_at_ms != 4) ++failures;
        } catch (const std::exception& e) {
          UNSCOPED_INFO(id << ": " << e.what());
          ++failures;
        }
      }
    });
  for (auto& th : threads) th.join();
  CHECK(failures == 0);
  CHECK(swirl::test::query_int(url, "SELECT COUNT(*) FROM users") == 1 + kThreads * kUsers);
  CHECK(swirl::test::query_int(url, "SELECT COUNT(*) FROM lobby_members") == kThreads * kUsers);
  CHECK(swirl::test::query_int(url, "SELECT COUNT(*) FROM lobby_bans") == kThreads * kUsers);
}

}  // namespace swirl::test::transactions
