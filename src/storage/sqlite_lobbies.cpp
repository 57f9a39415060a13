// SQLite backend: lobbies, their owners, members and bans (sqlite_backend.hpp has the class).
#include "sqlite_backend.hpp"

namespace swirl::storage::sqlite {

void SqliteDatabase::create_lobby(const storage::LobbyRecord& l) {
  auto c = write_lease();
  Statement s(*c,
              "INSERT INTO lobbies (id, name, owner_id, settings, status, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  s.bind(1, l.id)
      .bind(2, l.name)
      .bind(3, l.owner_id)
      .bind(4, l.settings.to_json().dump())
      .bind(5, std::string(storage::to_string(l.status)))
      .bind(6, l.created_at_ms)
      .step();
}

std::optional<storage::LobbyRecord> SqliteDatabase::find_lobby(const std::string& id) {
  auto c = acquire();
  Statement s(*c, "SELECT id, name, owner_id, settings, status, created_at FROM lobbies WHERE id = ?1");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_lobby(s);
}

void SqliteDatabase::update_lobby_settings(const std::string& id, const storage::LobbySettings& settings) {
  auto c = write_lease();
  Statement s(*c, "UPDATE lobbies SET settings = ?2 WHERE id = ?1");
  s.bind(1, id).bind(2, settings.to_json().dump()).step();
}

void SqliteDatabase::set_lobby_status(const std::string& id, storage::LobbyStatus status, std::int64_t at) {
  auto c = write_lease();
  Statement s(
      *c,
      "UPDATE lobbies SET status = ?2, closed_at = CASE WHEN ?2 = 'closed' THEN ?3 ELSE closed_at END WHERE id = ?1");
  s.bind(1, id).bind(2, std::string(storage::to_string(status))).bind(3, at).step();
}

void SqliteDatabase::set_lobby_owner(const std::string& id, const std::string& owner) {
  auto c = write_lease();
  Statement s(*c, "UPDATE lobbies SET owner_id = ?2 WHERE id = ?1");
  s.bind(1, id).bind(2, owner).step();
}

bool SqliteDatabase::ban(const std::string& lobby_id, const std::string& user_id, std::int64_t until, std::int64_t now,
                         std::size_t max_bans) {
  return with_transaction([&](Connection& c) {
    // Counted without the expired bans, which are cleared only when the ban is stored: a
    // refused ban writes nothing.
    {
      Statement count(c,
                      "SELECT COUNT(*), COALESCE(SUM(user_id = ?2), 0) FROM lobby_bans "
                      "WHERE lobby_id = ?1 AND banned_until > ?3");
      count.bind(1, lobby_id).bind(2, user_id).bind(3, now);
      count.step();
      const auto running = static_cast<std::size_t>(count.int64(0));
      const bool existing = count.int64(1) > 0;
      if (!existing && running >= max_bans) return false;
    }
    Statement expired(c, "DELETE FROM lobby_bans WHERE lobby_id = ?1 AND banned_until <= ?2");
    expired.bind(1, lobby_id).bind(2, now).step();
    Statement s(c,
                "INSERT INTO lobby_bans (lobby_id, user_id, banned_until) VALUES (?1, ?2, ?3) "
                "ON CONFLICT (lobby_id, user_id) DO UPDATE SET banned_until = excluded.banned_until");
    s.bind(1, lobby_id).bind(2, user_id).bind(3, until).step();
    return true;
  });
}

bool SqliteDatabase::was_member(const std::string& lobby_id, const std::string& user_id) {
  auto c = acquire();
  Statement s(*c, "SELECT 1 FROM lobby_members WHERE lobby_id = ?1 AND user_id = ?2");
  s.bind(1, lobby_id).bind(2, user_id);
  return s.step();
}

std::optional<std::int64_t> SqliteDatabase::banned_until(const std::string& lobby_id, const std::string& user_id) {
  auto c = acquire();
  Statement s(*c, "SELECT banned_until FROM lobby_bans WHERE lobby_id = ?1 AND user_id = ?2");
  s.bind(1, lobby_id).bind(2, user_id);
  if (!s.step()) return std::nullopt;
  return s.int64(0);
}

std::vector<std::pair<std::string, std::int64_t>> SqliteDatabase::load_bans(const std::string& lobby_id,
                                                                            std::int64_t now) {
  auto c = acquire();
  Statement s(*c, "SELECT user_id, banned_until FROM lobby_bans WHERE lobby_id = ?1 AND banned_until > ?2");
  s.bind(1, lobby_id).bind(2, now);
  std::vector<std::pair<std::string, std::int64_t>> out;
  while (s.step()) out.emplace_back(s.text(0), s.int64(1));
  return out;
}

std::vector<BanView> SqliteDatabase::list_bans(const std::string& lobby_id, std::int64_t now) {
  auto c = acquire();
  Statement s(*c,
              "SELECT b.user_id, COALESCE(u.display_name, ''), b.banned_until FROM lobby_bans b "
              "LEFT JOIN users u ON u.id = b.user_id WHERE b.lobby_id = ?1 AND b.banned_until > ?2 "
              "ORDER BY b.banned_until, b.user_id");
  s.bind(1, lobby_id).bind(2, now);
  std::vector<BanView> out;
  while (s.step()) out.push_back(BanView{s.text(0), s.text(1), s.int64(2)});
  return out;
}

bool SqliteDatabase::unban(const std::string& lobby_id, const std::string& user_id, std::int64_t now) {
  auto c = write_lease();
  Statement s(*c, "DELETE FROM lobby_bans WHERE lobby_id = ?1 AND user_id = ?2 RETURNING banned_until > ?3");
  s.bind(1, lobby_id).bind(2, user_id).bind(3, now);
  bool running = false;
  while (s.step()) running = running || s.int64(0) != 0;
  return running;
}

}  // namespace swirl::storage::sqlite
