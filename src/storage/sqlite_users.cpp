// SQLite backend: users and their tokens (sqlite_backend.hpp has the class).
#include "sqlite_backend.hpp"

namespace swirl::storage::sqlite {

void SqliteDatabase::create_user(const User& u, const std::string& token_hash) {
  auto c = write_lease();
  Statement s(*c,
              "INSERT INTO users (id, display_name, token_hash, created_at, last_seen_at) VALUES (?1, ?2, ?3, ?4, ?5)");
  s.bind(1, u.id)
      .bind(2, u.display_name)
      .bind(3, token_hash)
      .bind(4, u.created_at_ms)
      .bind(5, u.last_seen_at_ms)
      .step();
}

std::optional<User> SqliteDatabase::find_user_by_token_hash(const std::string& token_hash) {
  auto c = acquire();
  Statement s(
      *c, "SELECT id, display_name, created_at, last_seen_at FROM users WHERE token_hash = ?1 AND deleted_at IS NULL");
  s.bind(1, token_hash);
  if (!s.step()) return std::nullopt;
  return read_user(s);
}

std::vector<std::pair<std::string, User>> SqliteDatabase::recent_users(std::size_t limit) {
  auto c = acquire();
  Statement s(*c,
              "SELECT id, display_name, created_at, last_seen_at, token_hash FROM users WHERE deleted_at IS NULL "
              "ORDER BY last_seen_at DESC LIMIT ?1");
  s.bind(1, static_cast<std::int64_t>(limit));
  std::vector<std::pair<std::string, User>> out;
  while (s.step()) out.emplace_back(s.text(4), read_user(s));
  return out;
}

std::optional<User> SqliteDatabase::find_user(const std::string& id) {
  auto c = acquire();
  Statement s(*c, "SELECT id, display_name, created_at, last_seen_at FROM users WHERE id = ?1 AND deleted_at IS NULL");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_user(s);
}

std::optional<User> SqliteDatabase::rename_user(const std::string& id, const std::string& name) {
  auto c = write_lease();
  Statement s(*c,
              "UPDATE users SET display_name = ?2 WHERE id = ?1 RETURNING id, display_name, created_at, last_seen_at");
  s.bind(1, id).bind(2, name);
  if (!s.step()) return std::nullopt;
  User u = read_user(s);
  while (s.step()) {
  }
  return u;
}

void SqliteDatabase::touch_user(const std::string& id, std::int64_t now) {
  auto c = write_lease();
  Statement s(*c, "UPDATE users SET last_seen_at = ?2 WHERE id = ?1");
  s.bind(1, id).bind(2, now).step();
}

bool SqliteDatabase::replace_token_hash(const std::string& id, const std::string& token_hash) {
  auto c = write_lease();
  Statement s(*c, "UPDATE users SET token_hash = ?2 WHERE id = ?1 AND deleted_at IS NULL RETURNING id");
  s.bind(1, id).bind(2, token_hash);
  bool found = s.step();
  while (found && s.step()) {
  }
  return found;
}

Database::DeleteUser SqliteDatabase::delete_user(const std::string& id, const std::string& anon, std::int64_t now) {
  return with_transaction([&](Connection& c) {
    // ?1 = the user, ?2 = the anonymous id, ?3 = now (binding one a statement lacks is a no-op).
    auto run = [&](const char* sql) {
      Statement s(c, sql);
      s.bind(1, id).bind(2, anon).bind(3, now);
      return s.step();
    };
    if (!run("SELECT 1 FROM users WHERE id = ?1 AND deleted_at IS NULL")) return DeleteUser::not_found;
    if (run("SELECT 1 FROM lobbies WHERE owner_id = ?1 AND status <> 'closed'")) return DeleteUser::owns_open_lobbies;
    run("INSERT INTO users (id, display_name, token_hash, created_at, last_seen_at, deleted_at) "
        "SELECT ?2, '', 'deleted:' || ?2, ?3, ?3, ?3");
    run("UPDATE lobbies SET owner_id = ?2 WHERE owner_id = ?1");
    // Pairs keep user_a < user_b (as write_history stores them): taken out, put back renamed.
    std::vector<PairRow> pairs;
    {
      Statement s(c, "SELECT lobby_id, user_a, user_b, last_met_at FROM match_pairs WHERE user_a = ?1 OR user_b = ?1");
      s.bind(1, id);
      while (s.step()) pairs.push_back({s.text(0), s.text(1), s.text(2), s.int64(3)});
    }
    run("DELETE FROM match_pairs WHERE user_a = ?1 OR user_b = ?1");
    for (const auto& p : renamed_pairs(pairs, id, anon)) {
      Statement s(c, "INSERT INTO match_pairs (lobby_id, user_a, user_b, last_met_at) VALUES (?1, ?2, ?3, ?4)");
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
    return DeleteUser::deleted;
  });
}

}  // namespace swirl::storage::sqlite
