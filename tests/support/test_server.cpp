#include "support/test_server.hpp"

#include <cstdlib>
#include <stdexcept>

#include <spdlog/spdlog.h>

namespace swirl::test {

core::Config test_config(const std::string& database_url) {
  core::Config c;
  c.listen_address = "127.0.0.1";
  c.port = 0;
  c.database_url = database_url;
  c.io_threads = 2;
  c.db_threads = 2;
  c.log_level = "warn";
  c.web_root = std::string(SWIRL_SOURCE_DIR) + "/web/dist";
  c.db_unavailable_backoff = std::chrono::milliseconds(200);
#ifdef SWIRL_TEST_HOOKS
  c.test_hooks = true;
#endif
  // The receive path, as the server would read it from its environment: the ws_plain_receive
  // ctest runs the WebSocket tests again with SWIRL_WS_EDGE_RECV=false.
  if (const char* edge = std::getenv("SWIRL_WS_EDGE_RECV")) {
    auto parsed = core::parse_config({}, {{"SWIRL_WS_EDGE_RECV", edge}});
    if (!parsed.config) throw std::invalid_argument("test_config: " + parsed.message);
    c.ws_edge_recv = parsed.config->ws_edge_recv;
  }
  return c;
}

TestServer::TestServer(Backend backend, const std::function<void(core::Config&)>& tweak)
    : TestServer(fresh_database_url(backend), tweak) {}

TestServer::TestServer(const std::string& database_url, const std::function<void(core::Config&)>& tweak)
    : database_url_(database_url) {
  static bool logging = [] {
    spdlog::set_level(spdlog::level::warn);
    return true;
  }();
  (void)logging;
  core::Config c = test_config(database_url);
  if (tweak) tweak(c);
  app_ = std::make_unique<App>(c);
  app_->start();
}

TestServer::~TestServer() { app_->stop(); }

}  // namespace swirl::test
