// SQLite backend: match history (sqlite_backend.hpp has the class).
#include "sqlite_backend.hpp"

namespace swirl::storage::sqlite {

std::vector<storage::PairRecord> SqliteDatabase::load_pairs(const std::string& lobby_id) {
  auto c = acquire();
  Statement s(*c, "SELECT user_a, user_b, last_met_at FROM match_pairs WHERE lobby_id = ?1");
  s.bind(1, lobby_id);
  std::vector<storage::PairRecord> out;
  while (s.step()) out.push_back({s.text(0), s.text(1), s.int64(2)});
  return out;
}

void SqliteDatabase::write_history(const std::vector<HistoryEvent>& events) {
  if (events.empty()) return;
  with_transaction([&](Connection& c) {
    Statement insert(c, "INSERT INTO matches (id, lobby_id, members, created_at) VALUES (?1, ?2, ?3, ?4)");
    Statement pair(c,
                   "INSERT INTO match_pairs (lobby_id, user_a, user_b, last_met_at) VALUES (?1, ?2, ?3, ?4) "
                   "ON CONFLICT (lobby_id, user_a, user_b) DO UPDATE SET last_met_at = excluded.last_met_at");
    Statement end(c, "UPDATE matches SET ended_at = ?2, end_reason = ?3 WHERE id = ?1 AND ended_at IS NULL");
    Statement joined(c,
                     "INSERT INTO lobby_members (lobby_id, user_id, first_joined_at) VALUES (?1, ?2, ?3) "
                     "ON CONFLICT (lobby_id, user_id) DO NOTHING");
    Statement seen(c, "UPDATE users SET last_seen_at = MAX(last_seen_at, ?2) WHERE id = ?1");
    for (const auto& e : events) {
      if (e.kind == HistoryEvent::Kind::user_seen) {
        seen.bind(1, e.members.at(0)).bind(2, e.at_ms).step();
        seen.reset();
        continue;
      }
      if (e.kind == HistoryEvent::Kind::member_joined) {
        joined.bind(1, e.lobby_id).bind(2, e.members.at(0)).bind(3, e.at_ms).step();
        joined.reset();
        continue;
      }
      if (e.kind == HistoryEvent::Kind::match_ended) {
        end.bind(1, e.match_id).bind(2, e.at_ms).bind(3, e.end_reason).step();
        end.reset();
        continue;
      }
      if (e.kind == HistoryEvent::Kind::match_started) {
        insert.bind(1, e.match_id)
            .bind(2, e.lobby_id)
            .bind(3, nlohmann::json(e.members).dump())
            .bind(4, e.at_ms)
            .step();
        insert.reset();
        if (!e.with_pairs) continue;
      }
      const auto& members = e.members;
      for (std::size_t i = 0; i < members.size(); ++i)
        for (std::size_t j = i + 1; j < members.size(); ++j) {
          pair.bind(1, e.lobby_id)
              .bind(2, std::min(members[i], members[j]))
              .bind(3, std::max(members[i], members[j]))
              .bind(4, e.at_ms)
              .step();
          pair.reset();
        }
    }
  });
}

std::int64_t SqliteDatabase::count_matches(const std::string& lobby_id) {
  auto c = acquire();
  Statement s(*c, "SELECT COUNT(*) FROM matches WHERE lobby_id = ?1");
  s.bind(1, lobby_id);
  s.step();
  return s.int64(0);
}

}  // namespace swirl::storage::sqlite
