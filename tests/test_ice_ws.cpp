// ICE servers, black-box: a real server hands out TURN REST credentials in `welcome` and
// renews them with `ice_servers` before they expire; the cloudflare provider against a local
// stand-in of Cloudflare's API, including the stand-in failing (STUN only, logged). Secrets
// never reach a client or the log.
#include <catch2/catch.hpp>

#include <spdlog/spdlog.h>

#include "support/cloudflare_stand_in.hpp"
#include "support/interactions.hpp"
#include "support/log_capture.hpp"
#include "support/test_server.hpp"
#include "support/wait.hpp"
#include "swirl/core/iso8601.hpp"
#include "swirl/ice/turn_credentials.hpp"

using namespace swirl::test;
using nlohmann::json;

namespace {

const char* kSecret = "test-turn-secret-d41d8cd9";
const char* kToken = "cf-api-token-8f14e45f";

std::int64_t unix_now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The TURN entry's credentials are what coturn would accept: username "<expiry>:<user id>",
// credential base64(HMAC-SHA1(secret, username)), and the expiry matches `expires_at`.
void check_turn_entry(const json& servers, const json& expires_at, const std::string& user_id, std::int64_t ttl_s) {
  REQUIRE(servers.size() == 2);
  CHECK(servers[0] == json{{"urls", {"stun:127.0.0.1:3478"}}});
  const auto& turn = servers[1];
  CHECK(turn["urls"] == json{"turn:127.0.0.1:3478?transport=udp"});
  std::string username = turn["username"];
  auto colon = username.find(':');
  REQUIRE(colon != std::string::npos);
  CHECK(username.substr(colon + 1) == user_id);
  auto expiry = std::stoll(username.substr(0, colon));
  CHECK(expiry > unix_now_s());
  CHECK(expiry <= unix_now_s() + ttl_s + 1);
  CHECK(turn["credential"] == swirl::ice::hmac_sha1_base64(kSecret, username));
  CHECK(expires_at == swirl::core::iso8601(expiry * 1000));
}

bool mentions_secret(const std::vector<json>& messages) {
  for (const auto& m : messages) {
    auto text = m.dump();
    if (text.find(kSecret) != std::string::npos || text.find(kToken) != std::string::npos) return true;
  }
  return false;
}

auto turn_rest = [](std::chrono::seconds ttl, std::chrono::milliseconds idle) {
  return [=](swirl::core::Config& c) {
    c.ice.stun_urls = {"stun:127.0.0.1:3478"};
    c.ice.turn_urls = {"turn:127.0.0.1:3478?transport=udp"};
    c.ice.turn_secret = kSecret;
    c.ice.turn_ttl = ttl;
    c.ws_idle_timeout = idle;
  };
};

}  // namespace

TEST_CASE("welcome carries TURN credentials that verify, and never the secret", "[ice][ws]") {
  LogCapture log;
  TestServer server(Backend::sqlite, [](swirl::core::Config& c) {
    turn_rest(std::chrono::seconds(3600), std::chrono::milliseconds(45'000))(c);
    LogCapture::all_levels();
  });
  Interactions it(server);
  auto& ada = it.user("Ada");
  auto& bob = it.user("Bob");
  auto lobby = it.create_lobby(ada);
  auto w = ada.join(lobby).wait_for_type("welcome");
  check_turn_entry(w["ice_servers"], w["ice_expires_at"], ada.id, 3600);
  auto wb = bob.join(lobby).wait_for_type("welcome");
  check_turn_entry(wb["ice_servers"], wb["ice_expires_at"], bob.id, 3600);
  CHECK(wb["ice_servers"][1]["credential"] != w["ice_servers"][1]["credential"]);  // per user
  match_pair(lobby, ada, bob);
  CHECK_FALSE(mentions_secret(ada.ws->messages()));
  CHECK_FALSE(mentions_secret(bob.ws->messages()));
  server.stop();
  auto text = log.text();
  CHECK_THAT(text, Catch::Contains("TURN REST credentials for 1 TURN URL(s), valid 3600 s"));
  CHECK_THAT(text, !Catch::Contains(kSecret));
}

TEST_CASE("fresh credentials arrive in ice_servers before the old ones expire", "[ice][ws]") {
  // 3 s credentials (2-3 s: the expiry is in whole seconds) are renewed 0.6 s before they
  // expire, on the lobby heartbeat (every 250 ms here).
  TestServer server(Backend::sqlite, turn_rest(std::chrono::seconds(3), std::chrono::milliseconds(1000)));
  Interactions it(server);
  auto& ada = it.user("Ada");
  auto lobby = it.create_lobby(ada);
  auto& ws = ada.join(lobby);
  auto w = ws.wait_for_type("welcome");
  check_turn_entry(w["ice_servers"], w["ice_expires_at"], ada.id, 3);
  auto before_refresh = std::chrono::steady_clock::now();
  auto fresh = ws.wait_for_type("ice_servers", std::chrono::seconds(8));
  auto waited = std::chrono::steady_clock::now() - before_refresh;
  CHECK(waited > std::chrono::milliseconds(1000));  // not at once: at 80 % of the (2-3 s) lifetime
  check_turn_entry(fresh["ice_servers"], fresh["expires_at"], ada.id, 3);
  // Before the old ones expired, and the new ones last longer.
  CHECK(swirl::core::iso8601(unix_now_s() * 1000) < w["ice_expires_at"].get<std::string>());
  CHECK(fresh["expires_at"].get<std::string>() > w["ice_expires_at"].get<std::string>());
  CHECK(fresh["ice_servers"][1]["username"] != w["ice_servers"][1]["username"]);
  // And it goes on: a second renewal, each one once.
  ws.wait_for_nth("ice_servers", 2, std::chrono::seconds(8));
  CHECK(ws.count("welcome") == 1);
}

TEST_CASE("the cloudflare provider fetches once per lifetime from the API and shares the servers",
          "[ice][ws][cloudflare]") {
  LogCapture log;
  CloudflareStandIn cloudflare("key-1a2b", kToken);
  TestServer server(Backend::sqlite, [&](swirl::core::Config& c) {
    c.ice.provider = swirl::ice::ProviderKind::cloudflare;
    c.ice.stun_urls = {"stun:127.0.0.1:3478"};
    c.ice.cloudflare_key_id = "key-1a2b";
    c.ice.cloudflare_api_token = kToken;
    c.ice.cloudflare_api_url = cloudflare.base_url();
    c.ice.turn_ttl = std::chrono::seconds(600);
    LogCapture::all_levels();
  });
  // Fetched at start-up, before anyone asks.
  REQUIRE(wait_until([&] { return cloudflare.requests().size() == 1; }));
  auto seen = cloudflare.requests().at(0);
  CHECK(seen.method == "POST");
  CHECK(seen.target == "/v1/turn/keys/key-1a2b/credentials/generate-ice-servers");
  CHECK(seen.authorization == std::string("Bearer ") + kToken);
  CHECK(seen.content_type == "application/json");
  CHECK(json::parse(seen.body) == json{{"ttl", 600}});
  CHECK(seen.answered == 201);

  // Logged once the answer is in the cache.
  REQUIRE(wait_until([&] { return log.text().find("new Cloudflare TURN credentials") != std::string::npos; }));

  Interactions it(server);
  auto& ada = it.user("Ada");
  auto& bob = it.user("Bob");
  auto& cy = it.user("Cy");
  auto lobby = it.create_lobby(ada);
  auto has_turn = [](const json& w) {
    return w["ice_servers"].size() == 3 && w["ice_servers"][2]["username"] == "cf-user-1";
  };
  CHECK(has_turn(ada.join(lobby).wait_for_type("welcome")));
  auto w = bob.join(lobby).wait_for_type("welcome");
  REQUIRE(has_turn(w));
  CHECK(w["ice_servers"][0] == json{{"urls", {"stun:127.0.0.1:3478"}}});
  CHECK(w["ice_servers"][1] == json{{"urls", {"stun:stun.cloudflare.example:3478"}}});
  CHECK(w["ice_servers"][2]["credential"] == "cf-cred-1");
  CHECK(w["ice_servers"][2]["urls"].size() == 2);
  CHECK_FALSE(w["ice_expires_at"].is_null());
  CHECK(cy.join(lobby).wait_for_type("welcome")["ice_servers"] == w["ice_servers"]);
  CHECK(cloudflare.requests().size() == 1);  // one call for everyone, not one per join
  CHECK_FALSE(mentions_secret(ada.ws->messages()));
  server.stop();
  CHECK_THAT(log.text(), Catch::Contains("new Cloudflare TURN credentials") && !Catch::Contains(kToken));
}

TEST_CASE("Cloudflare failing: joins get STUN only, the error is logged, TURN follows once it answers",
          "[ice][ws][cloudflare]") {
  LogCapture log;
  CloudflareStandIn cloudflare("key-1a2b", kToken);
  cloudflare.fail_with(503);
  TestServer server(Backend::sqlite, [&](swirl::core::Config& c) {
    c.ice.provider = swirl::ice::ProviderKind::cloudflare;
    c.ice.stun_urls = {"stun:127.0.0.1:3478"};
    c.ice.cloudflare_key_id = "key-1a2b";
    c.ice.cloudflare_api_token = kToken;
    c.ice.cloudflare_api_url = cloudflare.base_url();
    c.ice.turn_ttl = std::chrono::seconds(10);  // failed fetches are retried after 1 s
    c.ws_idle_timeout = std::chrono::milliseconds(2000);
    LogCapture::all_levels();
  });
  REQUIRE(wait_until([&] { return log.text().find("answered HTTP 503") != std::string::npos; }));
  Interactions it(server);
  auto& ada = it.user("Ada");
  auto lobby = it.create_lobby(ada);
  auto& ws = ada.join(lobby);
  auto w = ws.wait_for_type("welcome");
  CHECK(w["ice_servers"] == json::parse(R"([{"urls":["stun:127.0.0.1:3478"]}])"));
  CHECK(w["ice_expires_at"].is_null());

  cloudflare.fail_with(0);
  auto fresh = ws.wait_for_type("ice_servers", std::chrono::seconds(10));
  REQUIRE(fresh["ice_servers"].size() == 3);
  CHECK(fresh["ice_servers"][2]["username"].get<std::string>().rfind("cf-user-", 0) == 0);
  CHECK_FALSE(fresh["expires_at"].is_null());
  server.stop();
  auto text = log.text();
  CHECK_THAT(text, Catch::Contains("Cloudflare TURN credentials request failed") && !Catch::Contains(kToken));
}
