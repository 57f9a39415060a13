// PostgreSQL backend: migrations and opening (postgres_backend.hpp has the class; queries are in
// postgres_users.cpp, postgres_lobbies.cpp and postgres_history.cpp).
#include "postgres_backend.hpp"

namespace swirl::storage::postgres {

int PostgresDatabase::migrate() {
  return with_transaction([&](pqxx::work& w) {
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
      w.exec_params("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", m.version, m.name,
                    core::now_ms());
      ++count;
    }
    return count;
  });
}

std::vector<int> PostgresDatabase::applied_migrations() {
  return with_read_transaction([&](pqxx::read_transaction& w) {
    std::vector<int> out;
    auto exists = w.exec("SELECT to_regclass('schema_migrations') IS NOT NULL");
    if (!exists[0][0].as<bool>()) return out;
    for (const auto& r : w.exec("SELECT version FROM schema_migrations ORDER BY version"))
      out.push_back(r[0].as<int>());
    return out;
  });
}

}  // namespace swirl::storage::postgres

namespace swirl::storage {

std::unique_ptr<Database> open_postgres(const std::string& url, const DatabaseOptions& options) {
  return std::make_unique<postgres::PostgresDatabase>(url, options);
}

}  // namespace swirl::storage
