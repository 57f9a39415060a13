// PostgreSQL backend: match history (postgres_backend.hpp has the class).
#include "postgres_backend.hpp"

namespace swirl::storage::postgres {

std::vector<storage::PairRecord> PostgresDatabase::load_pairs(const std::string& lobby_id) {
  return with_read_transaction([&](pqxx::read_transaction& w) {
    std::vector<storage::PairRecord> out;
    for (const auto& r :
         w.exec_params("SELECT user_a, user_b, last_met_at FROM match_pairs WHERE lobby_id = $1", lobby_id))
      out.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::int64_t>()});
    return out;
  });
}

void PostgresDatabase::write_history(const std::vector<HistoryEvent>& events) {
  if (events.empty()) return;
  with_transaction([&](pqxx::work& w) {
    for (const auto& e : events) {
      if (e.kind == HistoryEvent::Kind::user_seen) {
        w.exec_params("UPDATE users SET last_seen_at = GREATEST(last_seen_at, $2) WHERE id = $1", e.members.at(0),
                      e.at_ms);
        continue;
      }
      if (e.kind == HistoryEvent::Kind::member_joined) {
        w.exec_params(
            "INSERT INTO lobby_members (lobby_id, user_id, first_joined_at) VALUES ($1, $2, $3) "
            "ON CONFLICT (lobby_id, user_id) DO NOTHING",
            e.lobby_id, e.members.at(0), e.at_ms);
        continue;
      }
      if (e.kind == HistoryEvent::Kind::match_ended) {
        w.exec_params("UPDATE matches SET ended_at = $2, end_reason = $3 WHERE id = $1 AND ended_at IS NULL",
                      e.match_id, e.at_ms, e.end_reason);
        continue;
      }
      if (e.kind == HistoryEvent::Kind::match_started) {
        w.exec_params("INSERT INTO matches (id, lobby_id, members, created_at) VALUES ($1, $2, $3, $4)", e.match_id,
                      e.lobby_id, nlohmann::json(e.members).dump(), e.at_ms);
        if (!e.with_pairs) continue;
      }
      const auto& members = e.members;
      for (std::size_t i = 0; i < members.size(); ++i)
        for (std::size_t j = i + 1; j < members.size(); ++j)
          w.exec_params(
              "INSERT INTO match_pairs (lobby_id, user_a, user_b, last_met_at) VALUES ($1, $2, $3, $4) "
              "ON CONFLICT (lobby_id, user_a, user_b) DO UPDATE SET last_met_at = excluded.last_met_at",
              e.lobby_id, std::min(members[i], members[j]), std::max(members[i], members[j]), e.at_ms);
    }
  });
}

std::int64_t PostgresDatabase::count_matches(const std::string& lobby_id) {
  return with_read_transaction([&](pqxx::read_transaction& w) {
    return w.exec_params("SELECT COUNT(*) FROM matches WHERE lobby_id = $1", lobby_id)[0][0].as<std::int64_t>();
  });
}

}  // namespace swirl::storage::postgres
