#include "support/databases.hpp"

#include <sqlite3.h>
#include <pqxx/pqxx>

#include <unistd.h>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "swirl/core/random.hpp"
#include "swirl/storage/database.hpp"
#include "swirl/storage/migrations.hpp"

namespace swirl::test {
namespace {

constexpr std::int64_t kTemplateLockKey = 0x5357'5445'5354;  // serializes template creation
// Named after the number of migrations, so a cluster kept across builds never hands out a
// template with an older schema.
const std::string kTemplateName = "swirl_test_template_" + std::to_string(storage::migrations_for("postgres").size());

std::string admin_url() {
  const char* url = std::getenv("SWIRL_TEST_PG_URL");
  if (!url || !*url)
    throw std::runtime_error(
        "SWIRL_TEST_PG_URL is not set: PostgreSQL tests need the throwaway cluster that scripts/test.sh starts");
  return url;
}

std::string url_for(const std::string& db) {
  std::string base = admin_url();
  auto q = base.find('?');
  std::string query = q == std::string::npos ? "" : base.substr(q);
  base = base.substr(0, q);
  auto slash = base.rfind('/');
  return base.substr(0, slash + 1) + db + query;
}

std::string new_name() {
  std::string id = core::new_id(9);
  std::string name = "t_";
  for (char c : id) name += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '_';
  return name;
}

// The migrated template, created once per cluster (the cluster lives for one test run) by
// whichever test gets there first; the advisory lock makes the others wait for it.
void ensure_template() {
  static std::atomic<bool> done{false};
  if (done) return;
  pqxx::connection admin(admin_url());
  pqxx::nontransaction w(admin);
  w.exec_params("SELECT pg_advisory_lock($1)", kTemplateLockKey);
  try {
    auto r = w.exec_params("SELECT 1 FROM pg_database WHERE datname = $1", kTemplateName);
    if (r.empty()) {
      w.exec("CREATE DATABASE " + kTemplateName + "_build");
      {
        auto db = storage::open_database(url_for(kTemplateName + "_build"), storage::DatabaseOptions{});
        db->migrate();
      }
      w.exec("ALTER DATABASE " + kTemplateName + "_build RENAME TO " + kTemplateName);
    }
    w.exec_params("SELECT pg_advisory_unlock($1)", kTemplateLockKey);
  } catch (...) {
    w.exec_params("SELECT pg_advisory_unlock($1)", kTemplateLockKey);
    throw;
  }
  done = true;
}

}  // namespace

std::string temp_dir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "swirl-test-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

std::string fresh_database_url(Backend backend, bool migrated) {
  if (backend == Backend::sqlite) return "sqlite:" + temp_dir() + "/swirl.db";
  std::string name = new_name();
  if (migrated) {
    ensure_template();
    // CREATE DATABASE ... TEMPLATE fails while anyone is connected to the template; the only
    // connections to it are the migrators above, which have closed before the lock is freed.
    for (int attempt = 0;; ++attempt) {
      try {
        pg_admin_exec("CREATE DATABASE " + name + " TEMPLATE " + kTemplateName);
        break;
      } catch (const pqxx::sql_error& e) {
        if (attempt >= 50 || std::string(e.what()).find("being accessed") == std::string::npos) throw;
        usleep(100'000);
      }
    }
  } else {
    pg_admin_exec("CREATE DATABASE " + name);
  }
  return url_for(name);
}

void pg_admin_exec(const std::string& sql) {
  pqxx::connection admin(admin_url());
  pqxx::nontransaction w(admin);
  w.exec(sql);
}

namespace {
// Opens the SQLite file of a sqlite: URL (with the server's busy timeout, as it may be writing).
sqlite3* open_sqlite_file(const std::string& url) {
  sqlite3* db = nullptr;
  if (sqlite3_open(url.substr(7).c_str(), &db) != SQLITE_OK) {
    sqlite3_close(db);
    throw std::runtime_error("cannot open " + url);
  }
  sqlite3_busy_timeout(db, 5000);
  return db;
}
}  // namespace

void exec_sql(const std::string& database_url, const std::string& sql) {
  if (database_url.rfind("sqlite:", 0) == 0) {
    sqlite3* db = open_sqlite_file(database_url);
    char* err = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    std::string msg = err ? err : "";
    sqlite3_free(err);
    sqlite3_close(db);
    if (rc != SQLITE_OK) throw std::runtime_error("sqlite: " + msg);
    return;
  }
  pqxx::connection c(database_url);
  pqxx::nontransaction w(c);
  w.exec(sql);
}

std::int64_t query_int(const std::string& database_url, const std::string& sql) {
  if (database_url.rfind("sqlite:", 0) == 0) {
    sqlite3* db = open_sqlite_file(database_url);
    sqlite3_stmt* stmt = nullptr;
    std::int64_t out = 0;
    bool ok = sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW;
    if (ok) out = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    if (!ok) throw std::runtime_error("sqlite query failed: " + sql);
    return out;
  }
  pqxx::connection c(database_url);
  pqxx::nontransaction w(c);
  return w.exec(sql)[0][0].as<std::int64_t>();
}

std::string pg_database_name(const std::string& url) {
  auto q = url.find('?');
  std::string base = url.substr(0, q);
  return base.substr(base.rfind('/') + 1);
}

}  // namespace swirl::test
