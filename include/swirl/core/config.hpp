#pragma once
// The server's configuration: one struct, filled from SWIRL_* environment variables and then
// command-line flags (flags win). Every field is listed by --help and in README.md.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "swirl/ice/ice_config.hpp"

namespace swirl::core {

struct Config {
  std::string listen_address = "127.0.0.1";
  std::uint16_t port = 8080;
  std::string database_url = "sqlite:var/swirl.db";
  std::string web_root = "web/dist";
  // Served at /models/ instead of the web root's models/ folder (where the build puts the
  // vendored BodyPix model); empty = the web root's. Benchmarks point it at other weights.
  std::string model_dir;
  std::string log_level = "info";     // trace, debug, info, warn, error, off
  std::string log_format = "text";    // text or json
  unsigned io_threads = 0;            // 0 = one per core
  unsigned db_threads = 4;            // dedicated pool for blocking database and file work
  std::size_t db_max_pending = 4096;  // calls queued for the pool before new ones get 503

  // HTTP limits and timeouts.
  std::size_t http_max_body_bytes = 64 * 1024;
  std::chrono::milliseconds http_header_timeout{10'000};    // whole request must arrive within it
  std::chrono::milliseconds http_idle_timeout{60'000};      // keep-alive wait for the next request
  std::chrono::milliseconds db_unavailable_backoff{1'000};  // fail fast this long after a failed connect

  // Token -> user cache in front of the users table (auth/token_cache.hpp). 0 disables either.
  // A negative TTL (the default) is resolved by resolve_cluster: an hour on a single node, where
  // every change to a user goes through this server; 5 s with --cluster, where another node may
  // revoke a token.
  std::chrono::milliseconds token_cache_ttl{-1};
  std::size_t token_cache_size = 32'768;  // ~370 B each (12 MB when full)
  // Match history written behind the matches (storage/history_writer.hpp).
  std::chrono::milliseconds history_flush_interval{1000};
  std::size_t history_max_queued = 10'000;
  // After a lobby shuts down, free heap pages go back to the OS this much later (one pass for
  // all lobbies that stop meanwhile; app/housekeeping.hpp). 0 = never.
  std::chrono::milliseconds memory_trim_delay{1'000};

  // Operations (issue 16). On SIGTERM/SIGINT the server stops accepting, fails /readyz, closes
  // WebSockets with 1001 and waits at most this long for them and for in-flight HTTP requests.
  std::chrono::milliseconds shutdown_drain{10'000};
  // At start-up, keep trying to reach the database this long (a container started next to its
  // PostgreSQL); 0 = fail at once.
  std::chrono::milliseconds database_wait{0};
  // Who may read /metrics: addresses and CIDR networks (core/address_allowlist.hpp).
  std::vector<std::string> metrics_allow{"127.0.0.1", "::1"};

  // Abuse limits (issue 17; http/abuse_guard.hpp, docs/security.md). Per client address; 0
  // disables a limit. The defaults let a lobby of 200 people behind one NAT (an office) in.
  unsigned rate_http_per_second = 200;  // HTTP requests (static files and upgrades included)
  unsigned rate_http_burst = 2'000;
  unsigned rate_users_per_minute = 300;            // POST /api/users (also the burst)
  unsigned rate_lobbies_per_minute = 60;           // POST /api/lobbies (also the burst)
  unsigned ws_max_per_address = 500;               // open WebSockets per address
  unsigned ws_max_connections = 20'000;            // open WebSockets in all
  std::size_t rate_limit_max_addresses = 100'000;  // addresses tracked at once (~250 B each)
  // Behind a reverse proxy: the client address comes from this header, and only when the TCP
  // peer is one of the trusted proxies (http/client_address.hpp).
  std::vector<std::string> trusted_proxies;
  std::string client_address_header;
  // Origins allowed to open a lobby WebSocket; empty = the request's own host (http/origin_policy.hpp).
  std::vector<std::string> allowed_origins;

  std::string public_url;  // e.g. https://swirl.example.org; empty = derived from the Host header
  // Native TLS (net/tls_context.hpp): both set = the listener speaks HTTPS/WSS only; both empty
  // = plain HTTP (behind a TLS-terminating proxy, or on localhost).
  std::string tls_cert;
  std::string tls_key;
  bool test_hooks = false;  // fault injection; refused unless compiled with SWIRL_TEST_HOOKS

  // Lobby runtime (issue 3).
  std::chrono::milliseconds lobby_idle_shutdown{300'000};
  std::chrono::milliseconds resume_grace{20'000};
  // A member whose page said it is going away (`leave` with page_closing) keeps their place this
  // long instead, enough for a reload to resume the call; then they are gone (peer_left).
  std::chrono::milliseconds page_close_grace{3'000};
  std::size_t max_bans_per_lobby = 1'000;             // running bans per lobby; past it a new ban gets 409
  std::size_t max_blocks_per_user = 1'000;            // blocks a user may hold; past it `block` gets too_many_blocks
  std::size_t max_reports_per_hour = 10;              // reports per reporter per lobby per hour; then too_many_reports
  std::chrono::milliseconds ws_idle_timeout{45'000};  // pings go out at half of it
  std::chrono::milliseconds ws_hello_timeout{10'000};
  std::size_t ws_max_frame_bytes = 16 * 1024;
  std::size_t ws_queue_max_messages = 256;
  std::size_t ws_queue_max_bytes = 1024 * 1024;
  unsigned ws_rate_per_second = 50;
  unsigned ws_rate_burst = 100;
  // Receive through the reactor-aware operation (ws/edge_recv.hpp: one recv per message instead
  // of two) where the build has it; false = Asio's own receive.
  bool ws_edge_recv = true;
  // Peer media (issue 13): a match in which no member reported media_flowing this long after it
  // began ends with no_media (0 = never); a ready client whose page is hidden this long sets
  // itself not ready (sent in welcome.limits; the client applies it).
  std::chrono::milliseconds no_media_timeout{20'000};
  std::chrono::milliseconds hidden_unready{60'000};
  ice::IceConfig ice;  // STUN/TURN servers handed to clients (ice/ice_config.hpp)

  // Multi-node mode (issue 18, docs/scaling.md; PostgreSQL only): each lobby runs under a lease
  // in the database, renewed every lease_renew and given up by a node that could not renew it
  // for lease_ttl - lease_margin. 0 for renew/margin = a third/a fifth of the TTL.
  bool cluster = false;
  std::string node_id;  // empty = <host name>-<pid>
  std::chrono::milliseconds lease_ttl{10'000};
  std::chrono::milliseconds lease_renew{0};
  std::chrono::milliseconds lease_margin{0};
};

// The token cache's TTL by mode (Config::token_cache_ttl).
inline constexpr std::chrono::milliseconds kSingleNodeTokenCacheTtl{3'600'000};
inline constexpr std::chrono::milliseconds kClusterTokenCacheTtl{5'000};

// Fills the defaults that depend on the mode (the lease timing, the token cache's TTL) and checks
// the multi-node settings (throws std::invalid_argument): parse_config calls it, and App::start
// for configs built in code.
void resolve_cluster(Config& config);

// What parsing the command line produced: either a config to run with, or text to print and
// an exit code (for --help, --version and errors).
struct ConfigResult {
  std::optional<Config> config;
  std::string message;
  int exit_code = 0;
  bool migrate_only = false;
};

// Parses environment (a name -> value map, usually from environ) and then argv.
ConfigResult parse_config(const std::vector<std::string>& args, const std::map<std::string, std::string>& env);

std::map<std::string, std::string> environment_map();

std::string config_help();

}  // namespace swirl::core
