// PostgreSQL backend: blocks and reports (issue 17; postgres_backend.hpp has the class).
#include "postgres_backend.hpp"

namespace swirl::storage::postgres {

BlockStored PostgresDatabase::block_user(const std::string& blocker, const std::string& blocked, std::int64_t now,
                                         std::size_t max_blocks) {
  return with_transaction([&](pqxx::work& w) {
    // One blocker's blocks are counted and added one caller at a time: their user row is the lock.
    w.exec_params("SELECT 1 FROM users WHERE id = $1 FOR UPDATE", blocker);
    auto r =
        w.exec_params("SELECT COUNT(*), COUNT(*) FILTER (WHERE blocked_id = $2) FROM user_blocks WHERE blocker_id = $1",
                      blocker, blocked);
    if (r[0][1].as<std::int64_t>() > 0) return BlockStored::existing;
    if (static_cast<std::size_t>(r[0][0].as<std::int64_t>()) >= max_blocks) return BlockStored::too_many;
    auto added = w.exec_params(
        "INSERT INTO user_blocks (blocker_id, blocked_id, created_at) SELECT $1, $2, $3 "
        "WHERE EXISTS (SELECT 1 FROM users WHERE id = $2 AND deleted_at IS NULL) ON CONFLICT DO NOTHING",
        blocker, blocked, now);
    if (added.affected_rows() == 0) return BlockStored::no_user;
    return BlockStored::stored;
  });
}

std::vector<std::string> PostgresDatabase::load_blocks(const std::string& user_id) {
  return with_read_transaction([&](pqxx::read_transaction& w) {
    std::vector<std::string> out;
    for (const auto& r : w.exec_params("SELECT blocked_id FROM user_blocks WHERE blocker_id = $1 "
                                       "UNION SELECT blocker_id FROM user_blocks WHERE blocked_id = $1",
                                       user_id))
      out.push_back(r[0].as<std::string>());
    return out;
  });
}

std::vector<std::string> PostgresDatabase::users_with_blocks() {
  return with_read_transaction([&](pqxx::read_transaction& w) {
    std::vector<std::string> out;
    for (const auto& r : w.exec("SELECT blocker_id FROM user_blocks UNION SELECT blocked_id FROM user_blocks"))
      out.push_back(r[0].as<std::string>());
    return out;
  });
}

bool PostgresDatabase::add_report(const ReportRecord& r, std::size_t max_per_hour) {
  return with_transaction([&](pqxx::work& w) {
    // One reporter's reports are counted and added one caller at a time: their user row is the lock.
    w.exec_params("SELECT 1 FROM users WHERE id = $1 FOR UPDATE", r.reporter_id);
    auto n =
        w.exec_params("SELECT COUNT(*) FROM lobby_reports WHERE reporter_id = $1 AND lobby_id = $2 AND created_at > $3",
                      r.reporter_id, r.lobby_id, r.created_at_ms - kReportWindowMs)[0][0]
            .as<std::int64_t>();
    if (static_cast<std::size_t>(n) >= max_per_hour) return false;
    w.exec_params(
        "INSERT INTO lobby_reports (id, lobby_id, reporter_id, reported_id, reason, details, match_id, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        r.id, r.lobby_id, r.reporter_id, r.reported_id, r.reason, r.details, r.match_id ? r.match_id->c_str() : nullptr,
        r.created_at_ms);
    return true;
  });
}

std::vector<ReportView> PostgresDatabase::load_reports(const std::string& lobby_id, std::size_t limit) {
  return with_read_transaction([&](pqxx::read_transaction& w) {
    std::vector<ReportView> out;
    for (const auto& row : w.exec_params("SELECT r.id, r.reporter_id, COALESCE(a.display_name, ''), r.reported_id, "
                                         "COALESCE(b.display_name, ''), r.reason, r.details, r.match_id, r.created_at "
                                         "FROM lobby_reports r LEFT JOIN users a ON a.id = r.reporter_id "
                                         "LEFT JOIN users b ON b.id = r.reported_id "
                                         "WHERE r.lobby_id = $1 ORDER BY r.created_at DESC, r.id DESC LIMIT $2",
                                         lobby_id, static_cast<std::int64_t>(limit))) {
      ReportView v;
      v.report.id = row[0].as<std::string>();
      v.report.lobby_id = lobby_id;
      v.report.reporter_id = row[1].as<std::string>();
      v.reporter_name = row[2].as<std::string>();
      v.report.reported_id = row[3].as<std::string>();
      v.reported_name = row[4].as<std::string>();
      v.report.reason = row[5].as<std::string>();
      v.report.details = row[6].as<std::string>();
      if (!row[7].is_null()) v.report.match_id = row[7].as<std::string>();
      v.report.created_at_ms = row[8].as<std::int64_t>();
      out.push_back(std::move(v));
    }
    return out;
  });
}

bool PostgresDatabase::delete_report(const std::string& lobby_id, const std::string& report_id) {
  return with_transaction([&](pqxx::work& w) {
    auto r = w.exec_params("DELETE FROM lobby_reports WHERE lobby_id = $1 AND id = $2", lobby_id, report_id);
    return r.affected_rows() > 0;
  });
}

}  // namespace swirl::storage::postgres
