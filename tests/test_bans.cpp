// Bans are bounded (issue 19): only a well-formed id of someone who is or was in the lobby can
// be banned, a lobby holds at most --max-bans-per-lobby running bans, and ended bans neither
// count nor come back when the lobby's actor starts. On both backends.
#include <catch2/catch.hpp>

#include <algorithm>

#include "support/databases.hpp"
#include "support/interactions.hpp"
#include "support/lobby_with_members.hpp"
#include "support/test_server.hpp"
#include "support/wait.hpp"
#include "swirl/core/config.hpp"
#include "swirl/storage/database.hpp"

using namespace swirl::test;
using nlohmann::json;

namespace {

HttpResult ban(SimUser& owner, const std::string& lobby, const std::string& user_id, int seconds = 600) {
  return owner.http->post("/api/lobbies/" + lobby + "/kick", {{"user_id", user_id}, {"ban_seconds", seconds}},
                          owner.token);
}

// Joins and leaves again (the socket closes; the place is kept for the resume grace).
void visit(SimUser& u, const std::string& lobby) {
  u.join(lobby);
  u.ws.reset();
}

}  // namespace

TEMPLATE_TEST_CASE("a ban needs the id of someone who is or was in the lobby", "[owner][ban][strict]", SqliteBackend,
                   PostgresBackend) {
  LobbyWithMembers room(TestType::value);
  auto& stranger = room.it.user("Stranger");

  // Not an id at all: the finding stored 64 KiB strings.
  for (const std::string& bad : {std::string(60'000, 'x'), std::string("someone"), std::string(17, 'a'),
                                 std::string("aaaaaaaaaaaaaaa/"), std::string("aaaaaaaaaaaaaa\xC3\xA9")}) {
    auto r = ban(room.owner, room.lobby, bad);
    CHECK(r.status == 400);
    CHECK(r.error_code() == "invalid_user_id");
  }
  // Well-formed, but no such user; and a real user who never came here.
  for (const std::string& id : {std::string("AAAAAAAAAAAAAAAA"), stranger.id}) {
    auto r = ban(room.owner, room.lobby, id);
    CHECK(r.status == 404);
    CHECK(r.error_code() == "member_not_found");
  }
  CHECK(stranger.http->get("/api/lobbies/" + room.lobby, stranger.token).status == 200);  // nothing was stored

  // A member now, and a member who left: both can be banned.
  room.ada.join(room.lobby);
  visit(room.bob, room.lobby);
  auto now = ban(room.owner, room.lobby, room.ada.id);
  CHECK(now.status == 200);
  CHECK(now.json()["kicked"] == true);
  auto former = ban(room.owner, room.lobby, room.bob.id);
  CHECK(former.status == 200);
  CHECK(refused_join(room.server.port(), room.lobby, room.bob.token).error_code() == "banned");
  CHECK(refused_join(room.server.port(), room.lobby, room.ada.token).error_code() == "banned");
  // Membership is per lobby.
  auto other = room.it.create_lobby(room.owner);
  CHECK(ban(room.owner, other, room.bob.id).error_code() == "member_not_found");
}

// A first join is queued on the history writer at the upgrade and written behind (no timer
// flush here): a ban drains it first, and a stop writes what is left.
TEMPLATE_TEST_CASE("a first join is written behind, yet on record for a ban at once and after a stop",
                   "[owner][ban][history]", SqliteBackend, PostgresBackend) {
  const std::string url = fresh_database_url(TestType::value);
  auto no_timer_flush = [](swirl::core::Config& c) { c.history_flush_interval = std::chrono::hours(1); };
  auto members = [&url](const std::string& lobby) {
    return query_int(url, "SELECT COUNT(*) FROM lobby_members WHERE lobby_id = '" + lobby + "'");
  };
  std::string lobby, owner_token, cy_id;
  {
    TestServer server(url, no_timer_flush);
    Interactions it(server);
    auto& owner = it.user("Olga");
    auto& ada = it.user("Ada");
    auto& bob = it.user("Bob");
    lobby = it.create_lobby(owner);
    auto& history = server.app().supervisor().history();
    ada.join(lobby);
    visit(bob, lobby);
    CHECK(history.joins_queued() == 2);  // queued before each welcome, not written yet
    CHECK(members(lobby) == 0);
    ada.join(lobby);  // a second tab of a member already in: no second record
    CHECK(history.joins_queued() == 2);
    auto r = ban(owner, lobby, bob.id);
    CHECK(r.status == 200);
    CHECK(history.joins_queued() == 0);
    CHECK(history.counters().joins_written.load() == 2);
    CHECK(history.queued() == 0);  // the match history's own queue holds no join
    CHECK(members(lobby) == 2);
    auto& cy = it.user("Cy");
    visit(cy, lobby);
    CHECK(history.joins_queued() == 1);
    owner_token = owner.token;
    cy_id = cy.id;
    server.stop();
  }
  CHECK(members(lobby) == 3);
  TestServer again(url);
  HttpClient http(again.port());
  auto r = http.post("/api/lobbies/" + lobby + "/kick", {{"user_id", cy_id}, {"ban_seconds", 60}}, owner_token);
  CHECK(r.status == 200);
}

TEMPLATE_TEST_CASE("a lobby holds at most --max-bans-per-lobby running bans and ended ones do not count",
                   "[owner][ban][strict][limits]", SqliteBackend, PostgresBackend) {
  TestServer server(TestType::value, [](swirl::core::Config& c) { c.max_bans_per_lobby = 2; });
  Interactions it(server);
  auto& owner = it.user("Olga");
  auto& a = it.user("A");
  auto& b = it.user("B");
  auto& c = it.user("C");
  auto lobby = it.create_lobby(owner);
  for (auto* u : {&a, &b, &c}) visit(*u, lobby);

  CHECK(ban(owner, lobby, a.id, 1).status == 200);
  CHECK(ban(owner, lobby, b.id).status == 200);
  auto full = ban(owner, lobby, c.id);
  CHECK(full.status == 409);
  CHECK(full.error_code() == "too_many_bans");
  CHECK_THAT(full.json()["error"]["message"].get<std::string>(), Catch::Contains("2"));
  CHECK(c.http->get("/api/lobbies/" + lobby, c.token).status == 200);  // not banned
  // Changing a running ban is not a new one.
  CHECK(ban(owner, lobby, b.id, 1200).status == 200);
  // A's ban ends: it no longer counts, so C's now fits.
  REQUIRE(
      wait_until([&] { return a.http->get("/api/lobbies/" + lobby, a.token).status == 200; }, std::chrono::seconds(5)));
  CHECK(ban(owner, lobby, c.id).status == 200);
  CHECK(refused_join(server.port(), lobby, c.token).error_code() == "banned");
  // Kicking without a ban is not limited.
  a.join(lobby);
  CHECK(owner.http->post("/api/lobbies/" + lobby + "/kick", {{"user_id", a.id}}, owner.token).status == 200);
}

TEMPLATE_TEST_CASE("the store keeps bans bounded and hands a starting actor the running ones only",
                   "[storage][ban][strict]", SqliteBackend, PostgresBackend) {
  auto db = swirl::storage::open_database(fresh_database_url(TestType::value), {});
  db->migrate();
  const std::int64_t now = 1'000'000;
  db->create_user({"ownerownerowner1", "Olga", now, now}, "hash-owner");
  swirl::storage::LobbyRecord lobby;
  lobby.id = "lobby1";
  lobby.name = "Room";
  lobby.owner_id = "ownerownerowner1";
  lobby.created_at_ms = now;
  db->create_lobby(lobby);
  CHECK(db->ban("lobby1", "ended", now - 1, now, 2));
  CHECK(db->ban("lobby1", "running1", now + 1000, now - 10, 2));
  // At the cap: "ended" is over by `now`, so it is deleted and does not count.
  CHECK(db->ban("lobby1", "running2", now + 1000, now, 2));
  CHECK_FALSE(db->ban("lobby1", "running3", now + 1000, now, 2));
  CHECK(db->ban("lobby1", "running1", now + 5000, now, 2));  // changing one is not a new one
  auto loaded = db->load_bans("lobby1", now);
  std::sort(loaded.begin(), loaded.end());
  CHECK(loaded ==
        std::vector<std::pair<std::string, std::int64_t>>{{"running1", now + 5000}, {"running2", now + 1000}});
  CHECK_FALSE(db->banned_until("lobby1", "ended"));  // deleted, not just skipped
  // Membership comes from the joins written with the history.
  swirl::storage::HistoryEvent joined;
  joined.kind = swirl::storage::HistoryEvent::Kind::member_joined;
  joined.lobby_id = "lobby1";
  joined.members = {"ownerownerowner1"};
  joined.at_ms = now;
  db->write_history({joined, joined});  // twice: kept once
  CHECK(db->was_member("lobby1", "ownerownerowner1"));
  CHECK_FALSE(db->was_member("lobby1", "running1"));
}

TEST_CASE("the max-bans-per-lobby option: default, flag, environment, bounds", "[config][ban]") {
  using swirl::core::parse_config;
  CHECK(parse_config({}, {}).config->max_bans_per_lobby == 1000);
  CHECK(parse_config({"--max-bans-per-lobby=5"}, {}).config->max_bans_per_lobby == 5);
  CHECK(parse_config({}, {{"SWIRL_MAX_BANS_PER_LOBBY", "7"}}).config->max_bans_per_lobby == 7);
  for (const char* bad : {"--max-bans-per-lobby=0", "--max-bans-per-lobby=1000001", "--max-bans-per-lobby=many"}) {
    auto r = parse_config({bad}, {});
    CHECK_FALSE(r.config);
    CHECK_THAT(r.message, Catch::Contains("--max-bans-per-lobby"));
  }
  CHECK_THAT(parse_config({"--help"}, {}).message, Catch::Contains("SWIRL_MAX_BANS_PER_LOBBY"));
}
