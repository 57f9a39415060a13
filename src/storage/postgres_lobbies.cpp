// PostgreSQL backend: lobbies, their owners, members and bans (postgres_backend.hpp has the class).
#include "postgres_backend.hpp"

namespace swirl::storage::postgres {

void PostgresDatabase::create_lobby(const storage::LobbyRecord& l) {
  with_transaction([&](pqxx::work& w) {
    w.exec_params(
        "INSERT INTO lobbies (id, name, owner_id, settings, status, created_at) VALUES ($1, $2, $3, $4, $5, $6)", l.id,
        l.name, l.owner_id, l.settings.to_json().dump(), std::string(storage::to_string(l.status)), l.created_at_ms);
  });
}

std::optional<storage::LobbyRecord> PostgresDatabase::find_lobby(const std::string& id) {
  return with_read_transaction([&](pqxx::read_transaction& w) -> std::optional<storage::LobbyRecord> {
    auto r = w.exec_params("SELECT id, name, owner_id, settings, status, created_at FROM lobbies WHERE id = $1", id);
    if (r.empty()) return std::nullopt;
    return read_lobby(r[0]);
  });
}

void PostgresDatabase::update_lobby_settings(const std::string& id, const storage::LobbySettings& settings) {
  exec_write("UPDATE lobbies SET settings = $2 WHERE id = $1", id, settings.to_json().dump());
}

void PostgresDatabase::set_lobby_status(const std::string& id, storage::LobbyStatus status, std::int64_t at) {
  exec_write(
      "UPDATE lobbies SET status = $2, closed_at = CASE WHEN $2 = 'closed' THEN $3 ELSE closed_at END WHERE id = $1",
      id, std::string(storage::to_string(status)), at);
}

void PostgresDatabase::set_lobby_owner(const std::string& id, const std::string& owner) {
  exec_write("UPDATE lobbies SET owner_id = $2 WHERE id = $1", id, owner);
}

bool PostgresDatabase::ban(const std::string& lobby_id, const std::string& user_id, std::int64_t until,
                           std::int64_t now, std::size_t max_bans) {
  return with_transaction([&](pqxx::work& w) {
    // Bans of one lobby are counted and changed one caller at a time: the lobby row is the lock.
    w.exec_params("SELECT 1 FROM lobbies WHERE id = $1 FOR UPDATE", lobby_id);
    // Counted without the expired bans, which are cleared only when the ban is stored: a
    // refused ban writes nothing.
    auto r = w.exec_params(
        "SELECT COUNT(*), COUNT(*) FILTER (WHERE user_id = $2) FROM lobby_bans WHERE lobby_id = $1 AND banned_until > "
        "$3",
        lobby_id, user_id, now);
    const bool existing = r[0][1].as<std::int64_t>() > 0;
    if (!existing && static_cast<std::size_t>(r[0][0].as<std::int64_t>()) >= max_bans) return false;
    w.exec_params("DELETE FROM lobby_bans WHERE lobby_id = $1 AND banned_until <= $2", lobby_id, now);
    w.exec_params(
        "INSERT INTO lobby_bans (lobby_id, user_id, banned_until) VALUES ($1, $2, $3) "
        "ON CONFLICT (lobby_id, user_id) DO UPDATE SET banned_until = excluded.banned_until",
        lobby_id, user_id, until);
    return true;
  });
}

bool PostgresDatabase::was_member(const std::string& lobby_id, const std::string& user_id) {
  return with_read_transaction([&](pqxx::read_transaction& w) {
    return !w.exec_params("SELECT 1 FROM lobby_members WHERE lobby_id = $1 AND user_id = $2", lobby_id, user_id)
                .empty();
  });
}

std::optional<std::int64_t> PostgresDatabase::banned_until(const std::string& lobby_id, const std::string& user_id) {
  return with_read_transaction([&](pqxx::read_transaction& w) -> std::optional<std::int64_t> {
    auto r =
        w.exec_params("SELECT banned_until FROM lobby_bans WHERE lobby_id = $1 AND user_id = $2", lobby_id, user_id);
    if (r.empty()) return std::nullopt;
    return r[0][0].as<std::int64_t>();
  });
}

std::vector<std::pair<std::string, std::int64_t>> PostgresDatabase::load_bans(const std::string& lobby_id,
                                                                              std::int64_t now) {
  return with_read_transaction([&](pqxx::read_transaction& w) {
    std::vector<std::pair<std::string, std::int64_t>> out;
    for (const auto& r : w.exec_params(
             "SELECT user_id, banned_until FROM lobby_bans WHERE lobby_id = $1 AND banned_until > $2", lobby_id, now))
      out.emplace_back(r[0].as<std::string>(), r[1].as<std::int64_t>());
    return out;
  });
}

std::vector<BanView> PostgresDatabase::list_bans(const std::string& lobby_id, std::int64_t now) {
  return with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction w(c);
    std::vector<BanView> out;
    for (const auto& r : w.exec_params("SELECT b.user_id, COALESCE(u.display_name, ''), b.banned_until "
                                       "FROM lobby_bans b LEFT JOIN users u ON u.id = b.user_id "
                                       "WHERE b.lobby_id = $1 AND b.banned_until > $2 "
                                       "ORDER BY b.banned_until, b.user_id",
                                       lobby_id, now))
      out.push_back(BanView{r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::int64_t>()});
    return out;
  });
}

bool PostgresDatabase::unban(const std::string& lobby_id, const std::string& user_id, std::int64_t now) {
  return with_connection([&](pqxx::connection& c) {
    pqxx::work w(c);
    auto r = w.exec_params("DELETE FROM lobby_bans WHERE lobby_id = $1 AND user_id = $2 RETURNING banned_until > $3",
                           lobby_id, user_id, now);
    w.commit();
    return !r.empty() && r[0][0].as<bool>();
  });
}

}  // namespace swirl::storage::postgres
