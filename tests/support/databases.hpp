#pragma once
// Fresh databases for tests. SQLite: a new file in a new temp directory. PostgreSQL: a new
// database on the throwaway cluster named by SWIRL_TEST_PG_URL (started by scripts/test.sh),
// created from a migrated template so each test starts from the current schema in milliseconds.

#include <cstdint>
#include <string>

namespace swirl::test {

enum class Backend { sqlite, postgres };

struct SqliteBackend {
  static constexpr Backend value = Backend::sqlite;
};
struct PostgresBackend {
  static constexpr Backend value = Backend::postgres;
};

// A database URL for a brand-new database. migrated=false gives an empty database (for the
// migration tests); migrated=true one with every migration applied.
std::string fresh_database_url(Backend backend, bool migrated = true);

// Admin SQL against the test cluster's maintenance database (postgres only).
void pg_admin_exec(const std::string& sql);
// The database name in a postgres:// URL.
std::string pg_database_name(const std::string& url);

// Runs SQL on a test database behind the server's back (either backend), e.g. to change a row
// the server may have cached. query_int returns the first column of the first row.
void exec_sql(const std::string& database_url, const std::string& sql);
std::int64_t query_int(const std::string& database_url, const std::string& sql);

std::string temp_dir();

}  // namespace swirl::test
