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
#include <utility>
#include <vector>

#include "swirl/storage/records.hpp"
#include "swirl/storage/safety_records.hpp"

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
  // The `limit` users seen most recently (not deleted), newest first, each with its token hash:
  // what App puts in the token cache at start (auth/token_cache.hpp).
  virtual std::vector<std::pair<std::string, User>> recent_users(std::size_t limit) = 0;
  // Sign out everywhere: the user's token hash becomes `token_hash`, so the old token stops
  // working. False when there is no such user.
  virtual bool replace_token_hash(const std::string& id, const std::string& token_hash) = 0;
  // Deletes a user in one transaction: a tombstone user `anonymous_id` (deleted_at = now_ms, no
  // name, no usable token hash) takes the user's place in match_pairs, matches.members and as
  // owner of their lobbies; their bans, lobby memberships, blocks (either way) and reports (made or about them) go;
  // then the user row. Refused (owns_open_lobbies, nothing changed) while they own a lobby that is not closed.
  enum class DeleteUser { deleted, not_found, owns_open_lobbies };
  virtual DeleteUser delete_user(const std::string& id, const std::string& anonymous_id, std::int64_t now_ms) = 0;

  // Lobbies.
  virtual void create_lobby(const storage::LobbyRecord& lobby) = 0;
  virtual std::optional<storage::LobbyRecord> find_lobby(const std::string& id) = 0;
  // Every pair that has met in the lobby (the matcher's history).
  virtual std::vector<storage::PairRecord> load_pairs(const std::string& lobby_id) = 0;
  // Applies the events in order, in one transaction: a started match inserts its row and
  // upserts its pairs (when with_pairs); pairs_met upserts them; an ended match sets ended_at and
  // end_reason (once).
  virtual void write_history(const std::vector<HistoryEvent>& events) = 0;

  // Owner actions.
  virtual void update_lobby_settings(const std::string& lobby_id, const storage::LobbySettings& settings) = 0;
  virtual void set_lobby_status(const std::string& lobby_id, storage::LobbyStatus status, std::int64_t at_ms) = 0;
  virtual void set_lobby_owner(const std::string& lobby_id, const std::string& owner_id) = 0;
  // Stores (or moves) a ban, in one transaction: bans that ended by now_ms are deleted first,
  // and a new ban is refused (false) when the lobby already has max_bans running. Changing an
  // existing ban is always allowed.
  virtual bool ban(const std::string& lobby_id, const std::string& user_id, std::int64_t until_ms, std::int64_t now_ms,
                   std::size_t max_bans) = 0;
  // Whether the user has ever joined the lobby (lobby_members: write_history stores a
  // member_joined event, which the WebSocket upgrade writes on a user's first join).
  virtual bool was_member(const std::string& lobby_id, const std::string& user_id) = 0;
  // When the user's ban in the lobby ends (Unix ms), if there is one.
  virtual std::optional<std::int64_t> banned_until(const std::string& lobby_id, const std::string& user_id) = 0;
  // Every ban in the lobby that has not ended by now_ms: (user id, banned until).
  virtual std::vector<std::pair<std::string, std::int64_t>> load_bans(const std::string& lobby_id,
                                                                      std::int64_t now_ms) = 0;
  // The same bans for the owner's list, with each user's current display name, the ban that
  // ends first first.
  virtual std::vector<BanView> list_bans(const std::string& lobby_id, std::int64_t now_ms) = 0;
  // Lifts the user's ban in the lobby; false when no ban of theirs is running at now_ms (an
  // ended one is deleted all the same).
  virtual bool unban(const std::string& lobby_id, const std::string& user_id, std::int64_t now_ms) = 0;
  virtual std::int64_t count_matches(const std::string& lobby_id) = 0;

  // Safety (issue 17; lobby/safety.hpp). Stores that `blocker` blocked `blocked`, in one
  // transaction: refused (too_many) when the blocker holds max_blocks already, unless the block
  // exists (existing: nothing changes).
  virtual BlockStored block_user(const std::string& blocker, const std::string& blocked, std::int64_t now_ms,
                                 std::size_t max_blocks) = 0;
  // Everyone `user_id` has blocked or has been blocked by (either way, the pair is kept apart).
  virtual std::vector<std::string> load_blocks(const std::string& user_id) = 0;
  // Every user who blocked someone or was blocked (lobby/blocked_users.hpp loads it at start).
  virtual std::vector<std::string> users_with_blocks() = 0;
  // Stores a report, in one transaction; refused (false) when the reporter made max_per_hour
  // reports in this lobby in the hour before its created_at.
  virtual bool add_report(const ReportRecord& report, std::size_t max_per_hour) = 0;
  // The lobby's reports, newest first, at most `limit`.
  virtual std::vector<ReportView> load_reports(const std::string& lobby_id, std::size_t limit) = 0;
  // Dismisses (deletes) one of the lobby's reports; false when the lobby has no such report.
  virtual bool delete_report(const std::string& lobby_id, const std::string& report_id) = 0;
};

struct DatabaseOptions {
  unsigned pool_size = 4;
  std::int64_t unavailable_backoff_ms = 1000;
};

// Opens (and does not migrate) the database named by url: postgres://... or sqlite:PATH.
std::unique_ptr<Database> open_database(const std::string& url, const DatabaseOptions& options);

}  // namespace swirl::storage
