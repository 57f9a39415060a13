// PostgreSQL backend: users and their tokens (postgres_backend.hpp has the class).
#include "postgres_backend.hpp"

namespace swirl::storage::postgres {

void PostgresDatabase::create_user(const User& u, const std::string& token_hash) {
  with_transaction([&](pqxx::work& w) {
    w.exec_params(
        "INSERT INTO users (id, display_name, token_hash, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $5)", u.id,
        u.display_name, token_hash, u.created_at_ms, u.last_seen_at_ms);
  });
}

std::optional<User> PostgresDatabase::find_user_by_token_hash(const std::string& token_hash) {
  return with_read_transaction([&](pqxx::read_transaction& w) -> std::optional<User> {
    auto r = w.exec_params(
        "SELECT id, display_name, created_at, last_seen_at FROM users WHERE token_hash = $1 AND deleted_at IS NULL",
        token_hash);
    if (r.empty()) return std::nullopt;
    return read_user(r[0]);
  });
}

std::vector<std::pair<std::string, User>> PostgresDatabase::recent_users(std::size_t limit) {
  return with_read_transaction([&](pqxx::read_transaction& w) {
    auto r = w.exec_params(
        "SELECT id, display_name, created_at, last_seen_at, token_hash FROM users WHERE deleted_at IS NULL "
        "ORDER BY last_seen_at DESC LIMIT $1",
        static_cast<std::int64_t>(limit));
    std::vector<std::pair<std::string, User>> out;
    out.reserve(r.size());
    for (const auto& row : r) out.emplace_back(row[4].as<std::string>(), read_user(row));
    return out;
  });
}

std::optional<User> PostgresDatabase::find_user(const std::string& id) {
  return with_read_transaction([&](pqxx::read_transaction& w) -> std::optional<User> {
    auto r = w.exec_params(
        "SELECT id, display_name, created_at, last_seen_at FROM users WHERE id = $1 AND deleted_at IS NULL", id);
    if (r.empty()) return std::nullopt;
    return read_user(r[0]);
  });
}

std::optional<User> PostgresDatabase::rename_user(const std::string& id, const std::string& name) {
  return with_transaction([&](pqxx::work& w) -> std::optional<User> {
    auto r = w.exec_params(
        "UPDATE users SET display_name = $2 WHERE id = $1 RETURNING id, display_name, created_at, last_seen_at", id,
        name);
    if (r.empty()) return std::nullopt;
    return read_user(r[0]);
  });
}

void PostgresDatabase::touch_user(const std::string& id, std::int64_t now) {
  with_transaction([&](pqxx::work& w) { w.exec_params("UPDATE users SET last_seen_at = $2 WHERE id = $1", id, now); });
}

bool PostgresDatabase::replace_token_hash(const std::string& id, const std::string& token_hash) {
  return with_transaction([&](pqxx::work& w) {
    auto r = w.exec_params("UPDATE users SET token_hash = $2 WHERE id = $1 AND deleted_at IS NULL", id, token_hash);
    return r.affected_rows() > 0;
  });
}

Database::DeleteUser PostgresDatabase::delete_user(const std::string& id, const std::string& anon, std::int64_t now) {
  return with_transaction([&](pqxx::work& w) {
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
    return DeleteUser::deleted;
  });
}

}  // namespace swirl::storage::postgres
