// The flag table: every option the server reads, its value's form and bounds, and the help
// line --help prints (README.md's configuration table lists the same, with the bounds).
#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "config_options.hpp"
#include "swirl/core/origin.hpp"

namespace swirl::core::config_detail {

const std::vector<Option>& options() {
  static const std::vector<Option> opts = {
      {"listen", "ADDR", "address to listen on (default 127.0.0.1; 0.0.0.0 for all IPv4)",
       string_opt(&Config::listen_address)},
      {"port", "PORT", "TCP port (default 8080; 0 picks a free port and logs it)",
       [](Config& c, const std::string& v) {
         c.port = static_cast<std::uint16_t>(parse_unsigned("--port", v, 0, 65535));
       }},
      {"database", "URL", "postgres://user:pass@host:port/db or sqlite:PATH (default sqlite:var/swirl.db)",
       [](Config& c, const std::string& v) {
         if (v.rfind("postgres://", 0) != 0 && v.rfind("postgresql://", 0) != 0 && v.rfind("sqlite:", 0) != 0)
           throw std::invalid_argument("--database: expected postgres://... or sqlite:PATH, got '" + v + "'");
         c.database_url = v;
       }},
      {"web-root", "DIR", "directory of the built web client (default web/dist)", string_opt(&Config::web_root)},
      {"model-dir", "DIR",
       "directory served at /models/ instead of the web root's models/ (default: the web root's, holding the vendored "
       "BodyPix model)",
       string_opt(&Config::model_dir)},
      {"log-level", "LEVEL", "trace, debug, info, warn, error or off (default info)",
       [](Config& c, const std::string& v) {
         static const std::vector<std::string> ok = {"trace", "debug", "info", "warn", "error", "off"};
         if (std::find(ok.begin(), ok.end(), v) == ok.end())
           throw std::invalid_argument("--log-level: unknown level '" + v + "'");
         c.log_level = v;
       }},
      {"log-format", "FORMAT", "text or json (default text)",
       [](Config& c, const std::string& v) {
         if (v != "text" && v != "json") throw std::invalid_argument("--log-format: expected text or json");
         c.log_format = v;
       }},
      {"io-threads", "N", "network threads (default 0 = half the cores, at least 1)",
       uint_opt(&Config::io_threads, "--io-threads", 0, 256)},
      {"db-threads", "N", "threads for blocking database and file work (default 4)",
       uint_opt(&Config::db_threads, "--db-threads", 1, 64)},
      {"db-max-pending", "N", "queued database calls before new ones fail with 503 (default 4096)",
       size_opt(&Config::db_max_pending, "--db-max-pending", 1, 1'000'000)},
      {"db-unavailable-backoff-ms", "MS", "after a failed connect, fail fast for this long (default 1000)",
       ms_opt(&Config::db_unavailable_backoff, "--db-unavailable-backoff-ms")},
      {"token-cache-ttl-ms", "MS",
       "a token's user is remembered this long before the database is asked again; 0 = no cache (default 3600000 "
       "on a single node, 5000 with --cluster)",
       ms_opt(&Config::token_cache_ttl, "--token-cache-ttl-ms", 0, 3'600'000)},
      {"token-cache-size", "N", "tokens remembered at most; the oldest go first; 0 = no cache (default 32768)",
       size_opt(&Config::token_cache_size, "--token-cache-size", 0, 10'000'000)},
      {"history-flush-ms", "MS",
       "match history, joins and last_seen_at updates are written in one transaction per this interval (default 1000)",
       ms_opt(&Config::history_flush_interval, "--history-flush-ms", 1, 60'000)},
      {"history-max-queued", "N",
       "match history events waiting to be written before new ones are dropped (default 10000)",
       size_opt(&Config::history_max_queued, "--history-max-queued", 1, 10'000'000)},
      {"memory-trim-delay-ms", "MS",
       "after a lobby shuts down, free memory goes back to the OS this long later; 0 = never (default 1000)",
       ms_opt(&Config::memory_trim_delay, "--memory-trim-delay-ms", 0, 3'600'000)},
      {"http-max-body", "BYTES", "largest accepted request body; larger gets 413 (default 65536)",
       size_opt(&Config::http_max_body_bytes, "--http-max-body", 0, 64ULL << 20)},
      {"http-header-timeout-ms", "MS", "time allowed to receive a whole request (default 10000)",
       ms_opt(&Config::http_header_timeout, "--http-header-timeout-ms")},
      {"http-idle-timeout-ms", "MS", "keep-alive idle time before closing (default 60000)",
       ms_opt(&Config::http_idle_timeout, "--http-idle-timeout-ms")},
      {"shutdown-drain-ms", "MS",
       "on SIGTERM/SIGINT, time allowed for WebSockets to close and in-flight requests to finish (default 10000)",
       ms_opt(&Config::shutdown_drain, "--shutdown-drain-ms")},
      {"database-wait-ms", "MS",
       "at start-up, retry an unreachable database for this long before giving up (default 0 = give up at once)",
       ms_opt(&Config::database_wait, "--database-wait-ms", 0, 3'600'000)},
      {"metrics-allow", "LIST",
       "addresses and networks allowed to read /metrics, e.g. 127.0.0.1,10.0.0.0/8 (default 127.0.0.1,::1; empty = "
       "nobody)",
       address_list_opt(&Config::metrics_allow, "--metrics-allow")},
      {"rate-http", "N", "HTTP requests per second per client address; past it 429 (default 200; 0 = no limit)",
       uint_opt(&Config::rate_http_per_second, "--rate-http", 0, 1'000'000)},
      {"rate-http-burst", "N", "burst of HTTP requests allowed per client address above the rate (default 2000)",
       uint_opt(&Config::rate_http_burst, "--rate-http-burst", 1, 10'000'000)},
      {"rate-users-per-minute", "N",
       "user creations per minute per client address; past it 429 (default 300; 0 = no limit)",
       uint_opt(&Config::rate_users_per_minute, "--rate-users-per-minute", 0, 1'000'000)},
      {"rate-lobbies-per-minute", "N",
       "lobby creations per minute per client address; past it 429 (default 60; 0 = no limit)",
       uint_opt(&Config::rate_lobbies_per_minute, "--rate-lobbies-per-minute", 0, 1'000'000)},
      {"ws-max-per-address", "N",
       "open WebSockets per client address; past it the upgrade gets 429 (default 500; 0 = no limit)",
       uint_opt(&Config::ws_max_per_address, "--ws-max-per-address", 0, 1'000'000)},
      {"ws-max-connections", "N", "open WebSockets in all; past it the upgrade gets 503 (default 20000; 0 = no limit)",
       uint_opt(&Config::ws_max_connections, "--ws-max-connections", 0, 10'000'000)},
      {"rate-limit-max-addresses", "N",
       "client addresses tracked by the limits at once; the least recently used go first (default 100000)",
       size_opt(&Config::rate_limit_max_addresses, "--rate-limit-max-addresses", 1, 100'000'000)},
      {"trusted-proxies", "LIST",
       "reverse proxies (addresses and CIDR networks) whose --client-address-header is believed (default none)",
       address_list_opt(&Config::trusted_proxies, "--trusted-proxies")},
      {"client-address-header", "NAME",
       "header holding the client address when the peer is a trusted proxy, e.g. X-Forwarded-For (default none: the "
       "TCP peer)",
       string_opt(&Config::client_address_header)},
      {"allowed-origins", "LIST",
       "origins allowed to open a lobby WebSocket, e.g. https://swirl.example.org, or * for any (default: the "
       "request's own host)",
       [](Config& c, const std::string& v) {
         auto list = split_list(v);
         for (const auto& o : list)
           if (o != "*" && !normalize_origin(o))
             throw std::invalid_argument("--allowed-origins: '" + o +
                                         "' is not an origin such as https://swirl.example.org");
         c.allowed_origins = std::move(list);
       }},
      {"public-url", "URL", "external base URL for invite links (default: from the Host header)",
       string_opt(&Config::public_url)},
      {"tls-cert", "FILE",
       "PEM certificate (chain) for native HTTPS/WSS; with --tls-key the listener speaks TLS only (default none)",
       string_opt(&Config::tls_cert)},
      {"tls-key", "FILE", "PEM private key (unencrypted) of --tls-cert (default none)", string_opt(&Config::tls_key)},
      {"lobby-idle-shutdown-ms", "MS", "an empty lobby stops after this long (default 300000)",
       ms_opt(&Config::lobby_idle_shutdown, "--lobby-idle-shutdown-ms")},
      {"max-bans-per-lobby", "N",
       "running bans a lobby may hold; a new ban past it gets 409 too_many_bans (default 1000)",
       size_opt(&Config::max_bans_per_lobby, "--max-bans-per-lobby", 1, 1'000'000)},
      {"max-blocks-per-user", "N",
       "blocks a user may hold (all lobbies); a new block past it gets error too_many_blocks (default 1000)",
       size_opt(&Config::max_blocks_per_user, "--max-blocks-per-user", 1, 1'000'000)},
      {"max-reports-per-hour", "N",
       "reports one member may make in one lobby per hour; past it error too_many_reports (default 10)",
       size_opt(&Config::max_reports_per_hour, "--max-reports-per-hour", 1, 10'000)},
      {"resume-grace-ms", "MS", "a dropped member keeps their place this long (default 20000)",
       ms_opt(&Config::resume_grace, "--resume-grace-ms")},
      {"page-close-grace-ms", "MS",
       "a member whose page closed (or reloads) keeps their place this long, then counts as left (default 3000)",
       ms_opt(&Config::page_close_grace, "--page-close-grace-ms")},
      {"ws-idle-timeout-ms", "MS",
       "a silent WebSocket is dropped after this long; pings go out at half of it (default 45000)",
       ms_opt(&Config::ws_idle_timeout, "--ws-idle-timeout-ms")},
      {"ws-hello-timeout-ms", "MS",
       "time to write a new WebSocket's handshake response, sent with its welcome (default 10000)",
       ms_opt(&Config::ws_hello_timeout, "--ws-hello-timeout-ms")},
      {"ws-max-frame", "BYTES", "largest accepted WebSocket message; larger closes with 1009 (default 16384)",
       size_opt(&Config::ws_max_frame_bytes, "--ws-max-frame", 256, 16ULL << 20)},
      {"ws-queue-messages", "N", "outgoing queue bound in messages per connection (default 256)",
       size_opt(&Config::ws_queue_max_messages, "--ws-queue-messages", 1, 1'000'000)},
      {"ws-queue-bytes", "BYTES", "outgoing queue bound in bytes per connection (default 1048576)",
       size_opt(&Config::ws_queue_max_bytes, "--ws-queue-bytes", 1024, 1ULL << 30)},
      {"ws-rate", "N", "messages (pings and pongs included) per second allowed per connection (default 50)",
       uint_opt(&Config::ws_rate_per_second, "--ws-rate", 1, 1'000'000)},
      {"ws-burst", "N", "burst of messages allowed above the rate (default 100)",
       uint_opt(&Config::ws_rate_burst, "--ws-burst", 1, 1'000'000)},
      {"ws-edge-recv", "BOOL",
       "read WebSockets with the reactor-aware receive (one recv per message) where this build has it; "
       "false = Asio's own receive (default true)",
       bool_opt(&Config::ws_edge_recv, "--ws-edge-recv")},
      {"no-media-timeout-ms", "MS",
       "a match where no member received media this long ends with no_media; 0 = never (default 20000)",
       ms_opt(&Config::no_media_timeout, "--no-media-timeout-ms", 0, 3'600'000)},
      {"hidden-unready-ms", "MS", "a ready client whose page is hidden this long sets itself not ready (default 60000)",
       ms_opt(&Config::hidden_unready, "--hidden-unready-ms", 1'000, 86'400'000)},
      {"stun-urls", "URLS", "comma-separated stun:/stuns: URLs sent to clients (default none: see docs/operations.md)",
       [](Config& c, const std::string& v) { c.ice.stun_urls = split_list(v); }},
      {"ice-servers", "URLS", "removed: use --stun-urls, and --turn-urls with --turn-secret",
       [](Config&, const std::string&) {
         throw std::invalid_argument(
             "--ice-servers was replaced by --stun-urls (STUN) and --turn-urls with "
             "--turn-secret (TURN with short-lived credentials)");
       }},
      {"ice-provider", "NAME", "where TURN credentials come from: turn-rest or cloudflare (default turn-rest)",
       [](Config& c, const std::string& v) {
         if (v == "turn-rest")
           c.ice.provider = ice::ProviderKind::turn_rest;
         else if (v == "cloudflare")
           c.ice.provider = ice::ProviderKind::cloudflare;
         else
           throw std::invalid_argument("--ice-provider: expected turn-rest or cloudflare, got '" + v + "'");
       }},
      {"turn-urls", "URLS", "comma-separated turn:/turns: URLs of a TURN REST server, e.g. coturn (default none)",
       [](Config& c, const std::string& v) { c.ice.turn_urls = split_list(v); }},
      {"turn-secret", "SECRET", "the TURN server's static-auth-secret (never logged or sent)",
       [](Config& c, const std::string& v) { c.ice.turn_secret = v; }},
      {"turn-secret-file", "FILE", "read --turn-secret from this file's first line instead",
       [](Config& c, const std::string& v) { c.ice.turn_secret = ice::read_secret_file("--turn-secret-file", v); }},
      {"turn-ttl-s", "SECONDS", "lifetime of the TURN credentials handed out; renewed at 80 % (default 3600)",
       [](Config& c, const std::string& v) {
         c.ice.turn_ttl = std::chrono::seconds(parse_unsigned("--turn-ttl-s", v, 1, ice::kMaxTurnTtlSeconds));
       }},
      {"cloudflare-key-id", "ID", "Cloudflare Realtime TURN key id (with --ice-provider=cloudflare)",
       string_opt(&Config::ice, &ice::IceConfig::cloudflare_key_id)},
      {"cloudflare-api-token", "TOKEN", "that TURN key's API token (never logged or sent)",
       string_opt(&Config::ice, &ice::IceConfig::cloudflare_api_token)},
      {"cloudflare-api-token-file", "FILE", "read --cloudflare-api-token from this file's first line instead",
       [](Config& c, const std::string& v) {
         c.ice.cloudflare_api_token = ice::read_secret_file("--cloudflare-api-token-file", v);
       }},
      {"cloudflare-api-url", "URL", "base URL of Cloudflare's API (default https://rtc.live.cloudflare.com/v1)",
       string_opt(&Config::ice, &ice::IceConfig::cloudflare_api_url)},
      {"cluster", "BOOL",
       "multi-node mode behind a load balancer: lobbies run under leases in PostgreSQL (default false)",
       bool_opt(&Config::cluster, "--cluster")},
      {"node-id", "ID",
       "this node's name in the lease table: at most 64 of A-Z a-z 0-9 . _ - (default <host name>-<pid>)",
       [](Config& c, const std::string& v) {
         if (!valid_node_id(v))
           throw std::invalid_argument("--node-id: expected at most 64 of A-Z a-z 0-9 . _ -, got '" + v + "'");
         c.node_id = v;
       }},
      {"lease-ttl-ms", "MS", "a lobby lease lasts this long unless renewed, 1000 to 600000 (default 10000)",
       ms_opt(&Config::lease_ttl, "--lease-ttl-ms", 1'000, 600'000)},
      {"lease-renew-ms", "MS",
       "leases are renewed this often; at most half of (TTL - margin) (default a third of the TTL)",
       ms_opt(&Config::lease_renew, "--lease-renew-ms", 1, 300'000)},
      {"lease-margin-ms", "MS",
       "a node stops a lobby this long before its unrenewed lease expires; at most half the TTL (default a fifth)",
       ms_opt(&Config::lease_margin, "--lease-margin-ms", 1, 300'000)},
      {"test-hooks", "BOOL", "enable fault injection (only in builds with SWIRL_TEST_HOOKS; default false)",
       bool_opt(&Config::test_hooks, "--test-hooks")},
  };
  return opts;
}

std::string env_name(const char* flag) {
  std::string name = "SWIRL_";
  for (const char* p = flag; *p; ++p) name += (*p == '-') ? '_' : static_cast<char>(std::toupper(*p));
  return name;
}

}  // namespace swirl::core::config_detail
