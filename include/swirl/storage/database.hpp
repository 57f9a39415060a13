#pragma once
// The storage interface. Two backends implement it, chosen by the database URL: PostgreSQL
// (libpqxx, the production store) and SQLite (the embedded default). Every method blocks, so
// it is only ever called on the BlockingPool; implementations are safe to call from several
// pool threads at once (each holds a small connection pool).

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace swirl::storage {

// The database cannot be reached right now; the HTTP layer answers 503.
class DatabaseUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A unique constraint was violated (e.g. an id collision); callers decide what it means.
class Conflict : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct User {
  std::string id;
  std::string display_name;
  std::int64_t created_at_ms = 0;
  std::int64_t last_seen_at_ms = 0;
};

class Database {
 public:
  virtual ~Database() = default;

  virtual std::string backend() const = 0;  // "postgres" or "sqlite"

  // Applies every pending embedded migration in one transaction, serialized across processes.
  // Returns how many were applied now.
  virtual int migrate() = 0;
  virtual std::vector<int> applied_migrations() = 0;

  // Users. token_hash is the hex SHA-256 of the bearer token; the token itself is never stored.
  virtual void create_user(const User& user, const std::string& token_hash) = 0;
  virtual std::optional<User> find_user_by_token_hash(const std::string& token_hash) = 0;
  virtual std::optional<User> find_user(const std::string& id) = 0;
  virtual std::optional<User> rename_user(const std::string& id, const std::string& display_name) = 0;
  virtual void touch_user(const std::string& id, std::int64_t now_ms) = 0;
};

struct DatabaseOptions {
  unsigned pool_size = 4;
  std::int64_t unavailable_backoff_ms = 1000;
};

// Opens (and does not migrate) the database named by url: postgres://... or sqlite:PATH.
std::unique_ptr<Database> open_database(const std::string& url, const DatabaseOptions& options);

std::int64_t now_ms();

}  // namespace swirl::storage
