#include "swirl/app/app.hpp"

#include <algorithm>
#include <cstdlib>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "swirl/api/owner_api.hpp"
#include "swirl/api/user_sessions.hpp"
#include "swirl/api/users_api.hpp"
#include "swirl/cluster/lease_keeper.hpp"
#include "swirl/net/tls_context.hpp"
#include "swirl/ws/edge_recv.hpp"

namespace swirl {
namespace asio = boost::asio;

namespace {

const char* kPlaceholderHtml = R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Swirl</title></head>
<body><main><h1>Swirl</h1><p>The server is running, but the web client has not been built into the web root.
Run <code>scripts/setup.sh</code> (or <code>npm run build</code> in <code>web/</code>).</p></main></body></html>
)";

// --io-threads 0 (the default): half the cores, at least one; one on a 2-core machine. There
// it measured best (docs/benchmarks.md, "Thread defaults"): the other core is left to the
// blocking pool and the kernel's share of the network work, and handlers never cross between
// two io threads (each crossing a futex wake-up).
unsigned io_thread_count(const core::Config& config) {
  if (config.io_threads > 0) return config.io_threads;
  return std::max(1u, std::thread::hardware_concurrency() / 2);
}

}  // namespace

// With one io thread, tell Asio so: its scheduler then keeps handlers posted from that thread
// in a thread-private queue (still safe for posts from the database threads).
App::App(core::Config config)
    : config_(std::move(config)), ioc_(io_thread_count(config_) == 1 ? 1 : BOOST_ASIO_CONCURRENCY_HINT_DEFAULT) {}

App::~App() { stop(); }

void App::start() {
  core::resolve_cluster(config_);  // refuses --cluster on SQLite, before anything opens
  storage::DatabaseOptions dbo;
  dbo.pool_size = config_.db_threads;
  dbo.unavailable_backoff_ms = config_.db_unavailable_backoff.count();
  db_ = storage::open_database(config_.database_url, dbo);
  // A container may start before its database accepts connections: retry for database_wait.
  const auto wait_until = std::chrono::steady_clock::now() + config_.database_wait;
  int applied = 0;
  for (;;) {
    try {
      applied = db_->migrate();
      break;
    } catch (const storage::DatabaseUnavailable& e) {
      if (std::chrono::steady_clock::now() >= wait_until) throw;
      spdlog::warn("database not reachable yet ({}); retrying", e.what());
      std::this_thread::sleep_for(std::max(config_.db_unavailable_backoff, std::chrono::milliseconds(500)));
    }
  }
  spdlog::info("database {} ready ({} migration(s) applied now)", db_->backend(), applied);

  pool_ = std::make_unique<core::BlockingPool>(config_.db_threads, config_.db_max_pending);
  token_cache_ = std::make_unique<auth::TokenCache>(config_.token_cache_ttl, config_.token_cache_size);
  preload_tokens();
  abuse_ = std::make_unique<http::AbuseGuard>(config_);
  supervisor_ = std::make_shared<lobby::ApplicationSupervisor>(ioc_.get_executor(), config_, *pool_, *db_);
  user_sessions_ = std::make_shared<api::UserSessions>();
  services_ = std::make_unique<api::Services>(
      api::Services{config_, *pool_, *db_, *token_cache_, *abuse_, *user_sessions_, supervisor_->history()});
  supervisor_->set_ice_provider(make_ice_provider());
  supervisor_->set_blocked_users(load_blocked_users());
  if (config_.cluster) {
    cluster::LeaseSettings lease{config_.node_id.empty() ? cluster::default_node_id() : config_.node_id,
                                 config_.database_url, config_.lease_ttl, config_.lease_renew, config_.lease_margin};
    spdlog::info("multi-node mode: node {} (lease ttl {} ms, renewed every {} ms, given up {} ms early)", lease.node_id,
                 lease.ttl.count(), lease.renew_interval.count(), lease.margin.count());
    supervisor_->set_lease_keeper(std::make_shared<cluster::LeaseKeeper>(ioc_.get_executor(), std::move(lease)));
  }
  housekeeper_ = std::make_shared<Housekeeper>(ioc_, *pool_, *token_cache_, config_.memory_trim_delay);
  supervisor_->on_lobby_removed([h = housekeeper_] { h->poke(); });
  lobby_services_ = std::make_unique<api::LobbyServices>(api::LobbyServices{*services_, supervisor_, ws_counters_});
  build_routes();

  http::HttpLimits limits;
  limits.max_body_bytes = config_.http_max_body_bytes;
  limits.header_timeout = config_.http_header_timeout;
  limits.idle_timeout = config_.http_idle_timeout;
  limits.session_strands = io_thread_count(config_) > 1;
  server_ = std::make_unique<http::HttpServer>(ioc_, router_, limits);
  // A client that accepts no byte of ours for as long as a silent WebSocket may live is gone.
  if (!config_.tls_cert.empty())
    server_->enable_tls(net::make_server_tls_context(config_.tls_cert, config_.tls_key), config_.ws_idle_timeout);
  server_->set_request_gate([this](const http::Request& req, const std::string& peer, std::string& client) {
    return abuse_->admit_request(req, peer, client);
  });
  server_->set_upgrade_handler(
      [this](http::Stream stream, http::Request req, boost::beast::flat_buffer buffer, std::string client) {
        std::string leftover = boost::beast::buffers_to_string(buffer.data());
        return api::handle_ws_upgrade(*lobby_services_, std::move(stream), std::move(req), std::move(leftover),
                                      std::move(client));
      });
  port_ = server_->listen(config_.listen_address, config_.port);
  if (config_.public_url.empty()) {
    // Invite links then take their host from the request's Host header (validated as
    // host[:port], but still the client's word): fine on loopback, not for a public server.
    boost::system::error_code ec;
    auto address = asio::ip::make_address(config_.listen_address, ec);
    if (ec || !address.is_loopback())
      spdlog::warn(
          "--public-url is not set and the server listens on {}: invite links will be built from each "
          "request's Host header; set --public-url (SWIRL_PUBLIC_URL) to the address users reach",
          config_.listen_address);
  }

  unsigned n = io_thread_count(config_);
  for (unsigned i = 0; i < n; ++i) threads_.emplace_back([this] { ioc_.run(); });
  spdlog::info("swirl-server listening on {}://{}:{} ({} io threads, {} db threads, {} WebSocket receive)",
               config_.tls_cert.empty() ? "http" : "https", config_.listen_address, port_, n, config_.db_threads,
               config_.ws_edge_recv && ws::kEdgeRecvCompiled ? "edge" : "plain Asio");
}

// On a single node every change to a user goes through this server, so the cache can start with
// the users seen most recently: after a restart (a deploy during an event), their reconnects need
// no database read each. Not with --cluster, where entries live 5 s: they would be gone before
// they were used.
void App::preload_tokens() {
  if (config_.cluster || !token_cache_->enabled()) return;
  auto started = std::chrono::steady_clock::now();
  std::size_t held = token_cache_->preload(db_->recent_users(config_.token_cache_size));
  spdlog::info(
      "token cache: {} most recently seen user(s) loaded in {} ms", held,
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count());
}

// On a single node every block is stored through this server: the lobbies can tell, without a
// database read, that a member has none (lobby/blocked_users.hpp).
std::shared_ptr<lobby::BlockedUsers> App::load_blocked_users() {
  auto users = std::make_shared<lobby::BlockedUsers>(!config_.cluster);
  if (!config_.cluster) users->load(db_->users_with_blocks());
  return users;
}

std::shared_ptr<ice::IceProvider> App::make_ice_provider() {
  ice::validate(config_.ice, config_.ws_idle_timeout / 4);  // also for configs not built by parse_config
  spdlog::info("{}", ice::describe(config_.ice));
  for (const auto& warning : ice::startup_warnings(config_.ice)) spdlog::warn("ice: {}", warning);
  // Blocking work (Cloudflare's API) goes to the pool; a refusal comes back on an io thread.
  auto provider = ice::make_provider(config_.ice, [this](std::function<void()> job, std::function<void()> rejected) {
    pool_->run(std::move(job),
               asio::bind_executor(ioc_.get_executor(), [rejected = std::move(rejected)](std::exception_ptr ep, bool) {
                 if (ep) rejected();
               }));
  });
  provider->start();
  return provider;
}

bool App::stop(std::chrono::milliseconds drain) {
  if (stopped_) return true;
  stopped_ = true;
  draining_ = true;
  if (server_) server_->stop();
  bool drained = true;
  if (supervisor_ && drain.count() > 0 && !threads_.empty()) {
    supervisor_->shutdown();
    auto deadline = std::chrono::steady_clock::now() + drain;
    auto wait_while = [deadline](auto&& condition) {
      while (condition() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    };
    // Multi-node: once the members have their 1001, other nodes may take the lobbies at once.
    if (auto* lease = supervisor_->lease_keeper()) {
      wait_while([this] { return ws_counters_.open.load() > 0; });
      // The match history first: the node that takes a lobby over loads it (no repeats).
      supervisor_->history().drain_now();
      lease->release_all_now();
    }
    // In this order: a TLS request's response is written to its pump before it stops counting.
    auto busy = [this] { return ws_counters_.open.load() > 0 || server_->in_flight() > 0 || server_->tls_backlog(); };
    wait_while(busy);
    drained = !busy();
    if (!drained)
      spdlog::warn("shutdown: drain time of {} ms over with {} WebSocket(s) and {} request(s) still open",
                   drain.count(), ws_counters_.open.load(), server_->in_flight());
  }
  ioc_.stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
  if (supervisor_) supervisor_->stop_all_now();
  if (auto* lease = supervisor_ ? supervisor_->lease_keeper() : nullptr) {
    lease->release_all_now();  // when there was no drain; else a no-op
    lease->stop();
  }
  // The pool goes before the io_context: work it abandons holds handlers bound to it.
  if (pool_) pool_->stop();
  // Match history still queued (a flush the pool abandoned, or one not due yet) is written
  // now, on this thread: nothing else runs any more.
  if (supervisor_) supervisor_->history().drain_now();
  pool_.reset();
  return drained;
}

void App::build_routes() {
  api::register_user_routes(router_, *services_);
  api::register_lobby_routes(router_, *lobby_services_);
  api::register_owner_routes(router_, *lobby_services_);

  ops_services_ = std::make_unique<api::OpsServices>(
      api::OpsServices{*lobby_services_, draining_, [this] { return server_ ? server_->in_flight() : 0; },
                       core::AddressAllowlist::parse(config_.metrics_allow)});
  api::register_ops_routes(router_, *ops_services_);

  router_.add(
      http::bhttp::verb::get, "/api/health", [this](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
        auto& db = *db_;
        bool db_ok = true;
        std::string detail;
        try {
          co_await pool_->run([&db] { db.applied_migrations(); });
        } catch (const std::exception& e) {
          db_ok = false;
          detail = e.what();
        }
        http::Json body = {
            {"status", db_ok ? "ok" : "degraded"}, {"database", db_ok ? "ok" : detail}, {"version", SWIRL_VERSION}};
        co_return http::json_response(ctx.request, db_ok ? http::Status::ok : http::Status::service_unavailable, body);
      });

#ifdef SWIRL_TEST_HOOKS
  if (config_.test_hooks) {
    // A request that takes ?ms=N (at most 10000) to answer, with a 256 KiB body: the drain tests
    // start one before SIGTERM and check that it still gets its whole answer.
    router_.add(
        http::bhttp::verb::get, "/api/test/slow", [](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
          auto target = std::string_view(ctx.request.target());
          auto at = target.find("ms=");
          long ms =
              at == std::string_view::npos ? 0 : std::strtol(std::string(target.substr(at + 3)).c_str(), nullptr, 10);
          ms = std::clamp(ms, 0L, 10'000L);
          asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::milliseconds(ms));
          co_await timer.async_wait(asio::use_awaitable);
          co_return http::json_response(ctx.request, http::Status::ok,
                                        http::Json{{"slept_ms", ms}, {"padding", std::string(256 * 1024, 'x')}});
        });
    // Multi-node: this node's lobby start/stop timeline, for the lease overlap tests.
    if (auto* lease = supervisor_->lease_keeper())
      router_.add(http::bhttp::verb::get, "/api/test/leases",
                  [lease](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
                    co_return http::json_response(
                        ctx.request, http::Status::ok,
                        http::Json{{"node", lease->node_id()}, {"timeline", lease->timeline()}});
                  });
  }
#endif

  web_files_ = std::make_unique<http::StaticFiles>(config_.web_root, *pool_, true, kPlaceholderHtml);
  // Without --model-dir, /models/ is the web root's models/ folder (the vendored weights).
  if (!config_.model_dir.empty()) model_files_ = std::make_unique<http::StaticFiles>(config_.model_dir, *pool_, false);
  router_.set_fallback([this](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
    std::vector<std::string> segments;
    http::split_path(ctx.request.target(), segments);
    if (model_files_ && !segments.empty() && segments.front() == "models") {
      segments.erase(segments.begin());
      co_return co_await model_files_->serve(ctx.request, std::move(segments));
    }
    co_return co_await web_files_->serve(ctx.request, std::move(segments));
  });
}

}  // namespace swirl
