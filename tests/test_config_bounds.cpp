// Every numeric flag's bounds: the lowest and highest values are taken, one past either end,
// a non-number, a negative, a fraction and an empty value are refused with an error naming the
// flag; the default and the range are the ones README.md's configuration table states. The
// multi-node lease flags, whose limits depend on each other, have cases of their own.
#include <catch2/catch.hpp>

#include <fstream>
#include <functional>
#include <regex>
#include <set>
#include <sstream>

#include "swirl/core/config.hpp"

using swirl::core::Config;
using swirl::core::parse_config;

namespace {

unsigned long long number(std::size_t v) { return v; }
unsigned long long number(unsigned v) { return v; }
unsigned long long number(std::uint16_t v) { return v; }
template <class Rep, class Period>
unsigned long long number(std::chrono::duration<Rep, Period> d) {
  return static_cast<unsigned long long>(d.count());
}

struct Bounds {
  const char* flag;  // without the dashes
  unsigned long long min, max, default_value;
  std::function<unsigned long long(const Config&)> get;
};

#define FIELD(f) [](const Config& c) { return number(c.f); }

constexpr unsigned long long kWeek = 7ULL * 86'400'000ULL;

const std::vector<Bounds>& bounds() {
  static const std::vector<Bounds> b = {
      {"port", 0, 65'535, 8'080, FIELD(port)},
      {"io-threads", 0, 256, 0, FIELD(io_threads)},
      {"db-threads", 1, 64, 4, FIELD(db_threads)},
      {"db-max-pending", 1, 1'000'000, 4'096, FIELD(db_max_pending)},
      {"db-unavailable-backoff-ms", 1, kWeek, 1'000, FIELD(db_unavailable_backoff)},
      {"token-cache-ttl-ms", 0, 3'600'000, 3'600'000, FIELD(token_cache_ttl)},
      {"token-cache-size", 0, 10'000'000, 32'768, FIELD(token_cache_size)},
      {"history-flush-ms", 1, 60'000, 1000, FIELD(history_flush_interval)},
      {"history-max-queued", 1, 10'000'000, 10'000, FIELD(history_max_queued)},
      {"memory-trim-delay-ms", 0, 3'600'000, 1'000, FIELD(memory_trim_delay)},
      {"http-max-body", 0, 64ULL << 20, 65'536, FIELD(http_max_body_bytes)},
      {"http-header-timeout-ms", 1, kWeek, 10'000, FIELD(http_header_timeout)},
      {"http-idle-timeout-ms", 1, kWeek, 60'000, FIELD(http_idle_timeout)},
      {"shutdown-drain-ms", 1, kWeek, 10'000, FIELD(shutdown_drain)},
      {"database-wait-ms", 0, 3'600'000, 0, FIELD(database_wait)},
      {"rate-http", 0, 1'000'000, 200, FIELD(rate_http_per_second)},
      {"rate-http-burst", 1, 10'000'000, 2'000, FIELD(rate_http_burst)},
      {"rate-users-per-minute", 0, 1'000'000, 300, FIELD(rate_users_per_minute)},
      {"rate-lobbies-per-minute", 0, 1'000'000, 60, FIELD(rate_lobbies_per_minute)},
      {"ws-max-per-address", 0, 1'000'000, 500, FIELD(ws_max_per_address)},
      {"ws-max-connections", 0, 10'000'000, 20'000, FIELD(ws_max_connections)},
      {"rate-limit-max-addresses", 1, 100'000'000, 100'000, FIELD(rate_limit_max_addresses)},
      {"lobby-idle-shutdown-ms", 1, kWeek, 300'000, FIELD(lobby_idle_shutdown)},
      {"max-bans-per-lobby", 1, 1'000'000, 1'000, FIELD(max_bans_per_lobby)},
      {"max-blocks-per-user", 1, 1'000'000, 1'000, FIELD(max_blocks_per_user)},
      {"max-reports-per-hour", 1, 10'000, 10, FIELD(max_reports_per_hour)},
      {"resume-grace-ms", 1, kWeek, 20'000, FIELD(resume_grace)},
      {"page-close-grace-ms", 1, kWeek, 3'000, FIELD(page_close_grace)},
      {"ws-idle-timeout-ms", 1, kWeek, 45'000, FIELD(ws_idle_timeout)},
      {"ws-hello-timeout-ms", 1, kWeek, 10'000, FIELD(ws_hello_timeout)},
      {"ws-max-frame", 256, 16ULL << 20, 16'384, FIELD(ws_max_frame_bytes)},
      {"ws-queue-messages", 1, 1'000'000, 256, FIELD(ws_queue_max_messages)},
      {"ws-queue-bytes", 1'024, 1ULL << 30, 1'048'576, FIELD(ws_queue_max_bytes)},
      {"ws-rate", 1, 1'000'000, 50, FIELD(ws_rate_per_second)},
      {"ws-burst", 1, 1'000'000, 100, FIELD(ws_rate_burst)},
      {"no-media-timeout-ms", 0, 3'600'000, 20'000, FIELD(no_media_timeout)},
      {"hidden-unready-ms", 1'000, 86'400'000, 60'000, FIELD(hidden_unready)},
      {"turn-ttl-s", 1, 172'800, 3'600, FIELD(ice.turn_ttl)},
      {"lease-ttl-ms", 1'000, 600'000, 10'000, FIELD(lease_ttl)},
  };
  return b;
}
#undef FIELD  // the sanitizer builds compile test files in unity batches

// The flags whose limits depend on another flag: tested below, one by one.
const std::set<std::string> kRelated = {"lease-renew-ms", "lease-margin-ms"};

std::string refused(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {}) {
  auto r = parse_config(args, env);
  if (r.config) return "(accepted)";
  CHECK(r.exit_code == 2);
  return r.message;
}

// README.md's configuration table: the cells of the row naming `--flag`, split where a row
// names two flags ("`--a` / `--b`"), as {default, range} for that flag.
std::pair<std::string, std::string> readme_row(const std::string& flag) {
  std::ifstream in(std::string(SWIRL_SOURCE_DIR) + "/README.md");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("| `--", 0) != 0) continue;
    std::vector<std::string> cells;
    std::stringstream s(line.substr(1));
    for (std::string cell; std::getline(s, cell, '|');) cells.push_back(cell);
    if (cells.size() < 5) continue;
    auto part = [](const std::string& cell, std::size_t i) {
      std::vector<std::string> parts;
      std::size_t from = 0, at;
      while ((at = cell.find(" / ", from)) != std::string::npos) {
        parts.push_back(cell.substr(from, at - from));
        from = at + 3;
      }
      parts.push_back(cell.substr(from));
      std::string p = i < parts.size() ? parts[i] : "";
      p.erase(0, p.find_first_not_of(" `"));
      p.erase(p.find_last_not_of(" `") + 1);
      return p;
    };
    for (std::size_t i = 0; i < 2; ++i)
      if (part(cells[0], i) == "--" + flag) return {part(cells[2], i), part(cells[3], i)};
  }
  return {"(no row)", "(no row)"};
}

}  // namespace

TEST_CASE("every numeric flag takes its lowest and highest value and refuses one past either end", "[config]") {
  for (const auto& b : bounds()) {
    INFO("--" << b.flag);
    const std::string flag = std::string("--") + b.flag;
    auto lo = parse_config({flag + "=" + std::to_string(b.min)}, {});
    REQUIRE(lo.config);
    CHECK(b.get(*lo.config) == b.min);
    auto hi = parse_config({flag, std::to_string(b.max)}, {});
    REQUIRE(hi.config);
    CHECK(b.get(*hi.config) == b.max);
    if (b.min > 0) CHECK_THAT(refused({flag + "=" + std::to_string(b.min - 1)}), Catch::Contains(flag + ": "));
    CHECK_THAT(refused({flag + "=" + std::to_string(b.max + 1)}),
               Catch::Contains(flag + ": ") && Catch::Contains("out of range"));
    CHECK_THAT(refused({flag + "=18446744073709551616"}),
               Catch::Contains(flag + ": ") && Catch::Contains("out of range"));
    for (const char* bad : {"ten", "-1", "1.5", "", " 5", "5s", "0x10"})
      CHECK_THAT(refused({flag + "=" + bad}), Catch::Contains(flag + ": expected a whole number"));
    // The environment variable is checked the same way.
    std::string env = "SWIRL_";
    for (const char* p = b.flag; *p; ++p) env += *p == '-' ? '_' : static_cast<char>(std::toupper(*p));
    CHECK_THAT(refused({}, {{env, std::to_string(b.max + 1)}}), Catch::Contains(flag + ": "));
  }
}

TEST_CASE("every numeric flag's default and range are the ones README.md states", "[config]") {
  auto defaults = parse_config({}, {});
  REQUIRE(defaults.config);
  for (const auto& b : bounds()) {
    INFO("--" << b.flag);
    CHECK(b.get(*defaults.config) == b.default_value);
    auto [def, range] = readme_row(b.flag);
    CHECK(def == std::to_string(b.default_value));
    CHECK(range == std::to_string(b.min) + "–" + std::to_string(b.max));
  }
}

TEST_CASE("the bounds table above covers every numeric flag --help lists", "[config]") {
  std::set<std::string> covered(kRelated);
  for (const auto& b : bounds()) covered.insert(b.flag);
  std::regex numeric(R"(--([a-z0-9-]+)=(N|MS|BYTES|SECONDS|PORT)\b)");
  const auto help = swirl::core::config_help();
  int seen = 0;
  for (std::sregex_iterator it(help.begin(), help.end(), numeric), end; it != end; ++it, ++seen) {
    INFO((*it)[1].str());
    CHECK(covered.count((*it)[1].str()) == 1);
  }
  CHECK(seen == static_cast<int>(covered.size()));
}

TEST_CASE("lease renew and margin: bounds, defaults from the TTL, and the relations between them",
          "[config][cluster]") {
  const std::vector<std::string> pg = {"--cluster=true", "--database=postgres://x@h/db"};
  auto with = [&](std::vector<std::string> more) {
    more.insert(more.begin(), pg.begin(), pg.end());
    return more;
  };
  // Defaults: a third and a fifth of the TTL, filled in cluster mode; and the token cache's TTL
  // is 5 s there (another node may revoke a token), unless set.
  auto d = parse_config(with({"--lease-ttl-ms=9000"}), {});
  REQUIRE(d.config);
  CHECK(d.config->lease_renew == std::chrono::milliseconds(3000));
  CHECK(d.config->lease_margin == std::chrono::milliseconds(1800));
  CHECK(d.config->token_cache_ttl == std::chrono::milliseconds(5000));
  CHECK(parse_config(with({"--token-cache-ttl-ms=60000"}), {}).config->token_cache_ttl ==
        std::chrono::milliseconds(60000));
  // Lowest values.
  auto lo = parse_config(with({"--lease-renew-ms=1", "--lease-margin-ms=1"}), {});
  REQUIRE(lo.config);
  CHECK(lo.config->lease_renew == std::chrono::milliseconds(1));
  CHECK(lo.config->lease_margin == std::chrono::milliseconds(1));
  for (const char* flag : {"--lease-renew-ms", "--lease-margin-ms"}) {
    INFO(flag);
    CHECK_THAT(refused(with({std::string(flag) + "=0"})), Catch::Contains(std::string(flag) + ": 0 is out of range"));
    CHECK_THAT(refused(with({std::string(flag) + "=300001", "--lease-ttl-ms=600000"})),
               Catch::Contains(std::string(flag) + ": 300001 is out of range [1, 300000]"));
    CHECK_THAT(refused(with({std::string(flag) + "=soon"})),
               Catch::Contains(std::string(flag) + ": expected a whole number"));
  }
  // The margin: at most half the TTL.
  auto half = parse_config(with({"--lease-ttl-ms=10000", "--lease-margin-ms=5000", "--lease-renew-ms=2500"}), {});
  REQUIRE(half.config);
  CHECK_THAT(refused(with({"--lease-ttl-ms=10000", "--lease-margin-ms=5001", "--lease-renew-ms=1000"})),
             Catch::Contains("--lease-margin-ms: 5001 is more than half of --lease-ttl-ms (10000)"));
  // Renewals: at most half of (TTL - margin) apart, the margin being its default when not given.
  REQUIRE(parse_config(with({"--lease-ttl-ms=10000", "--lease-renew-ms=4000"}), {}).config);  // (10000 - 2000) / 2
  CHECK_THAT(refused(with({"--lease-ttl-ms=10000", "--lease-renew-ms=4001"})),
             Catch::Contains("--lease-renew-ms: 4001 is more than half of --lease-ttl-ms (10000) minus "
                             "--lease-margin-ms (2000)"));
  // A renewal as long as the TTL is refused, whatever the margin.
  CHECK_THAT(refused(with({"--lease-ttl-ms=3000", "--lease-renew-ms=3000", "--lease-margin-ms=1"})),
             Catch::Contains("--lease-renew-ms: 3000"));
  // The timing is checked without --cluster too: a wrong value is refused before it is needed.
  CHECK_THAT(refused({"--lease-renew-ms=9000"}), Catch::Contains("--lease-renew-ms: 9000 is more than half"));
  CHECK_THAT(refused({"--lease-ttl-ms=999"}), Catch::Contains("--lease-ttl-ms: 999 is out of range [1000, 600000]"));
}

TEST_CASE("the flags --cluster and --node-id: booleans, names, and the database they need", "[config][cluster]") {
  CHECK(parse_config({"--cluster=false"}, {}).config);
  CHECK_THAT(refused({"--cluster=yes"}), Catch::Contains("--cluster: expected true or false, got 'yes'"));
  CHECK_THAT(refused({}, {{"SWIRL_CLUSTER", "2"}}), Catch::Contains("--cluster: expected true or false"));
  CHECK_THAT(refused({"--cluster=1", "--database=sqlite:x.db"}), Catch::Contains("--cluster needs PostgreSQL"));
  auto on = parse_config({"--cluster=1", "--database=postgresql://x@h/db", "--node-id=eu-1.node_A"}, {});
  REQUIRE(on.config);
  CHECK(on.config->cluster);
  CHECK(on.config->node_id == "eu-1.node_A");
  const std::string longest(64, 'n');
  REQUIRE(parse_config({"--node-id=" + longest}, {}).config);
  CHECK(parse_config({"--node-id=" + longest}, {}).config->node_id == longest);
  for (const std::string& bad : {longest + "n", std::string("node 1"), std::string("node/1"), std::string("nöde")})
    CHECK_THAT(refused({"--node-id=" + bad}), Catch::Contains("--node-id: expected at most 64 of"));
  // A config built in code goes through the same check at start-up (App::start).
  Config c;
  c.cluster = true;
  c.database_url = "postgres://x@h/db";
  c.node_id = "a:b";
  CHECK_THROWS_WITH(swirl::core::resolve_cluster(c), Catch::Contains("--node-id"));
}
