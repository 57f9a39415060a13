#pragma once
// SQLite backend: the embedded default. WAL mode, so readers do not block the writer. Reads use
// one connection per pool thread; every write (an autocommit statement or a transaction) uses the
// one writer connection, in turn (SqliteDatabase::write_lease). Another process writing the same
// file serializes with it on SQLite's own lock, with a busy timeout.
// Private to src/storage: the class and its connection helpers, shared by sqlite_database.cpp
// (pool, migrations, opening), sqlite_users.cpp (users and tokens), sqlite_lobbies.cpp (lobbies,
// owners, members and bans), sqlite_history.cpp (match history) and sqlite_safety.cpp (blocks
// and reports).

#include "backends.hpp"

#include <sqlite3.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string_view>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "swirl/core/clock.hpp"
#include "swirl/core/metrics.hpp"
#include "swirl/storage/migrations.hpp"

#include <nlohmann/json.hpp>

namespace swirl::storage::sqlite {

constexpr int kBusyTimeoutMs = 5000;  // how long a writer waits for SQLite's lock

// Page cache per connection, in KiB. A reader's: 512 KiB (SQLite's default is 2 MiB); the pool has
// one reader per thread, every commit by another connection empties a reader's cache anyway, and
// the operating system caches the file. The writer's: SQLite's default 2 MiB. Nothing else in
// this process writes, so its cache stays valid from one transaction to the next, and the index
// pages that each batch of join records updates (keyed by random ids) stay in memory instead of
// being read again with pread for every batch.
constexpr int kReaderCacheKiB = 512;
constexpr int kWriterCacheKiB = 2048;

class Connection {
 public:
  Connection(const std::string& path, int cache_kib) {
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
      exec("PRAGMA cache_size=-" + std::to_string(cache_kib));
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

inline User read_user(Statement& s) { return User{s.text(0), s.text(1), s.int64(2), s.int64(3)}; }

inline storage::LobbyRecord read_lobby(Statement& s) {
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
    writer_ = std::make_unique<Connection>(path_, kWriterCacheKiB);
    for (unsigned i = 0; i < std::max(1u, options.pool_size); ++i)
      free_.push_back(std::make_unique<Connection>(path_, kReaderCacheKiB));
  }

  std::string backend() const override { return "sqlite"; }

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

  // The writer connection, held (writer_mu_) for one write: an autocommit statement, or a
  // with_transaction body. Every write in this process goes through it.
  class WriterLease {
   public:
    explicit WriterLease(SqliteDatabase& db) : lock_(db.writer_mu_), c_(*db.writer_) {}
    Connection* operator->() { return &c_; }
    Connection& operator*() { return c_; }

   private:
    std::unique_lock<std::mutex> lock_;
    core::ScopedTimer timer_{core::metrics().db_call};  // the call's time holding the connection
    Connection& c_;
  };
  WriterLease write_lease() { return WriterLease(*this); }

  // Runs fn(connection) in one write transaction on the writer connection: committed when fn
  // returns, rolled back when it throws (the exception goes on). Writes take turns on writer_mu_,
  // so two pool threads never meet on SQLite's lock (where the second would sleep in
  // SQLite's busy handler, 1 ms and more at a time, instead of waking when the first commits).
  // BEGIN IMMEDIATE still takes SQLite's write lock first (another process may share the file),
  // so a body that reads then writes (count, then insert) sees no other writer between the two.
  // A body that decides to write nothing just returns: its empty transaction commits. fn must not
  // start another write transaction (it would wait for itself).
  template <class F>
  auto with_transaction(F&& fn) -> std::invoke_result_t<F&, Connection&> {
    auto c = write_lease();
    c->exec("BEGIN IMMEDIATE");
    try {
      if constexpr (std::is_void_v<std::invoke_result_t<F&, Connection&>>) {
        fn(*c);
        c->exec("COMMIT");
      } else {
        auto result = fn(*c);
        c->exec("COMMIT");
        return result;
      }
    } catch (...) {
      try {
        c->exec("ROLLBACK");
      } catch (...) {  // a failed ROLLBACK too: the first error is the one to report
      }
      throw;
    }
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
  std::mutex writer_mu_;                // held for each write
  std::unique_ptr<Connection> writer_;  // every write's connection
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> free_;  // readers not in use
};

}  // namespace swirl::storage::sqlite
