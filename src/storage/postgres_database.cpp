// PostgreSQL backend through libpqxx 6.4. A small pool of connections, opened lazily. When the
// server cannot be reached, calls fail fast with DatabaseUnavailable for a back-off period
// instead of each waiting for a connect timeout; the first call after it tries again, so the
// service recovers by itself when the database returns.

#include <pqxx/pqxx>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

#include <spdlog/spdlog.h>

#include "backends.hpp"
#include "swirl/core/clock.hpp"
#include "swirl/core/metrics.hpp"
#include "swirl/storage/migrations.hpp"

#include <nlohmann/json.hpp>

namespace swirl::storage {
namespace {

constexpr int kConnectTimeoutSeconds = 3;                     // libpq connect_timeout
constexpr int kStatementTimeoutMs = 5000;                     // server-side statement_timeout
constexpr std::int64_t kMigrationLockKey = 0x5357'4952'4c00;  // "SWIRL" advisory lock key
constexpr auto kAcquireTimeout = std::chrono::seconds(10);

std::string with_defaults(const std::string& url) {
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

User read_user(const pqxx::row& r) {
  return User{r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::int64_t>(), r[3].as<std::int64_t>()};
}

storage::LobbyRecord read_lobby(const pqxx::row& r) {
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

  int migrate() override {
    return with_connection([&](pqxx::connection& c) {
      pqxx::work w(c);
      // Serializes concurrent migrators (several servers starting at once) for this database.
      w.exec_params("SELECT pg_advisory_xact_lock($1)", kMigrationLockKey);
      w.exec(
          "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at "
          "BIGINT NOT NULL)");
      std::vector<int> applied;
      for (const auto& r : w.exec("SELECT version FROM schema_migrations")) applied.push_back(r[0].as<int>());
      int count = 0;
      for (const auto& m : migrations_for("postgres")) {
        if (std::find(applied.begin(), applied.end(), m.version) != applied.end()) continue;
        w.exec(m.sql);
        w.exec_params("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", m.version,
                      m.name, core::now_ms());
        ++count;
      }
      w.commit();
      return count;
    });
  }

  std::vector<int> applied_migrations() override {
    return with_connection([&](pqxx::connection& c) {
      pqxx::read_transaction w(c);
      std::vector<int> out;
      auto exists = w.exec("SELECT to_regclass('schema_migrations') IS NOT NULL");
      if (!exists[0][0].as<bool>()) return out;
      for (const auto& r : w.exec("SELECT version FROM schema_migrations ORDER BY version"))
        out.push_back(r[0].as<int>());
      return out;
    });
  }

  void create_user(const User& u, const std::string& token_hash) override {
    with_connection([&](pqxx::connection& c) {
      pqxx::work w(c);
      w.exec_params(
          "INSERT INTO users (id, display_name, token_hash, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $5)",
          u.id, u.display_name, token_hash, u.created_at_ms, u.last_seen_at_ms);
      w.commit();
      return 0;
    });
  }

  std::optional<User> find_user_by_token_hash(const std::string& token_hash) override {
    return with_connection([&](pqxx::connection& c) -> std::optional<User> {
      pqxx::read_transaction w(c);
      auto r = w.exec_params(
          "SELECT id, display_name, created_at, last_seen_at FROM users WHERE token_hash = $1 AND deleted_at IS NULL",
          token_hash);
      if (r.empty()) return std::nullopt;
      return read_user(r[0]);
    });
  }

  std::optional<User> find_user(const std::string& id) override {
    return with_connection([&](pqxx::connection& c) -> std::optional<User> {
      pqxx::read_transaction w(c);
      auto r = w.exec_params(
          "SELECT id, display_name, created_at, last_seen_at FROM users WHERE id = $1 AND deleted_at IS NULL", id);
      if (r.empty()) return std::nullopt;
      return read_user(r[0]);
    });
  }

  std::optional<User> rename_user(const std::string& id, const std::string& name) override {
    return with_connection([&](pqxx::connection& c) -> std::optional<User> {
      pqxx::work w(c);
      auto r = w.exec_params(
          "UPDATE users SET display_name = $2 WHERE id = $1 RETURNING id, display_name, created_at, last_seen_at", id,
          name);
      w.commit();
      if (r.empty()) return std::nullopt;
      return read_user(r[0]);
    });
  }

  void touch_user(const std::string& id, std::int64_t now) override {
    with_connection([&](pqxx::connection& c) {
      pqxx::work w(c);
      w.exec_params("UPDATE users SET last_seen_at = $2 WHERE id = $1", id, now);
      w.commit();
      return 0;
    });
  }

  bool replace_token_hash(const std::string& id, const std::string& token_hash) override {
    return with_connection([&](pqxx::connection& c) {
      pqxx::work w(c);
      auto r = w.exec_params("UPDATE users SET token_hash = $2 WHERE id = $1 AND deleted_at IS NULL", id, token_hash);
      w.commit();
      return r.affected_rows() > 0;
    });
  }

  DeleteUser delete_user(const std::string& id, const std::string& anon, std::int64_t now) override {
    return with_connection([&](pqxx::connection& c) {
      pqxx::work w(c);
      // FOR UPDATE: a concurrent rename or second deletion of the same user waits for this one.
      if (w.exec_params("SELECT 1 FROM users WHERE id = $1 AND deleted_at IS NULL FOR UPDATE", id).empty())
        return DeleteUser::not_found;
      if (!w.exec_params("SELECT 1 FROM lobbies WHERE owner_id = $1 AND status <> 'closed' LIMIT 1", id).empty())
        return DeleteUser::owns_open_lobbies;
      w.exec_params(
          "INSERT INTO users (id, display_name, token_hash, created_at, last_seen_at, deleted_at) "
          "VALUES ($1, '', 'deleted:' || $1, $2, $2, $2)",
          anon, now);
      w.exec_params("UPDATE lobbies SET owner_id = $2 WHERE owner_id = $1", id, anon);
      // Pairs keep user_a < user_b (as write_history stores them): taken out, put back renamed.
      std::vector<PairRow> pairs;
      for (const auto& r : w.exec_params("DELETE FROM match_pairs WHERE user_a = $1 OR user_b = $1 "
                                         "RETURNING lobby_id, user_a, user_b, last_met_at",
                                         id))
        pairs.push_back(
            {r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(), r[3].as<std::int64_t>()});
      for (const auto& p : renamed_pairs(pairs, id, anon))
        w.exec_params("INSERT INTO match_pairs (lobby_id, user_a, user_b, last_met_at) VALUES ($1, $2, $3, $4)",
                      p.lobby_id, p.user_a, p.user_b, p.last_met_at_ms);
      // members is a JSON array of ids (base64url: nothing to escape); LIKE's '_' may match
      // more rows than needed, and REPLACE leaves those unchanged.
      w.exec_params(
          "UPDATE matches SET members = REPLACE(members, '\"' || $1 || '\"', '\"' || $2 || '\"') "
          "WHERE members LIKE '%\"' || $1 || '\"%'",
          id, anon);
      w.exec_params("DELETE FROM lobby_bans WHERE user_id = $1", id);
      w.exec_params("DELETE FROM lobby_members WHERE user_id = $1", id);
      w.exec_params("DELETE FROM user_blocks WHERE blocker_id = $1 OR blocked_id = $1", id);
      w.exec_params("DELETE FROM lobby_reports WHERE reporter_id = $1 OR reported_id = $1", id);
      w.exec_params("DELETE FROM users WHERE id = $1", id);
      w.commit();
      return DeleteUser::deleted;
    });
  }

  void create_lobby(const storage::LobbyRecord& l) override {
    with_connection([&](pqxx::connection& c) {
      pqxx::work w(c);
      w.exec_params(
          "INSERT INTO lobbies (id, name, owner_id, settings, status, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
          l.id, l.name, l.owner_id, l.settings.to_json().dump(), std::string(storage::to_string(l.status)),
          l.created_at_ms);
      w.commit();
      return 0;
    });
  }

  std::optional<storage::LobbyRecord> find_lobby(const std::string& id) override {
    return with_connection([&](pqxx::connection& c) -> std::optional<storage::LobbyRecord> {
      pqxx::read_transaction w(c);
      auto r = w.exec_params("SELECT id, name, owner_id, settings, status, created_at FROM lobbies WHERE id = $1", id);
      if (r.empty()) return std::nullopt;
      return read_lobby(r[0]);
    });
  }

  std::vector<storage::PairRecord> load_pairs(const std::string& lobby_id) override {
    return with_connection([&](pqxx::connection& c) {
      pqxx::read_transaction w(c);
      std::vector<storage::PairRecord> out;
      for (const auto& r :
           w.exec_params("SELECT user_a, user_b, last_met_at FROM match_pairs WHERE lobby_id = $1", lobby_id))
        out.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::int64_t>()});
      return out;
    });
  }

  void write_history(const std::vector<HistoryEvent>& events) override {
    if (events.empty()) return;
    with_connection([&](pqxx::connection& c) {
      pqxx::work w(c);
      for (const auto& e : events) {
        if (e.kind == HistoryEvent::Kind::member_joined) {
          w.exec_params(
              "INSERT INTO lobby_members (lobby_id, user_id, first_joined_at) VALUES ($1, $2, $3) "
              "ON CONFLICT (lobby_id, user_id) DO NOTHING",
              e.lobby_id, e.members.at(0), e.at_ms);
          continue;
        }
        if (e.kind == HistoryEvent::Kind::match_ended) {
          w.exec_params("UPDATE matches SET ended_at = $2, end_reason = $3 WHERE id = $1 AND ended_at IS NULL",
                        e.match_id, e.at_ms, e.end_reason);
          continue;
        }
        if (e.kind == HistoryEvent::Kind::match_started) {
          w.exec_params("INSERT INTO matches (id, lobby_id, members, created_at) VALUES ($1, $2, $3, $4)", e.match_id,
                        e.lobby_id, nlohmann::json(e.members).dump(), e.at_ms);
          if (!e.with_pairs) continue;
        }
        const auto& members = e.members;
        for (std::size_t i = 0; i < members.size(); ++i)
          for (std::size_t j = i + 1; j < members.size(); ++j)
            w.exec_params(
                "INSERT INTO match_pairs (lobby_id, user_a, user_b, last_met_at) VALUES ($1, $2, $3, $4) "
                "ON CONFLICT (lobby_id, user_a, user_b) DO UPDATE SET last_met_at = excluded.last_met_at",
                e.lobby_id, std::min(members[i], members[j]), std::max(members[i], members[j]), e.at_ms);
      }
      w.commit();
      return 0;
    });
  }

  void update_lobby_settings(const std::string& id, const storage::LobbySettings& settings) override {
    exec_write("UPDATE lobbies SET settings = $2 WHERE id = $1", id, settings.to_json().dump());
  }

  void set_lobby_status(const std::string& id, storage::LobbyStatus status, std::int64_t at) override {
    exec_write(
        "UPDATE lobbies SET status = $2, closed_at = CASE WHEN $2 = 'closed' THEN $3 ELSE closed_at END WHERE id = $1",
        id, std::string(storage::to_string(status)), at);
  }

  void set_lobby_owner(const std::string& id, const std::string& owner) override {
    exec_write("UPDATE lobbies SET owner_id = $2 WHERE id = $1", id, owner);
  }

  bool ban(const std::string& lobby_id, const std::string& user_id, std::int64_t until, std::int64_t now,
           std::size_t max_bans) override {
    return with_connection([&](pqxx::connection& c) {
      pqxx::work w(c);
      // Bans of one lobby are counted and changed one caller at a time: the lobby row is the lock.
      w.exec_params("SELECT 1 FROM lobbies WHERE id = $1 FOR UPDATE", lobby_id);
      w.exec_params("DELETE FROM lobby_bans WHERE lobby_id = $1 AND banned_until <= $2", lobby_id, now);
      auto r =
          w.exec_params("SELECT COUNT(*), COUNT(*) FILTER (WHERE user_id = $2) FROM lobby_bans WHERE lobby_id = $1",
                        lobby_id, user_id);
      const bool existing = r[0][1].as<std::int64_t>() > 0;
      if (!existing && static_cast<std::size_t>(r[0][0].as<std::int64_t>()) >= max_bans) return false;
      w.exec_params(
          "INSERT INTO lobby_bans (lobby_id, user_id, banned_until) VALUES ($1, $2, $3) "
          "ON CONFLICT (lobby_id, user_id) DO UPDATE SET banned_until = excluded.banned_until",
          lobby_id, user_id, until);
      w.commit();
      return true;
    });
  }

  bool was_member(const std::string& lobby_id, const std::string& user_id) override {
    return with_connection([&](pqxx::connection& c) {
      pqxx::read_transaction w(c);
      return !w.exec_params("SELECT 1 FROM lobby_members WHERE lobby_id = $1 AND user_id = $2", lobby_id, user_id)
                  .empty();
    });
  }

  std::optional<std::int64_t> banned_until(const std::string& lobby_id, const std::string& user_id) override {
    return with_connection([&](pqxx::connection& c) -> std::optional<std::int64_t> {
      pqxx::read_transaction w(c);
      auto r =
          w.exec_params("SELECT banned_until FROM lobby_bans WHERE lobby_id = $1 AND user_id = $2", lobby_id, user_id);
      if (r.empty()) return std::nullopt;
      return r[0][0].as<std::int64_t>();
    });
  }

  std::vector<std::pair<std::string, std::int64_t>> load_bans(const std::string& lobby_id, std::int64_t now) override {
    return with_connection([&](pqxx::connection& c) {
      pqxx::read_transaction w(c);
      std::vector<std::pair<std::string, std::int64_t>> out;
      for (const auto& r : w.exec_params(
               "SELECT user_id, banned_until FROM lobby_bans WHERE lobby_id = $1 AND banned_until > $2", lobby_id, now))
        out.emplace_back(r[0].as<std::string>(), r[1].as<std::int64_t>());
      return out;
    });
  }

  std::int64_t count_matches(const std::string& lobby_id) override {
    return with_connection([&](pqxx::connection& c) {
      pqxx::read_transaction w(c);
      return w.exec_params("SELECT COUNT(*) FROM matches WHERE lobby_id = $1", lobby_id)[0][0].as<std::int64_t>();
    });
  }

  // Safety (issue 17): blocks and reports.
  BlockStored block_user(const std::string& blocker, const std::string& blocked, std::int64_t now,
                         std::size_t max_blocks) override {
    return with_connection([&](pqxx::connection& c) {
      pqxx::work w(c);
      // One blocker's blocks are counted and added one caller at a time: their user row is the lock.
      w.exec_params("SELECT 1 FROM users WHERE id = $1 FOR UPDATE", blocker);
      auto r = w.exec_params(
          "SELECT COUNT(*), COUNT(*) FILTER (WHERE blocked_id = $2) FROM user_blocks WHERE blocker_id = $1", blocker,
          blocked);
      if (r[0][1].as<std::int64_t>() > 0) return BlockStored::existing;
      if (static_cast<std::size_t>(r[0][0].as<std::int64_t>()) >= max_blocks) return BlockStored::too_many;
      auto added = w.exec_params(
          "INSERT INTO user_blocks (blocker_id, blocked_id, created_at) SELECT $1, $2, $3 "
          "WHERE EXISTS (SELECT 1 FROM users WHERE id = $2 AND deleted_at IS NULL) ON CONFLICT DO NOTHING",
          blocker, blocked, now);
      if (added.affected_rows() == 0) return BlockStored::no_user;
      w.commit();
      return BlockStored::stored;
    });
  }

  std::vector<std::string> load_blocks(const std::string& user_id) override {
    return with_connection([&](pqxx::connection& c) {
      pqxx::read_transaction w(c);
      std::vector<std::string> out;
      for (const auto& r : w.exec_params("SELECT blocked_id FROM user_blocks WHERE blocker_id = $1 "
                                         "UNION SELECT blocker_id FROM user_blocks WHERE blocked_id = $1",
                                         user_id))
        out.push_back(r[0].as<std::string>());
      return out;
    });
  }

  bool add_report(const ReportRecord& r, std::size_t max_per_hour) override {
    return with_connection([&](pqxx::connection& c) {
      pqxx::work w(c);
      // One reporter's reports are counted and added one caller at a time: their user row is the lock.
      w.exec_params("SELECT 1 FROM users WHERE id = $1 FOR UPDATE", r.reporter_id);
      auto n = w.exec_params(
                    "SELECT COUNT(*) FROM lobby_reports WHERE reporter_id = $1 AND lobby_id = $2 AND created_at > $3",
                    r.reporter_id, r.lobby_id, r.created_at_ms - kReportWindowMs)[0][0]
                   .as<std::int64_t>();
      if (static_cast<std::size_t>(n) >= max_per_hour) return false;
      w.exec_params(
          "INSERT INTO lobby_reports (id, lobby_id, reporter_id, reported_id, reason, details, match_id, created_at) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
          r.id, r.lobby_id, r.reporter_id, r.reported_id, r.reason, r.details,
          r.match_id ? r.match_id->c_str() : nullptr, r.created_at_ms);
      w.commit();
      return true;
    });
  }

  std::vector<ReportView> load_reports(const std::string& lobby_id, std::size_t limit) override {
    return with_connection([&](pqxx::connection& c) {
      pqxx::read_transaction w(c);
      std::vector<ReportView> out;
      for (const auto& row :
           w.exec_params("SELECT r.id, r.reporter_id, COALESCE(a.display_name, ''), r.reported_id, "
                         "COALESCE(b.display_name, ''), r.reason, r.details, r.match_id, r.created_at "
                         "FROM lobby_reports r LEFT JOIN users a ON a.id = r.reporter_id "
                         "LEFT JOIN users b ON b.id = r.reported_id "
                         "WHERE r.lobby_id = $1 ORDER BY r.created_at DESC, r.id DESC LIMIT $2",
                         lobby_id, static_cast<std::int64_t>(limit))) {
        ReportView v;
        v.report.id = row[0].as<std::string>();
        v.report.lobby_id = lobby_id;
        v.report.reporter_id = row[1].as<std::string>();
        v.reporter_name = row[2].as<std::string>();
        v.report.reported_id = row[3].as<std::string>();
        v.reported_name = row[4].as<std::string>();
        v.report.reason = row[5].as<std::string>();
        v.report.details = row[6].as<std::string>();
        if (!row[7].is_null()) v.report.match_id = row[7].as<std::string>();
        v.report.created_at_ms = row[8].as<std::int64_t>();
        out.push_back(std::move(v));
      }
      return out;
    });
  }

  bool delete_report(const std::string& lobby_id, const std::string& report_id) override {
    return with_connection([&](pqxx::connection& c) {
      pqxx::work w(c);
      auto r = w.exec_params("DELETE FROM lobby_reports WHERE lobby_id = $1 AND id = $2", lobby_id, report_id);
      w.commit();
      return r.affected_rows() > 0;
    });
  }

 private:
  using Clock = std::chrono::steady_clock;

  // One statement in its own transaction.
  template <class... Args>
  void exec_write(const char* sql, const Args&... args) {
    with_connection([&](pqxx::connection& c) {
      pqxx::work w(c);
      w.exec_params(sql, args...);
      w.commit();
      return 0;
    });
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

}  // namespace

std::unique_ptr<Database> open_postgres(const std::string& url, const DatabaseOptions& options) {
  return std::make_unique<PostgresDatabase>(url, options);
}

}  // namespace swirl::storage
