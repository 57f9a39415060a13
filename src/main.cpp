// swirl-server: parses the configuration, starts the App and runs until SIGINT/SIGTERM.

#include <csignal>
#include <iostream>

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "swirl/app/app.hpp"
#include "swirl/app/logging.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto parsed = swirl::core::parse_config(args, swirl::core::environment_map());
  if (!parsed.config) {
    (parsed.exit_code ? std::cerr : std::cout) << parsed.message;
    return parsed.exit_code;
  }
  swirl::setup_logging(*parsed.config);
  try {
    if (parsed.migrate_only) {
      swirl::storage::DatabaseOptions o;
      auto db = swirl::storage::open_database(parsed.config->database_url, o);
      int n = db->migrate();
      spdlog::info("{} migration(s) applied", n);
      return 0;
    }
    swirl::App app(*parsed.config);
    app.start();
    boost::asio::io_context signals_ioc;
    boost::asio::signal_set signals(signals_ioc, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code&, int sig) {
      spdlog::info("signal {}: draining (up to {} ms)", sig, parsed.config->shutdown_drain.count());
    });
    signals_ioc.run();
    bool drained = app.stop(parsed.config->shutdown_drain);
    spdlog::info("shut down{}", drained ? "" : " (drain time over; the rest was closed)");
  } catch (const std::exception& e) {
    spdlog::critical("fatal: {}", e.what());
    return 1;
  }
  return 0;
}
