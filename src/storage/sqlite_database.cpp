// SQLite backend: the embedded default. One connection per pool thread (WAL mode, so readers
// do not block the writer); writers serialize on SQLite's own lock with a busy timeout.

#include "backends.hpp"

#include <sqlite3.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "swirl/core/clock.hpp"
#include "swirl/core/metrics.hpp"
#include "swirl/storage/migrations.hpp"

#include <nlohmann/json.hpp>

namespace swirl::storage {
namespace {

constexpr int kBusyTimeoutMs = 5000;  // how long a writer waits for SQLite's lock

class Connection {
 public:
  explicit Connection(const std::string& path) {
    int rc =
        sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
      std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw DatabaseUnavailable("cannot open SQLite database " + path + ": " + msg);
    }
    sqlite3_busy_timeout(db_, kBusyTimeoutMs);
    try {
      enable_wal();
      exec("PRAGMA synchronous=NORMAL");
      exec("PRAGMA foreign_keys=ON");
      // 512 KiB of page cache per connection (SQLite's default is 2 MiB): the pool has one
      // connection per thread, the operating system caches the file anyway, and the server's
      // memory stays flat once this small cache is warm.
      exec("PRAGMA cache_size=-512");
    } catch (...) {
      sqlite3_close_v2(db_);
      throw;
    }
  }
  ~Connection() {
    for (auto& [sql, stmt] : prepared_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : sqlite3_errmsg(db_);
      sqlite3_free(err);
      throw std::runtime_error("sqlite: " + msg + " (in: " + sql.substr(0, 60) + ")");
    }
  }
  sqlite3* get() { return db_; }

 private:
  // Switching a database to WAL needs its exclusive lock, and SQLite answers SQLITE_BUSY at
  // once, without the busy handler, while another process is opening or switching the same
  // database (two servers starting on a fresh file: "database is locked"). Retry for as long
  // as a writer would wait for the lock.
  void enable_wal() {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
    auto pause = std::chrono::milliseconds(2);
    for (;;) {
      int rc = sqlite3_exec(db_, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
      if (rc == SQLITE_OK) return;
      bool busy = (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
      if (!busy || std::chrono::steady_clock::now() + pause > deadline)
        throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db_) + " (in: PRAGMA journal_mode=WAL)");
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, std::chrono::milliseconds(50));
    }
  }

 public:
  // The statement for `sql`, compiled once per connection and kept: parsing and planning cost
  // more than running our small queries. `sql` must be a string literal (its text is the key
  // and is not copied).
  sqlite3_stmt* prepared(const char* sql) {
    auto [it, inserted] = prepared_.try_emplace(std::string_view(sql), nullptr);
    if (inserted && sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &it->second, nullptr) != SQLITE_OK) {
      prepared_.erase(it);
      throw std::runtime_error(std::string("sqlite prepare: ") + sqlite3_errmsg(db_));
    }
    return it->second;
  }

 private:
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string_view, sqlite3_stmt*> prepared_;
};

// One use of a connection's cached statement, with positional binds; steps row by row. Going
// out of scope resets it, which also ends the read snapshot an unfinished SELECT would hold.
class Statement {
 public:
  Statement(Connection& c, const char* sql) : db_(c.get()), stmt_(c.prepared(sql)) {}
  ~Statement() { reset(); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  // True while a row is available.
  bool step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    if (rc == SQLITE_CONSTRAINT) throw Conflict(std::string("sqlite: ") + sqlite3_errmsg(db_));
    if (rc == SQLITE_BUSY) throw DatabaseUnavailable("the database is busy; try again");
    throw std::runtime_error(std::string("sqlite step: ") + sqlite3_errmsg(db_));
  }
  std::string text(int col) {
    auto p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col))) : std::string();
  }
  std::int64_t int64(int col) { return sqlite3_column_int64(stmt_, col); }
  bool is_null(int col) { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  // Ready to be bound and stepped again (for a statement used many times in one transaction).
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

User read_user(Statement& s) { return User{s.text(0), s.text(1), s.int64(2), s.int64(3)}; }

storage::LobbyRecord read_lobby(Statement& s) {
  storage::LobbyRecord r;
  r.id = s.text(0);
  r.name = s.text(1);
  r.owner_id = s.text(2);
  auto parsed = storage::apply_settings(storage::LobbySettings{}, nlohmann::json::parse(s.text(3), nullptr, false));
  if (auto* ok = std::get_if<storage::LobbySettings>(&parsed)) r.settings = *ok;
  r.status = storage::lobby_status_from(s.text(4)).value_or(storage::LobbyStatus::open);
  r.created_at_ms = s.int64(5);
  return r;
}

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(std::string path, const DatabaseOptions& options) : path_(std::move(path)) {
    auto parent = std::filesystem::path(path_).parent_path();
    if (!parent.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(parent, ec);
    }
    for (unsigned i = 0; i < std::max(1u, options.pool_size); ++i) free_.push_back(std::make_unique<Connection>(path_));
  }

  std::string backend() const override { return "sqlite"; }

  int migrate() override {
    auto c = acquire();
    // BEGIN IMMEDIATE takes SQLite's write lock first, so two processes migrating at once
    // serialize here and the second finds everything applied.
    c->exec("BEGIN IMMEDIATE");
    try {
      c->exec(
          "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at "
          "BIGINT NOT NULL)");
      std::vector<int> applied = applied_on(*c);
      int count = 0;
      for (const auto& m : migrations_for("sqlite")) {
        if (std::find(applied.begin(), applied.end(), m.version) != applied.end()) continue;
        c->exec(m.sql);
        Statement s(*c, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)");
        s.bind(1, std::int64_t{m.version}).bind(2, m.name).bind(3, core::now_ms()).step();
        ++count;
      }
      c->exec("COMMIT");
      return count;
    } catch (...) {
      try {
        c->exec("ROLLBACK");
      } catch (...) {
      }
      throw;
    }
  }

  std::vector<int> applied_migrations() override {
    auto c = acquire();
    return applied_on(*c);
  }

  void create_user(const User& u, const std::string& token_hash) override {
    auto c = acquire();
    Statement s(
        *c, "INSERT INTO users (id, display_name, token_hash, created_at, last_seen_at) VALUES (?1, ?2, ?3, ?4, ?5)");
    s.bind(1, u.id)
        .bind(2, u.display_name)
        .bind(3, token_hash)
        .bind(4, u.created_at_ms)
        .bind(5, u.last_seen_at_ms)
        .step();
  }

  std::optional<User> find_user_by_token_hash(const std::string& token_hash) override {
    auto c = acquire();
    Statement s(
        *c,
        "SELECT id, display_name, created_at, last_seen_at FROM users WHERE token_hash = ?1 AND deleted_at IS NULL");
    s.bind(1, token_hash);
    if (!s.step()) return std::nullopt;
    return read_user(s);
  }

  std::optional<User> find_user(const std::string& id) override {
    auto c = acquire();
    Statement s(*c,
                "SELECT id, display_name, created_at, last_seen_at FROM users WHERE id = ?1 AND deleted_at IS NULL");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return read_user(s);
  }

  std::optional<User> rename_user(const std::string& id, const std::string& name) override {
    auto c = acquire();
    Statement s(
        *c, "UPDATE users SET display_name = ?2 WHERE id = ?1 RETURNING id, display_name, created_at, last_seen_at");
    s.bind(1, id).bind(2, name);
    if (!s.step()) return std::nullopt;
    User u = read_user(s);
    while (s.step()) {
    }
    return u;
  }

  void touch_user(const std::string& id, std::int64_t now) override {
    auto c = acquire();
    Statement s(*c, "UPDATE users SET last_seen_at = ?2 WHERE id = ?1");
    s.bind(1, id).bind(2, now).step();
  }

  bool replace_token_hash(const std::string& id, const std::string& token_hash) override {
    auto c = acquire();
    Statement s(*c, "UPDATE users SET token_hash = ?2 WHERE id = ?1 AND deleted_at IS NULL RETURNING id");
    s.bind(1, id).bind(2, token_hash);
    bool found = s.step();
    while (found && s.step()) {
    }
    return found;
  }

  DeleteUser delete_user(const std::string& id, const std::string& anon, std::int64_t now) override {
    auto c = acquire();
    c->exec("BEGIN IMMEDIATE");
    try {
      // ?1 = the user, ?2 = the anonymous id, ?3 = now (binding one a statement lacks is a no-op).
      auto run = [&](const char* sql) {
        Statement s(*c, sql);
        s.bind(1, id).bind(2, anon).bind(3, now);
        return s.step();
      };
      if (!run("SELECT 1 FROM users WHERE id = ?1 AND deleted_at IS NULL")) {
        c->exec("ROLLBACK");
        return DeleteUser::not_found;
      }
      if (run("SELECT 1 FROM lobbies WHERE owner_id = ?1 AND status <> 'closed'")) {
        c->exec("ROLLBACK");
        return DeleteUser::owns_open_lobbies;
      }
      run("INSERT INTO users (id, display_name, token_hash, created_at, last_seen_at, deleted_at) "
          "SELECT ?2, '', 'deleted:' || ?2, ?3, ?3, ?3");
      run("UPDATE lobbies SET owner_id = ?2 WHERE owner_id = ?1");
      // Pairs keep user_a < user_b (as write_history stores them): taken out, put back renamed.
      std::vector<PairRow> pairs;
      {
        Statement s(*c,
                    "SELECT lobby_id, user_a, user_b, last_met_at FROM match_pairs WHERE user_a = ?1 OR user_b = ?1");
        s.bind(1, id);
        while (s.step()) pairs.push_back({s.text(0), s.text(1), s.text(2), s.int64(3)});
      }
      run("DELETE FROM match_pairs WHERE user_a = ?1 OR user_b = ?1");
      for (const auto& p : renamed_pairs(pairs, id, anon)) {
        Statement s(*c, "INSERT INTO match_pairs (lobby_id, user_a, user_b, last_met_at) VALUES (?1, ?2, ?3, ?4)");
        s.bind(1, p.lobby_id).bind(2, p.user_a).bind(3, p.user_b).bind(4, p.last_met_at_ms).step();
      }
      // members is a JSON array of ids (base64url: nothing to escape); LIKE's '_' may match
      // more rows than needed, and REPLACE leaves those unchanged.
      run("UPDATE matches SET members = REPLACE(members, '\"' || ?1 || '\"', '\"' || ?2 || '\"') "
          "WHERE members LIKE '%\"' || ?1 || '\"%'");
      run("DELETE FROM lobby_bans WHERE user_id = ?1");
      run("DELETE FROM lobby_members WHERE user_id = ?1");
      run("DELETE FROM user_blocks WHERE blocker_id = ?1 OR blocked_id = ?1");
      run("DELETE FROM lobby_reports WHERE reporter_id = ?1 OR reported_id = ?1");
      run("DELETE FROM users WHERE id = ?1");
      c->exec("COMMIT");
      return DeleteUser::deleted;
    } catch (...) {
      try {
        c->exec("ROLLBACK");
      } catch (...) {
      }
      throw;
    }
  }

  void create_lobby(const storage::LobbyRecord& l) override {
    auto c = acquire();
    Statement s(
        *c, "INSERT INTO lobbies (id, name, owner_id, settings, status, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    s.bind(1, l.id)
        .bind(2, l.name)
        .bind(3, l.owner_id)
        .bind(4, l.settings.to_json().dump())
        .bind(5, std::string(storage::to_string(l.status)))
        .bind(6, l.created_at_ms)
        .step();
  }

  std::optional<storage::LobbyRecord> find_lobby(const std::string& id) override {
    auto c = acquire();
    Statement s(*c, "SELECT id, name, owner_id, settings, status, created_at FROM lobbies WHERE id = ?1");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return read_lobby(s);
  }

  std::vector<storage::PairRecord> load_pairs(const std::string& lobby_id) override {
    auto c = acquire();
    Statement s(*c, "SELECT user_a, user_b, last_met_at FROM match_pairs WHERE lobby_id = ?1");
    s.bind(1, lobby_id);
    std::vector<storage::PairRecord> out;
    while (s.step()) out.push_back({s.text(0), s.text(1), s.int64(2)});
    return out;
  }

  void write_history(const std::vector<HistoryEvent>& events) override {
    if (events.empty()) return;
    auto c = acquire();
    c->exec("BEGIN IMMEDIATE");
    try {
      Statement insert(*c, "INSERT INTO matches (id, lobby_id, members, created_at) VALUES (?1, ?2, ?3, ?4)");
      Statement pair(*c,
                     "INSERT INTO match_pairs (lobby_id, user_a, user_b, last_met_at) VALUES (?1, ?2, ?3, ?4) "
                     "ON CONFLICT (lobby_id, user_a, user_b) DO UPDATE SET last_met_at = excluded.last_met_at");
      Statement end(*c, "UPDATE matches SET ended_at = ?2, end_reason = ?3 WHERE id = ?1 AND ended_at IS NULL");
      Statement joined(*c,
                       "INSERT INTO lobby_members (lobby_id, user_id, first_joined_at) VALUES (?1, ?2, ?3) "
                       "ON CONFLICT (lobby_id, user_id) DO NOTHING");
      for (const auto& e : events) {
        if (e.kind == HistoryEvent::Kind::member_joined) {
          joined.bind(1, e.lobby_id).bind(2, e.members.at(0)).bind(3, e.at_ms).step();
          joined.reset();
          continue;
        }
        if (e.kind == HistoryEvent::Kind::match_ended) {
          end.bind(1, e.match_id).bind(2, e.at_ms).bind(3, e.end_reason).step();
          end.reset();
          continue;
        }
        if (e.kind == HistoryEvent::Kind::match_started) {
          insert.bind(1, e.match_id)
              .bind(2, e.lobby_id)
              .bind(3, nlohmann::json(e.members).dump())
              .bind(4, e.at_ms)
              .step();
          insert.reset();
          if (!e.with_pairs) continue;
        }
        const auto& members = e.members;
        for (std::size_t i = 0; i < members.size(); ++i)
          for (std::size_t j = i + 1; j < members.size(); ++j) {
            pair.bind(1, e.lobby_id)
                .bind(2, std::min(members[i], members[j]))
                .bind(3, std::max(members[i], members[j]))
                .bind(4, e.at_ms)
                .step();
            pair.reset();
          }
      }
      c->exec("COMMIT");
    } catch (...) {
      try {
        c->exec("ROLLBACK");
      } catch (...) {
      }
      throw;
    }
  }

  void update_lobby_settings(const std::string& id, const storage::LobbySettings& settings) override {
    auto c = acquire();
    Statement s(*c, "UPDATE lobbies SET settings = ?2 WHERE id = ?1");
    s.bind(1, id).bind(2, settings.to_json().dump()).step();
  }

  void set_lobby_status(const std::string& id, storage::LobbyStatus status, std::int64_t at) override {
    auto c = acquire();
    Statement s(
        *c,
        "UPDATE lobbies SET status = ?2, closed_at = CASE WHEN ?2 = 'closed' THEN ?3 ELSE closed_at END WHERE id = ?1");
    s.bind(1, id).bind(2, std::string(storage::to_string(status))).bind(3, at).step();
  }

  void set_lobby_owner(const std::string& id, const std::string& owner) override {
    auto c = acquire();
    Statement s(*c, "UPDATE lobbies SET owner_id = ?2 WHERE id = ?1");
    s.bind(1, id).bind(2, owner).step();
  }

  bool ban(const std::string& lobby_id, const std::string& user_id, std::int64_t until, std::int64_t now,
           std::size_t max_bans) override {
    auto c = acquire();
    c->exec("BEGIN IMMEDIATE");
    try {
      Statement expired(*c, "DELETE FROM lobby_bans WHERE lobby_id = ?1 AND banned_until <= ?2");
      expired.bind(1, lobby_id).bind(2, now).step();
      Statement count(*c, "SELECT COUNT(*), COALESCE(SUM(user_id = ?2), 0) FROM lobby_bans WHERE lobby_id = ?1");
      count.bind(1, lobby_id).bind(2, user_id);
      count.step();
      const auto running = static_cast<std::size_t>(count.int64(0));
      const bool existing = count.int64(1) > 0;
      count.reset();
      if (!existing && running >= max_bans) {
        c->exec("ROLLBACK");
        return false;
      }
      Statement s(*c,
                  "INSERT INTO lobby_bans (lobby_id, user_id, banned_until) VALUES (?1, ?2, ?3) "
                  "ON CONFLICT (lobby_id, user_id) DO UPDATE SET banned_until = excluded.banned_until");
      s.bind(1, lobby_id).bind(2, user_id).bind(3, until).step();
      c->exec("COMMIT");
      return true;
    } catch (...) {
      try {
        c->exec("ROLLBACK");
      } catch (...) {
      }
      throw;
    }
  }

  bool was_member(const std::string& lobby_id, const std::string& user_id) override {
    auto c = acquire();
    Statement s(*c, "SELECT 1 FROM lobby_members WHERE lobby_id = ?1 AND user_id = ?2");
    s.bind(1, lobby_id).bind(2, user_id);
    return s.step();
  }

  std::optional<std::int64_t> banned_until(const std::string& lobby_id, const std::string& user_id) override {
    auto c = acquire();
    Statement s(*c, "SELECT banned_until FROM lobby_bans WHERE lobby_id = ?1 AND user_id = ?2");
    s.bind(1, lobby_id).bind(2, user_id);
    if (!s.step()) return std::nullopt;
    return s.int64(0);
  }

  std::vector<std::pair<std::string, std::int64_t>> load_bans(const std::string& lobby_id, std::int64_t now) override {
    auto c = acquire();
    Statement s(*c, "SELECT user_id, banned_until FROM lobby_bans WHERE lobby_id = ?1 AND banned_until > ?2");
    s.bind(1, lobby_id).bind(2, now);
    std::vector<std::pair<std::string, std::int64_t>> out;
    while (s.step()) out.emplace_back(s.text(0), s.int64(1));
    return out;
  }

  std::int64_t count_matches(const std::string& lobby_id) override {
    auto c = acquire();
    Statement s(*c, "SELECT COUNT(*) FROM matches WHERE lobby_id = ?1");
    s.bind(1, lobby_id);
    s.step();
    return s.int64(0);
  }

  // Safety (issue 17): blocks and reports.
  BlockStored block_user(const std::string& blocker, const std::string& blocked, std::int64_t now,
                         std::size_t max_blocks) override {
    auto c = acquire();
    c->exec("BEGIN IMMEDIATE");
    try {
      auto outcome = [&] {
        Statement count(*c,
                        "SELECT COUNT(*), COALESCE(SUM(blocked_id = ?2), 0) FROM user_blocks WHERE blocker_id = ?1");
        count.bind(1, blocker).bind(2, blocked);
        count.step();
        if (count.int64(1) > 0) return BlockStored::existing;
        if (static_cast<std::size_t>(count.int64(0)) >= max_blocks) return BlockStored::too_many;
        count.reset();
        Statement s(*c,
                    "INSERT INTO user_blocks (blocker_id, blocked_id, created_at) SELECT ?1, ?2, ?3 "
                    "WHERE EXISTS (SELECT 1 FROM users WHERE id = ?2 AND deleted_at IS NULL) RETURNING 1");
        s.bind(1, blocker).bind(2, blocked).bind(3, now);
        return s.step() ? BlockStored::stored : BlockStored::no_user;
      }();
      c->exec(outcome == BlockStored::stored ? "COMMIT" : "ROLLBACK");
      return outcome;
    } catch (...) {
      try {
        c->exec("ROLLBACK");
      } catch (...) {
      }
      throw;
    }
  }

  std::vector<std::string> load_blocks(const std::string& user_id) override {
    auto c = acquire();
    Statement s(*c,
                "SELECT blocked_id FROM user_blocks WHERE blocker_id = ?1 "
                "UNION SELECT blocker_id FROM user_blocks WHERE blocked_id = ?1");
    s.bind(1, user_id);
    std::vector<std::string> out;
    while (s.step()) out.push_back(s.text(0));
    return out;
  }

  bool add_report(const ReportRecord& r, std::size_t max_per_hour) override {
    auto c = acquire();
    c->exec("BEGIN IMMEDIATE");
    try {
      Statement count(
          *c, "SELECT COUNT(*) FROM lobby_reports WHERE reporter_id = ?1 AND lobby_id = ?2 AND created_at > ?3");
      count.bind(1, r.reporter_id).bind(2, r.lobby_id).bind(3, r.created_at_ms - kReportWindowMs);
      count.step();
      if (static_cast<std::size_t>(count.int64(0)) >= max_per_hour) {
        count.reset();
        c->exec("ROLLBACK");
        return false;
      }
      count.reset();
      Statement s(*c,
                  "INSERT INTO lobby_reports (id, lobby_id, reporter_id, reported_id, reason, details, match_id, "
                  "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
      s.bind(1, r.id).bind(2, r.lobby_id).bind(3, r.reporter_id).bind(4, r.reported_id).bind(5, r.reason);
      s.bind(6, r.details).bind(8, r.created_at_ms);
      if (r.match_id) s.bind(7, *r.match_id);  // unbound: NULL
      s.step();
      c->exec("COMMIT");
      return true;
    } catch (...) {
      try {
        c->exec("ROLLBACK");
      } catch (...) {
      }
      throw;
    }
  }

  std::vector<ReportView> load_reports(const std::string& lobby_id, std::size_t limit) override {
    auto c = acquire();
    Statement s(
        *c,
        "SELECT r.id, r.reporter_id, COALESCE(a.display_name, ''), r.reported_id, COALESCE(b.display_name, ''), "
        "r.reason, r.details, r.match_id, r.created_at FROM lobby_reports r "
        "LEFT JOIN users a ON a.id = r.reporter_id LEFT JOIN users b ON b.id = r.reported_id "
        "WHERE r.lobby_id = ?1 ORDER BY r.created_at DESC, r.id DESC LIMIT ?2");
    s.bind(1, lobby_id).bind(2, static_cast<std::int64_t>(limit));
    std::vector<ReportView> out;
    while (s.step()) {
      ReportView v;
      v.report.id = s.text(0);
      v.report.lobby_id = lobby_id;
      v.report.reporter_id = s.text(1);
      v.reporter_name = s.text(2);
      v.report.reported_id = s.text(3);
      v.reported_name = s.text(4);
      v.report.reason = s.text(5);
      v.report.details = s.text(6);
      if (!s.is_null(7)) v.report.match_id = s.text(7);
      v.report.created_at_ms = s.int64(8);
      out.push_back(std::move(v));
    }
    return out;
  }

  bool delete_report(const std::string& lobby_id, const std::string& report_id) override {
    auto c = acquire();
    Statement s(*c, "DELETE FROM lobby_reports WHERE lobby_id = ?1 AND id = ?2 RETURNING 1");
    s.bind(1, lobby_id).bind(2, report_id);
    bool found = s.step();
    while (found && s.step()) {
    }
    return found;
  }

 private:
  // A connection checked out of the pool for the duration of one call.
  class Lease {
   public:
    Lease(SqliteDatabase& db, std::unique_ptr<Connection> c) : db_(db), c_(std::move(c)) {}
    ~Lease() { db_.release(std::move(c_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Connection* operator->() { return c_.get(); }
    Connection& operator*() { return *c_; }

   private:
    core::ScopedTimer timer_{core::metrics().db_call};  // the call's time holding the connection
    SqliteDatabase& db_;
    std::unique_ptr<Connection> c_;
  };

  Lease acquire() {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, std::chrono::seconds(10), [&] { return !free_.empty(); }))
      throw DatabaseUnavailable("no database connection became free within 10 s");
    auto c = std::move(free_.back());
    free_.pop_back();
    return Lease(*this, std::move(c));
  }
  void release(std::unique_ptr<Connection> c) {
    {
      std::lock_guard lock(mu_);
      free_.push_back(std::move(c));
    }
    cv_.notify_one();
  }

  static std::vector<int> applied_on(Connection& c) {
    std::vector<int> out;
    Statement exists(c, "SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_migrations'");
    if (!exists.step()) return out;
    Statement s(c, "SELECT version FROM schema_migrations ORDER BY version");
    while (s.step()) out.push_back(static_cast<int>(s.int64(0)));
    return out;
  }

  std::string path_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> free_;
};

}  // namespace

std::unique_ptr<Database> open_sqlite(const std::string& path, const DatabaseOptions& options) {
  return std::make_unique<SqliteDatabase>(path, options);
}

std::unique_ptr<Database> open_database(const std::string& url, const DatabaseOptions& options) {
  if (url.rfind("sqlite:", 0) == 0) return open_sqlite(url.substr(7), options);
  if (url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0) return open_postgres(url, options);
  throw std::invalid_argument("unsupported database URL: " + url);
}

}  // namespace swirl::storage
