#pragma once
// The whole server in one object: io threads, the blocking pool, the database, the router and
// the listener. main() builds one from the Config; tests build one per test on port 0.

#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "swirl/api/lobbies_api.hpp"
#include "swirl/api/ops_api.hpp"
#include "swirl/api/services.hpp"
#include "swirl/api/user_sessions.hpp"
#include "swirl/app/housekeeping.hpp"
#include "swirl/core/blocking_pool.hpp"
#include "swirl/core/config.hpp"
#include "swirl/http/http_server.hpp"
#include "swirl/http/router.hpp"
#include "swirl/http/static_files.hpp"
#include "swirl/ice/ice_provider.hpp"
#include "swirl/lobby/blocked_users.hpp"
#include "swirl/storage/database.hpp"

namespace swirl {

class App {
 public:
  explicit App(core::Config config);
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // Opens and migrates the database, binds the port and starts the io threads.
  void start();
  // Stops accepting, stops the io threads and the pool. Safe to call twice. With a drain
  // time (a graceful shutdown): /readyz fails from the start, WebSocket members are closed with
  // 1001, and open WebSockets and in-flight HTTP requests get up to `drain` to finish; then
  // the match history still queued is written. Returns true when everything finished in time.
  bool stop(std::chrono::milliseconds drain = std::chrono::milliseconds(0));
  bool draining() const { return draining_.load(); }

  unsigned short port() const { return port_; }
  const core::Config& config() const { return config_; }
  boost::asio::io_context& io_context() { return ioc_; }
  storage::Database& database() { return *db_; }
  auth::TokenCache& token_cache() { return *token_cache_; }
  lobby::ApplicationSupervisor& supervisor() { return *supervisor_; }
  ws::WsCounters& ws_counters() { return ws_counters_; }
  Housekeeper& housekeeper() { return *housekeeper_; }
  http::AbuseGuard& abuse() { return *abuse_; }

 private:
  void build_routes();
  std::shared_ptr<ice::IceProvider> make_ice_provider();
  std::shared_ptr<lobby::BlockedUsers> load_blocked_users();
  void preload_tokens();  // a single node fills the token cache at start (auth/token_cache.hpp)

  core::Config config_;
  std::unique_ptr<storage::Database> db_;
  // Before the io_context: sessions destroyed with its abandoned handlers still count down.
  ws::WsCounters ws_counters_;
  boost::asio::io_context ioc_;
  std::unique_ptr<core::BlockingPool> pool_;
  std::unique_ptr<auth::TokenCache> token_cache_;
  std::unique_ptr<http::AbuseGuard> abuse_;
  std::shared_ptr<api::UserSessions> user_sessions_;
  std::shared_ptr<Housekeeper> housekeeper_;
  std::unique_ptr<api::Services> services_;
  std::shared_ptr<lobby::ApplicationSupervisor> supervisor_;
  std::unique_ptr<api::LobbyServices> lobby_services_;
  std::atomic<bool> draining_{false};
  std::unique_ptr<api::OpsServices> ops_services_;
  http::Router router_;
  std::unique_ptr<http::StaticFiles> web_files_;
  std::unique_ptr<http::StaticFiles> model_files_;
  std::unique_ptr<http::HttpServer> server_;
  std::vector<std::thread> threads_;
  unsigned short port_ = 0;
  bool stopped_ = false;
};

}  // namespace swirl
