// ICE servers, the pure parts: TURN REST credentials against a vector computed independently,
// expiry and renewal arithmetic, configuration checks, Cloudflare's answer format.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <limits>

#include <unistd.h>

#include "swirl/core/config.hpp"
#include "swirl/ice/cloudflare_client.hpp"
#include "swirl/ice/ice_config.hpp"
#include "swirl/ice/turn_credentials.hpp"
#include "swirl/ice/turn_rest_provider.hpp"
#include "swirl/lobby/frames.hpp"

using namespace swirl::ice;

TEST_CASE("TURN REST credentials match an independently computed HMAC-SHA1", "[ice][unit]") {
  // Computed with OpenSSL's command line, not with our code:
  //   printf '%s' '1733420000:u8Jd2kLs9QmZx0Aa' | openssl dgst -sha1 -hmac 'north-wind-7' -binary | base64
  //   -> eiG8DpVyGCfaCsMp6QeAi8F32Ck=
  //   printf '%s' '1733423600:u8Jd2kLs9QmZx0Aa' | openssl dgst -sha1 -hmac 'north-wind-7' -binary | base64
  //   -> 2uhxWDWV98ow+B2h3dCZKeMIBjY=
  //   printf '%s' 'abc' | openssl dgst -sha1 -hmac '' -binary | base64
  //   -> m0qRjzmNdNPjZ5cKujy+VOTStdk=
  CHECK(hmac_sha1_base64("north-wind-7", "1733420000:u8Jd2kLs9QmZx0Aa") == "eiG8DpVyGCfaCsMp6QeAi8F32Ck=");
  CHECK(hmac_sha1_base64("", "abc") == "m0qRjzmNdNPjZ5cKujy+VOTStdk=");

  auto c = make_turn_credential("north-wind-7", "u8Jd2kLs9QmZx0Aa", 1733420000 - 3600, 3600);
  CHECK(c.username == "1733420000:u8Jd2kLs9QmZx0Aa");
  CHECK(c.credential == "eiG8DpVyGCfaCsMp6QeAi8F32Ck=");
  CHECK(c.expires_at_s == 1733420000);
  auto later = make_turn_credential("north-wind-7", "u8Jd2kLs9QmZx0Aa", 1733420000, 3600);
  CHECK(later.username == "1733423600:u8Jd2kLs9QmZx0Aa");
  CHECK(later.credential == "2uhxWDWV98ow+B2h3dCZKeMIBjY=");
}

TEST_CASE("turn-rest grants: STUN then TURN, expiry and renewal at 80 % of the lifetime", "[ice][unit]") {
  IceConfig cfg;
  cfg.stun_urls = {"stun:stun.example.org:3478"};
  cfg.turn_urls = {"turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:5349?transport=tcp"};
  cfg.turn_secret = "north-wind-7";
  cfg.turn_ttl = std::chrono::seconds(3600);
  TurnRestProvider p(cfg);
  std::int64_t now_ms = (1733420000LL - 3600) * 1000 + 250;  // mid-second: expiry counts from the whole second
  auto g = p.grant("u8Jd2kLs9QmZx0Aa", now_ms);
  REQUIRE(g.servers.size() == 2);
  CHECK(g.servers[0].urls == cfg.stun_urls);
  CHECK(g.servers[0].username.empty());
  CHECK(g.servers[1].urls == cfg.turn_urls);
  CHECK(g.servers[1].username == "1733420000:u8Jd2kLs9QmZx0Aa");
  CHECK(g.servers[1].credential == "eiG8DpVyGCfaCsMp6QeAi8F32Ck=");
  REQUIRE(g.expires_at_ms);
  CHECK(*g.expires_at_ms == 1733420000LL * 1000);
  CHECK(g.refresh_at_ms == *g.expires_at_ms - 720 * 1000);  // 80 % of 3600 s, counted back from the expiry
  auto g2 = p.grant("u8Jd2kLs9QmZx0Aa", now_ms + 2880 * 1000);
  CHECK(g2.generation != g.generation);
  CHECK(g2.servers[1].username == std::to_string(1733420000 + 2880) + ":u8Jd2kLs9QmZx0Aa");

  // As the ice_servers frame (and welcome) write them: STUN entries carry only "urls".
  CHECK(swirl::lobby::ice_servers_frame(g) ==
        R"({"type":"ice_servers","ice_servers":[{"urls":["stun:stun.example.org:3478"]},)"
        R"({"urls":["turn:turn.example.org:3478?transport=udp","turns:turn.example.org:5349?transport=tcp"],)"
        R"("username":"1733420000:u8Jd2kLs9QmZx0Aa","credential":"eiG8DpVyGCfaCsMp6QeAi8F32Ck="}],)"
        R"("expires_at":"2024-12-05T17:33:20.000Z"})");
}

TEST_CASE("STUN only: nothing expires and nothing is renewed", "[ice][unit]") {
  IceConfig cfg;
  cfg.stun_urls = {"stun:stun.example.org:3478"};
  TurnRestProvider p(cfg);
  auto g = p.grant("u1", 1'000);
  CHECK(g.servers.size() == 1);
  CHECK_FALSE(g.expires_at_ms);
  CHECK(g.refresh_at_ms == std::numeric_limits<std::int64_t>::max());
  CHECK(g.generation == p.grant("u1", 2'000).generation);
  CHECK(swirl::lobby::ice_servers_frame(TurnRestProvider(IceConfig{}).grant("u1", 0)) ==
        R"({"type":"ice_servers","ice_servers":[],"expires_at":null})");
}

TEST_CASE("ICE configuration is checked at start-up with clear errors", "[ice][config]") {
  auto bad = [](std::vector<std::string> args, const std::string& needle, std::map<std::string, std::string> env = {}) {
    auto r = swirl::core::parse_config(args, env);
    CHECK_FALSE(r.config);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.message, Catch::Contains(needle));
    return r.message;
  };
  bad({"--turn-urls=turn:t.example.org:3478"}, "--turn-urls needs --turn-secret");
  auto m = bad({"--turn-secret=hunter2-secret"}, "--turn-urls is empty");
  CHECK_THAT(m, !Catch::Contains("hunter2-secret"));  // errors never echo a secret
  bad({"--turn-urls=stun:t.example.org", "--turn-secret=x"}, "is not a turn: or turns: URL");
  bad({"--stun-urls=turn:t.example.org"}, "is not a stun: or stuns: URL");
  bad({"--ice-servers=stun:x:1"}, "--stun-urls");
  bad({}, "--stun-urls", {{"SWIRL_ICE_SERVERS", "stun:x:1"}});  // an old environment is not silently ignored
  bad({"--ice-provider=twilio"}, "turn-rest or cloudflare");
  bad({"--ice-provider=cloudflare"}, "--cloudflare-key-id");
  bad({"--ice-provider=cloudflare", "--cloudflare-key-id=k1"}, "--cloudflare-api-token");
  bad({"--ice-provider=cloudflare", "--cloudflare-key-id=../x", "--cloudflare-api-token=t"}, "--cloudflare-key-id");
  bad({"--ice-provider=cloudflare", "--cloudflare-key-id=k1", "--cloudflare-api-token=t", "--turn-urls=turn:x:3478"},
      "Cloudflare supplies");
  bad({"--ice-provider=cloudflare", "--cloudflare-key-id=k1", "--cloudflare-api-token=t",
       "--cloudflare-api-url=ftp://x"},
      "--cloudflare-api-url");
  bad({"--turn-ttl-s=0"}, "--turn-ttl-s");
  bad({"--turn-ttl-s=172801"}, "--turn-ttl-s");
  // 100 s leaves 20 s to renew; the default heartbeat (45 s / 4) needs 22.5 s.
  bad({"--turn-urls=turn:x:3478", "--turn-secret=s", "--turn-ttl-s=100"}, "too short to refresh");
  bad({"--turn-secret-file=/nonexistent/secret"}, "--turn-secret-file: cannot read");

  auto ok = swirl::core::parse_config({"--turn-urls=turn:x:3478", "--turn-ttl-s=100", "--ws-idle-timeout-ms=10000"},
                                      {{"SWIRL_TURN_SECRET", "s3"}});
  REQUIRE(ok.config);
  CHECK(ok.config->ice.turn_secret == "s3");
  CHECK(ok.config->ice.turn_ttl == std::chrono::seconds(100));
  auto defaults = swirl::core::parse_config({}, {});
  REQUIRE(defaults.config);
  CHECK(defaults.config->ice.stun_urls.empty());
  CHECK(defaults.config->ice.turn_ttl == std::chrono::seconds(3600));
  CHECK(defaults.config->ice.provider == ProviderKind::turn_rest);
  CHECK(defaults.config->ice.cloudflare_api_url == "https://rtc.live.cloudflare.com/v1");
}

TEST_CASE("secrets come from files, and --help never shows them", "[ice][config]") {
  std::string path = "/tmp/swirl-ice-secret-" + std::to_string(::getpid());
  { std::ofstream(path) << "  file-secret-42\n second line ignored\n"; }
  auto r = swirl::core::parse_config({"--turn-urls=turn:x:3478", "--turn-secret-file", path}, {});
  REQUIRE(r.config);
  CHECK(r.config->ice.turn_secret == "file-secret-42");
  auto cf = swirl::core::parse_config({"--ice-provider=cloudflare", "--cloudflare-key-id=k1"},
                                      {{"SWIRL_CLOUDFLARE_API_TOKEN_FILE", path}});
  REQUIRE(cf.config);
  CHECK(cf.config->ice.cloudflare_api_token == "file-secret-42");
  { std::ofstream(path) << "\n"; }
  auto empty = swirl::core::parse_config({"--turn-secret-file=" + path}, {});
  CHECK_FALSE(empty.config);
  CHECK_THAT(empty.message, Catch::Contains("is empty"));
  std::remove(path.c_str());

  auto help = swirl::core::parse_config(
      {"--help"}, {{"SWIRL_TURN_SECRET", "env-secret-77"}, {"SWIRL_CLOUDFLARE_API_TOKEN", "tok-88"}});
  CHECK_THAT(help.message,
             Catch::Contains("--turn-secret") && !Catch::Contains("env-secret-77") && !Catch::Contains("tok-88"));
  auto d = describe(r.config->ice);
  CHECK_THAT(d, !Catch::Contains("file-secret-42"));
}

TEST_CASE("start-up warnings name what fails without TURN", "[ice][unit]") {
  IceConfig none;
  auto w = startup_warnings(none);
  REQUIRE(w.size() == 2);
  CHECK_THAT(w[0], Catch::Contains("symmetric NAT"));
  IceConfig stun;
  stun.stun_urls = {"stun:x:1"};
  CHECK(startup_warnings(stun).size() == 1);
  IceConfig turn = stun;
  turn.turn_urls = {"turn:x:1"};
  turn.turn_secret = "s";
  CHECK(startup_warnings(turn).empty());
}

TEST_CASE("Cloudflare answers are parsed into ICE servers, other shapes are refused", "[ice][unit]") {
  auto servers = parse_cloudflare_answer(R"({"iceServers":[
    {"urls":["stun:stun.cloudflare.com:3478","stun:stun.cloudflare.com:53"]},
    {"urls":["turn:turn.cloudflare.com:3478?transport=udp","turns:turn.cloudflare.com:443?transport=tcp"],
     "username":"bc91b63e2b5d759f8eb9f3b58062439e0a0e15893d76317d833265ad08d6631099ce7c7087caabb31ad3e1c386424e3e",
     "credential":"ebd71f1d3edbc2b0edae3cd5a6d82284aeb5c3b8fdaa9b8e3bf9cec683e0d45fe9f5b44e5145db3300f06c250a15b4a0"}]})");
  REQUIRE(servers.size() == 2);
  CHECK(servers[0].urls.size() == 2);
  CHECK(servers[0].username.empty());
  CHECK(servers[1].urls[1] == "turns:turn.cloudflare.com:443?transport=tcp");
  CHECK(servers[1].username.size() == 96);
  CHECK(parse_cloudflare_answer(R"({"iceServers":[{"urls":"stun:x:1"}]})").at(0).urls ==
        std::vector<std::string>{"stun:x:1"});
  for (const char* bad :
       {"", "not json", "[]", R"({"iceServers":{"urls":"stun:x"}})", R"({"iceServers":[]})", R"({"iceServers":[{}]})",
        R"({"iceServers":[{"urls":[1]}]})", R"({"iceServers":[{"urls":[]}]})",
        R"({"iceServers":[{"urls":"turn:x","username":5}]})", R"({"errors":[{"code":10000}]})"})
    CHECK_THROWS_AS(parse_cloudflare_answer(bad), std::runtime_error);
}
