#pragma once
// PostgreSQL backend through libpqxx 6.4. A small pool of connections, opened lazily. When the
// server cannot be reached, calls fail fast with DatabaseUnavailable for a back-off period
// instead of each waiting for a connect timeout; the first call after it tries again, so the
// service recovers by itself when the database returns.
// Private to src/storage: the class and its connection helpers, shared by postgres_database.cpp
// (pool, migrations, opening), postgres_users.cpp (users and tokens), postgres_lobbies.cpp (lobbies,
// owners, members and bans), postgres_history.cpp (match history) and postgres_safety.cpp
// (blocks and reports).

#include <pqxx/pqxx>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <type_traits>
#include <vector>

#include <spdlog/spdlog.h>

#include "backends.hpp"
#include "swirl/core/clock.hpp"
#include "swirl/core/metrics.hpp"
#include "swirl/storage/migrations.hpp"

#include <nlohmann/json.hpp>

namespace swirl::storage::postgres {

constexpr int kConnectTimeoutSeconds = 3;                     // libpq connect_timeout
constexpr int kStatementTimeoutMs = 5000;                     // server-side statement_timeout
constexpr std::int64_t kMigrationLockKey = 0x5357'4952'4c00;  // "SWIRL" advisory lock key
constexpr auto kAcquireTimeout = std::chrono::seconds(10);

inline std::string with_defaults(const std::string& url) {
  std::string out = url;
  auto add = [&](const std::string& kv) {
    if (out.find(kv.substr(0, kv.find('=') + 1)) != std::string::npos) return;
    out += (out.find('?') == std::string::npos ? "?" : "&") + kv;
  };
  add("connect_timeout=" + std::to_string(kConnectTimeoutSeconds));
  add("application_name=swirl");
  add("keepalives=1");
  add("keepalives_idle=30");
  return out;
}

inline User read_user(const pqxx::row& r) {
  return User{r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::int64_t>(), r[3].as<std::int64_t>()};
}

inline storage::LobbyRecord read_lobby(const pqxx::row& r) {
  storage::LobbyRecord l;
  l.id = r[0].as<std::string>();
  l.name = r[1].as<std::string>();
  l.owner_id = r[2].as<std::string>();
  auto parsed =
      storage::apply_settings(storage::LobbySettings{}, nlohmann::json::parse(r[3].as<std::string>(), nullptr, false));
  if (auto* ok = std::get_if<storage::LobbySettings>(&parsed)) l.settings = *ok;
  l.status = storage::lobby_status_from(r[4].as<std::string>()).value_or(storage::LobbyStatus::open);
  l.created_at_ms = r[5].as<std::int64_t>();
  return l;
}

class PostgresDatabase final : public Database {
 public:
  PostgresDatabase(const std::string& url, const DatabaseOptions& options)
      : url_(with_defaults(url)),
        max_connections_(std::max(1u, options.pool_size)),
        backoff_(std::chrono::milliseconds(options.unavailable_backoff_ms)) {}

  std::string backend() const override { return "postgres"; }

  int migrate() override;
  std::vector<int> applied_migrations() override;
  void create_user(const User& u, const std::string& token_hash) override;
  std::optional<User> find_user_by_token_hash(const std::string& token_hash) override;
  std::vector<std::pair<std::string, User>> recent_users(std::size_t limit) override;
  std::optional<User> find_user(const std::string& id) override;
  std::optional<User> rename_user(const std::string& id, const std::string& name) override;
  void touch_user(const std::string& id, std::int64_t now) override;
  bool replace_token_hash(const std::string& id, const std::string& token_hash) override;
  DeleteUser delete_user(const std::string& id, const std::string& anon, std::int64_t now) override;
  void create_lobby(const storage::LobbyRecord& l) override;
  std::optional<storage::LobbyRecord> find_lobby(const std::string& id) override;
  std::vector<storage::PairRecord> load_pairs(const std::string& lobby_id) override;
  void write_history(const std::vector<HistoryEvent>& events) override;
  void update_lobby_settings(const std::string& id, const storage::LobbySettings& settings) override;
  void set_lobby_status(const std::string& id, storage::LobbyStatus status, std::int64_t at) override;
  void set_lobby_owner(const std::string& id, const std::string& owner) override;
  bool ban(const std::string& lobby_id, const std::string& user_id, std::int64_t until, std::int64_t now,
           std::size_t max_bans) override;
  bool was_member(const std::string& lobby_id, const std::string& user_id) override;
  std::optional<std::int64_t> banned_until(const std::string& lobby_id, const std::string& user_id) override;
  std::vector<std::pair<std::string, std::int64_t>> load_bans(const std::string& lobby_id, std::int64_t now) override;
  std::vector<BanView> list_bans(const std::string& lobby_id, std::int64_t now) override;
  bool unban(const std::string& lobby_id, const std::string& user_id, std::int64_t now) override;
  std::int64_t count_matches(const std::string& lobby_id) override;
  BlockStored block_user(const std::string& blocker, const std::string& blocked, std::int64_t now,
                         std::size_t max_blocks) override;
  std::vector<std::string> load_blocks(const std::string& user_id) override;
  std::vector<std::string> users_with_blocks() override;
  bool add_report(const ReportRecord& r, std::size_t max_per_hour) override;
  std::vector<ReportView> load_reports(const std::string& lobby_id, std::size_t limit) override;
  bool delete_report(const std::string& lobby_id, const std::string& report_id) override;

 private:
  using Clock = std::chrono::steady_clock;

  // Runs fn(work) in one read-write transaction on a pooled connection: committed when fn
  // returns, rolled back (pqxx::work's destructor) when it throws, and the exception goes on
  // through with_connection's mapping. A body that decides to write nothing just returns: its
  // empty transaction commits.
  template <class F>
  auto with_transaction(F&& fn) -> std::invoke_result_t<F&, pqxx::work&> {
    using Result = std::invoke_result_t<F&, pqxx::work&>;
    if constexpr (std::is_void_v<Result>) {
      with_connection([&](pqxx::connection& c) {
        pqxx::work w(c);
        fn(w);
        w.commit();
        return 0;
      });
    } else {
      return with_connection([&](pqxx::connection& c) -> Result {
        pqxx::work w(c);
        auto result = fn(w);
        w.commit();
        return result;
      });
    }
  }

  // Runs fn(transaction) in a read-only transaction on a pooled connection.
  template <class F>
  auto with_read_transaction(F&& fn) -> std::invoke_result_t<F&, pqxx::read_transaction&> {
    return with_connection([&](pqxx::connection& c) -> std::invoke_result_t<F&, pqxx::read_transaction&> {
      pqxx::read_transaction r(c);
      return fn(r);
    });
  }

  // One statement in its own transaction.
  template <class... Args>
  void exec_write(const char* sql, const Args&... args) {
    with_transaction([&](pqxx::work& w) { w.exec_params(sql, args...); });
  }

  // Runs fn with a pooled connection. A connection that broke is discarded and the call is
  // tried once more on a fresh one (a stale connection after a database restart should not
  // cost the user an error); if connecting fails, the database counts as down.
  template <class F>
  auto with_connection(F&& fn) -> decltype(fn(std::declval<pqxx::connection&>())) {
    core::ScopedTimer timer(core::metrics().db_call);
    for (int attempt = 0;; ++attempt) {
      std::unique_ptr<pqxx::connection> c = acquire();
      try {
        auto result = fn(*c);
        release(std::move(c));
        return result;
      } catch (const pqxx::in_doubt_error&) {
        drop();
        throw DatabaseUnavailable("lost the database connection while committing; the outcome is unknown");
      } catch (const pqxx::broken_connection&) {
        drop();
        if (attempt == 0) continue;
        throw DatabaseUnavailable("lost the connection to the database");
      } catch (const pqxx::unique_violation& e) {
        release(std::move(c));
        throw Conflict(e.what());
      } catch (const pqxx::sql_error& e) {
        // A statement that failed leaves the connection usable (the transaction rolled back),
        // unless the server went away underneath, which libpq reports as a closed connection.
        if (c->is_open())
          release(std::move(c));
        else {
          drop();
          throw DatabaseUnavailable("lost the connection to the database");
        }
        throw;
      } catch (...) {
        if (c->is_open())
          release(std::move(c));
        else
          drop();
        throw;
      }
    }
  }

  std::unique_ptr<pqxx::connection> acquire() {
    std::unique_lock lock(mu_);
    if (Clock::now() < down_until_) throw DatabaseUnavailable(down_message_);
    if (!cv_.wait_for(lock, kAcquireTimeout, [&] { return !free_.empty() || open_ < max_connections_; }))
      throw DatabaseUnavailable("no database connection became free in time");
    if (!free_.empty()) {
      auto c = std::move(free_.back());
      free_.pop_back();
      return c;
    }
    ++open_;
    lock.unlock();
    try {
      auto c = std::make_unique<pqxx::connection>(url_);
      c->set_variable("statement_timeout", std::to_string(kStatementTimeoutMs));
      return c;
    } catch (const std::exception& e) {
      std::string reason = e.what();
      while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) reason.pop_back();
      lock.lock();
      --open_;
      down_until_ = Clock::now() + backoff_;
      down_message_ = "the database is unavailable: " + reason;
      lock.unlock();
      cv_.notify_one();
      spdlog::warn("postgres connect failed: {}", reason);
      throw DatabaseUnavailable(down_message_);
    }
  }

  void release(std::unique_ptr<pqxx::connection> c) {
    {
      std::lock_guard lock(mu_);
      free_.push_back(std::move(c));
    }
    cv_.notify_one();
  }

  void drop() {
    {
      std::lock_guard lock(mu_);
      --open_;
    }
    cv_.notify_one();
  }

  std::string url_;
  unsigned max_connections_;
  Clock::duration backoff_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<pqxx::connection>> free_;
  unsigned open_ = 0;
  Clock::time_point down_until_{};
  std::string down_message_;
};

}  // namespace swirl::storage::postgres
