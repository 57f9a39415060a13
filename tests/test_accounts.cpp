// Accounts (issue 17), black-box on both backends: sign out everywhere revokes the token at
// once (the token cache included) and closes the user's sockets; deleting an account removes
// the user and their token, closes their sockets, and keeps their match history under an
// anonymous id; tokens never reach the log.
#include <catch2/catch.hpp>

#include "support/databases.hpp"
#include "support/interactions.hpp"
#include "support/log_capture.hpp"
#include "support/test_server.hpp"
#include "support/wait.hpp"
#include "swirl/auth/tokens.hpp"

using namespace swirl::test;
using nlohmann::json;

namespace {

// A cache that would keep serving a revoked token for a minute if nothing told it otherwise.
void long_token_cache(swirl::core::Config& c) { c.token_cache_ttl = std::chrono::minutes(1); }

// Rows anywhere in the database whose text holds `needle` (every text column of every table).
std::int64_t rows_holding(const std::string& url, const std::string& needle) {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> columns = {
      {"users", {"id", "display_name", "token_hash"}},
      {"lobbies", {"id", "name", "owner_id", "settings"}},
      {"matches", {"id", "lobby_id", "members", "end_reason"}},
      {"match_pairs", {"lobby_id", "user_a", "user_b"}},
      {"lobby_bans", {"lobby_id", "user_id"}},
      {"lobby_members", {"lobby_id", "user_id"}}};
  std::int64_t n = 0;
  for (const auto& [table, cols] : columns) {
    std::string where;
    for (const auto& c : cols)
      where += (where.empty() ? "" : " OR ") + ("COALESCE(" + c + ", '') LIKE '%" + needle + "%'");
    n += query_int(url, "SELECT COUNT(*) FROM " + table + " WHERE " + where);
  }
  return n;
}

}  // namespace

TEMPLATE_TEST_CASE("sign out everywhere: the old token stops at once, sockets close with 4001, a new token works",
                   "[accounts][http][ws]", SqliteBackend, PostgresBackend) {
  TestServer server(TestType::value, long_token_cache);
  Interactions it(server);
  auto& owner = it.user("Olga");
  auto lobby = it.create_lobby(owner);
  auto& ada = it.user("Ada");
  auto& ws = ada.join(lobby);
  const std::string old_token = ada.token;
  REQUIRE(ada.http->get("/api/me", old_token).status == 200);  // now in the token cache

  auto r = ada.http->post("/api/me/sign-out-everywhere", json::object(), old_token);
  REQUIRE(r.status == 200);
  const auto new_token = r.json()["token"].get<std::string>();
  CHECK(new_token != old_token);
  CHECK(swirl::auth::looks_like_token(new_token));
  CHECK(r.json()["id"] == ada.id);

  auto old = ada.http->get("/api/me", old_token);
  CHECK(old.status == 401);
  CHECK(old.error_code() == "invalid_token");
  CHECK(ada.http->get("/api/me", new_token).json()["id"] == ada.id);
  REQUIRE(ws.wait_closed());
  CHECK(ws.close_code() == 4001);
  CHECK(ws.close_reason() == "signed out");
  CHECK(refused_join(server.port(), lobby, old_token).status == 401);
  ada.token = new_token;
  ada.join(lobby);
  // The old token cannot sign out the new one.
  CHECK(ada.http->post("/api/me/sign-out-everywhere", json::object(), old_token).status == 401);
}

TEMPLATE_TEST_CASE("delete account: user and token go, sockets close with 4002, history stays under an anonymous id",
                   "[accounts][http][ws][storage]", SqliteBackend, PostgresBackend) {
  TestServer server(TestType::value, [](swirl::core::Config& c) {
    long_token_cache(c);
    c.resume_grace = std::chrono::milliseconds(300);  // her place in the lobby ends soon after her sockets
  });
  Interactions it(server);
  auto& owner = it.user("Olga");
  auto lobby = it.create_lobby(owner);
  auto& ada = it.user("Ada Deletable");
  auto& bob = it.user("Bob");
  auto& cy = it.user("Cy");
  const auto url = server.database_url();
  auto pairs_of = [&](const SimUser& u) {
    return query_int(url, "SELECT COUNT(*) FROM match_pairs WHERE lobby_id = '" + lobby + "' AND (user_a = '" + u.id +
                              "' OR user_b = '" + u.id + "')");
  };
  // Ada met Bob (media flowed: the pair is stored before she deletes her account) ...
  auto first = match_pair(lobby, ada, bob);
  ada.ws->send({{"type", "media_flowing"}, {"match_id", first["match_id"]}});
  REQUIRE(wait_until([&] { return pairs_of(bob) == 1; }));
  bob.ws->close();
  ada.ws->wait_for_type("match_ended");
  // ... and is in a match with Cy when she deletes it: that pair is stored only when the match
  // ends, after her account is gone.
  ada.ready_seen(true);
  cy.join(lobby);
  cy.ready();
  REQUIRE(cy.ws->wait_for_type("match")["peers"][0]["id"] == ada.id);
  REQUIRE(pairs_of(cy) == 0);
  REQUIRE(rows_holding(url, ada.id) > 0);
  // Her own open lobby keeps her from deleting; closing it lets her.
  auto hers = it.create_lobby(ada, "Ada's room");
  auto refused = ada.http->del("/api/me", ada.token);
  CHECK(refused.status == 409);
  CHECK(refused.error_code() == "owns_open_lobbies");
  REQUIRE(ada.http->post("/api/lobbies/" + hers + "/close", json::object(), ada.token).status == 200);

  auto r = ada.http->del("/api/me", ada.token);
  REQUIRE(r.status == 204);
  CHECK(r.body.empty());
  REQUIRE(ada.ws->wait_closed());
  CHECK(ada.ws->close_code() == 4002);
  CHECK(ada.ws->close_reason() == "account deleted");
  CHECK(ada.http->get("/api/me", ada.token).status == 401);  // the cache let go too
  CHECK(ada.http->del("/api/me", ada.token).status == 401);
  CHECK(refused_join(server.port(), lobby, ada.token).status == 401);

  // Cy's match with her ends when her place does; what the lobby writes about her from then on
  // is anonymised too. Then: her id, name and token hash are nowhere; Bob's and Cy's pairs
  // remain, with one anonymous tombstone user that cannot sign in.
  cy.ws->wait_for_type("match_ended");
  server.app().supervisor().history().drain_now();
  CHECK(rows_holding(url, ada.id) == 0);
  CHECK(rows_holding(url, "Ada Deletable") == 0);
  CHECK(rows_holding(url, swirl::auth::sha256_hex(ada.token)) == 0);
  CHECK(pairs_of(bob) == 1);
  CHECK(pairs_of(cy) == 1);
  CHECK(query_int(url, "SELECT COUNT(*) FROM users WHERE deleted_at IS NOT NULL AND display_name = ''") == 1);
  CHECK(query_int(url,
                  "SELECT COUNT(*) FROM match_pairs p JOIN users u ON u.id IN (p.user_a, p.user_b) "
                  "WHERE u.deleted_at IS NOT NULL AND p.lobby_id = '" +
                      lobby + "'") == 2);
  CHECK(query_int(url,
                  "SELECT COUNT(*) FROM lobbies l JOIN users u ON u.id = l.owner_id "
                  "WHERE u.deleted_at IS NOT NULL AND l.id = '" +
                      hers + "'") == 1);
  CHECK(query_int(url, "SELECT COUNT(*) FROM matches WHERE lobby_id = '" + lobby + "'") == 2);
  // The others' accounts are untouched.
  CHECK(bob.http->get("/api/me", bob.token).status == 200);
  CHECK(owner.http->get("/api/me", owner.token).status == 200);
}

TEMPLATE_TEST_CASE("tokens never reach the log, not even their hashes", "[accounts][log]", SqliteBackend,
                   PostgresBackend) {
  LogCapture log;
  TestServer server(TestType::value, [](swirl::core::Config& c) {
    c.log_level = "trace";
    LogCapture::all_levels();
  });
  Interactions it(server);
  auto& owner = it.user("Olga");
  auto lobby = it.create_lobby(owner);
  auto& ada = it.user("Ada");
  ada.join(lobby);
  std::vector<std::string> tokens = {owner.token, ada.token};
  {
    WsOptions header;
    header.token = owner.token;
    header.token_in_authorization_header = true;
    WsClient ws(server.port(), "/api/lobbies/" + lobby + "/ws", header);
    ws.wait_for_type("welcome");
  }
  CHECK(ada.http->get("/api/me", "A" + ada.token.substr(1)).status == 401);  // a wrong token
  auto rotated = ada.http->post("/api/me/sign-out-everywhere", json::object(), ada.token);
  REQUIRE(rotated.status == 200);
  tokens.push_back(rotated.json()["token"].get<std::string>());
  CHECK(refused_join(server.port(), lobby, ada.token).status == 401);
  REQUIRE(ada.http->del("/api/me", tokens.back()).status == 204);

  const auto text = log.text();
  REQUIRE_THAT(text, Catch::Contains("signed out everywhere"));  // the capture saw the server
  for (const auto& t : tokens) {
    CHECK_THAT(text, !Catch::Contains(t));
    CHECK_THAT(text, !Catch::Contains(t.substr(0, 12)));
    CHECK_THAT(text, !Catch::Contains(swirl::auth::sha256_hex(t)));
  }
}
