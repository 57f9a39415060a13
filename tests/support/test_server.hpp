#pragma once
// A real server for one test: the App on 127.0.0.1, port 0, with its own fresh database and
// io threads; stopped and joined when the object goes away.

#include <functional>
#include <memory>
#include <string>

#include "support/databases.hpp"
#include "support/http_client.hpp"
#include "swirl/app/app.hpp"

namespace swirl::test {

core::Config test_config(const std::string& database_url);

class TestServer {
 public:
  explicit TestServer(Backend backend, const std::function<void(core::Config&)>& tweak = {});
  // Same database, e.g. to restart a server on the database of a previous one.
  TestServer(const std::string& database_url, const std::function<void(core::Config&)>& tweak = {});
  ~TestServer();

  unsigned short port() const { return app_->port(); }
  const std::string& database_url() const { return database_url_; }
  App& app() { return *app_; }
  HttpClient client() const { return HttpClient(port()); }
  void stop() { app_->stop(); }

 private:
  std::string database_url_;
  std::unique_ptr<App> app_;
};

}  // namespace swirl::test
