// SQLite backend: migrations and opening (sqlite_backend.hpp has the class; queries are in
// sqlite_users.cpp, sqlite_lobbies.cpp and sqlite_history.cpp).
#include "sqlite_backend.hpp"

namespace swirl::storage::sqlite {

int SqliteDatabase::migrate() {
  // BEGIN IMMEDIATE takes SQLite's write lock first, so two processes migrating at once
  // serialize here and the second finds everything applied.
  return with_transaction([](Connection& c) {
    c.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at "
        "BIGINT NOT NULL)");
    std::vector<int> applied = applied_on(c);
    int count = 0;
    for (const auto& m : migrations_for("sqlite")) {
      if (std::find(applied.begin(), applied.end(), m.version) != applied.end()) continue;
      c.exec(m.sql);
      Statement s(c, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)");
      s.bind(1, std::int64_t{m.version}).bind(2, m.name).bind(3, core::now_ms()).step();
      ++count;
    }
    return count;
  });
}

std::vector<int> SqliteDatabase::applied_migrations() {
  auto c = acquire();
  return applied_on(*c);
}

}  // namespace swirl::storage::sqlite

namespace swirl::storage {

std::unique_ptr<Database> open_sqlite(const std::string& path, const DatabaseOptions& options) {
  return std::make_unique<sqlite::SqliteDatabase>(path, options);
}

std::unique_ptr<Database> open_database(const std::string& url, const DatabaseOptions& options) {
  if (url.rfind("sqlite:", 0) == 0) return open_sqlite(url.substr(7), options);
  if (url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0) return open_postgres(url, options);
  throw std::invalid_argument("unsupported database URL: " + url);
}

}  // namespace swirl::storage
