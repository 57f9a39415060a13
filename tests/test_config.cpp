// Configuration: environment, flags, precedence, errors, --help; and the binary itself.
#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <memory>

#include "swirl/core/config.hpp"

using swirl::core::parse_config;

namespace {
std::pair<int, std::string> run_command(const std::string& cmd) {
  std::array<char, 4096> buf{};
  std::string out;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  REQUIRE(p != nullptr);
  while (auto n = fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  int status = pclose(p);
  return {WEXITSTATUS(status), out};
}
}  // namespace

TEST_CASE("defaults match the documentation", "[config]") {
  auto r = parse_config({}, {});
  REQUIRE(r.config);
  CHECK(r.config->listen_address == "127.0.0.1");
  CHECK(r.config->port == 8080);
  CHECK(r.config->database_url == "sqlite:var/swirl.db");
  CHECK(r.config->http_max_body_bytes == 65536);
  CHECK(r.config->token_cache_ttl == std::chrono::milliseconds(3'600'000));  // a single node
  CHECK(r.config->token_cache_size == 32768);
  CHECK(r.config->memory_trim_delay == std::chrono::milliseconds(1000));
  CHECK(r.config->history_flush_interval == std::chrono::milliseconds(1000));
  CHECK(r.config->history_max_queued == 10000);
  CHECK(r.config->ws_edge_recv);
}

TEST_CASE("the WebSocket receive path is chosen by flag or environment", "[config]") {
  CHECK_FALSE(parse_config({"--ws-edge-recv=false"}, {}).config->ws_edge_recv);
  CHECK_FALSE(parse_config({}, {{"SWIRL_WS_EDGE_RECV", "0"}}).config->ws_edge_recv);
  CHECK(parse_config({"--ws-edge-recv", "true"}, {{"SWIRL_WS_EDGE_RECV", "false"}}).config->ws_edge_recv);
  auto r = parse_config({"--ws-edge-recv=maybe"}, {});
  CHECK_FALSE(r.config);
  CHECK_THAT(r.message, Catch::Contains("--ws-edge-recv: expected true or false"));
}

TEST_CASE("cache and history limits are set by flags and environment, within bounds", "[config]") {
  auto r = parse_config({"--token-cache-ttl-ms=0", "--history-flush-ms", "250"},
                        {{"SWIRL_TOKEN_CACHE_SIZE", "5"}, {"SWIRL_HISTORY_MAX_QUEUED", "7"}});
  REQUIRE(r.config);
  CHECK(r.config->token_cache_ttl == std::chrono::milliseconds(0));
  CHECK(r.config->token_cache_size == 5);
  CHECK(r.config->history_flush_interval == std::chrono::milliseconds(250));
  CHECK(r.config->history_max_queued == 7);
  CHECK_FALSE(parse_config({"--history-flush-ms=0"}, {}).config);
  CHECK_FALSE(parse_config({"--history-max-queued=0"}, {}).config);
  CHECK_FALSE(parse_config({"--token-cache-ttl-ms=3600001"}, {}).config);
  CHECK(parse_config({}, {{"SWIRL_MEMORY_TRIM_DELAY_MS", "0"}}).config->memory_trim_delay ==
        std::chrono::milliseconds(0));
  CHECK(parse_config({"--memory-trim-delay-ms=2500"}, {}).config->memory_trim_delay == std::chrono::milliseconds(2500));
  CHECK_FALSE(parse_config({"--memory-trim-delay-ms=-1"}, {}).config);
  CHECK_FALSE(parse_config({"--memory-trim-delay-ms=3600001"}, {}).config);
}

TEST_CASE("environment sets options and flags win over it", "[config]") {
  auto r = parse_config({"--port=9001"}, {{"SWIRL_PORT", "9000"},
                                          {"SWIRL_DATABASE", "sqlite:/tmp/x.db"},
                                          {"SWIRL_LOG_LEVEL", "debug"},
                                          {"SWIRL_STUN_URLS", "stun:a:1, stuns:b:2"}});
  REQUIRE(r.config);
  CHECK(r.config->port == 9001);
  CHECK(r.config->database_url == "sqlite:/tmp/x.db");
  CHECK(r.config->log_level == "debug");
  CHECK(r.config->ice.stun_urls == std::vector<std::string>{"stun:a:1", "stuns:b:2"});
  auto r2 = parse_config({"--listen", "0.0.0.0", "--web-root", "/srv/web"}, {});
  REQUIRE(r2.config);
  CHECK(r2.config->listen_address == "0.0.0.0");
  CHECK(r2.config->web_root == "/srv/web");
}

TEST_CASE("bad options are refused with a message naming them", "[config]") {
  auto bad = [](std::vector<std::string> args, std::map<std::string, std::string> env, const std::string& needle) {
    auto r = parse_config(args, env);
    CHECK_FALSE(r.config);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.message, Catch::Contains(needle));
  };
  bad({"--port=70000"}, {}, "--port");
  bad({"--port=abc"}, {}, "--port");
  bad({}, {{"SWIRL_PORT", "-1"}}, "--port");
  bad({"--database=mysql://x"}, {}, "--database");
  bad({"--log-level=loud"}, {}, "--log-level");
  bad({"--no-such-flag=1"}, {}, "unknown option");
  bad({"--port"}, {}, "needs a value");
  bad({"stray"}, {}, "unexpected argument");
}

TEST_CASE("the --help text lists every option with its environment variable", "[config]") {
  auto r = parse_config({"--help"}, {});
  CHECK_FALSE(r.config);
  CHECK(r.exit_code == 0);
  for (const char* s :
       {"--listen", "SWIRL_LISTEN", "--port", "SWIRL_PORT", "--database", "SWIRL_DATABASE", "--web-root", "--model-dir",
        "--log-level", "--log-format", "--http-max-body", "--stun-urls", "--turn-urls", "--turn-secret-file",
        "SWIRL_TURN_TTL_S", "--ice-provider", "--cloudflare-api-token-file"})
    CHECK_THAT(r.message, Catch::Contains(s));
}

TEST_CASE("the swirl-server binary prints help and rejects bad flags", "[config][binary]") {
  auto [code, out] = run_command(std::string(SWIRL_SERVER_BINARY) + " --help");
  CHECK(code == 0);
  CHECK_THAT(out, Catch::Contains("SWIRL_DATABASE"));
  auto [code2, out2] = run_command(std::string(SWIRL_SERVER_BINARY) + " --port=nope");
  CHECK(code2 == 2);
  CHECK_THAT(out2, Catch::Contains("--port"));
}

TEST_CASE("no-media timeout and hidden-unready time: defaults, flags, environment, bounds", "[config][media]") {
  auto d = parse_config({}, {});
  REQUIRE(d.config);
  CHECK(d.config->no_media_timeout == std::chrono::milliseconds(20000));
  CHECK(d.config->hidden_unready == std::chrono::milliseconds(60000));
  auto r = parse_config({"--no-media-timeout-ms=0"},
                        {{"SWIRL_HIDDEN_UNREADY_MS", "5000"}, {"SWIRL_NO_MEDIA_TIMEOUT_MS", "9"}});
  REQUIRE(r.config);
  CHECK(r.config->no_media_timeout == std::chrono::milliseconds(0));
  CHECK(r.config->hidden_unready == std::chrono::milliseconds(5000));
  CHECK_FALSE(parse_config({"--no-media-timeout-ms=3600001"}, {}).config);
  CHECK_FALSE(parse_config({"--no-media-timeout-ms=-5"}, {}).config);
  CHECK_FALSE(parse_config({"--hidden-unready-ms=999"}, {}).config);
  CHECK_FALSE(parse_config({"--hidden-unready-ms=86400001"}, {}).config);
  auto help = swirl::core::config_help();
  CHECK(help.find("--no-media-timeout-ms") != std::string::npos);
  CHECK(help.find("SWIRL_HIDDEN_UNREADY_MS") != std::string::npos);
}
