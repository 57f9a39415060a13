// SQLite backend: blocks and reports (issue 17; sqlite_backend.hpp has the class).
#include "sqlite_backend.hpp"

namespace swirl::storage::sqlite {

BlockStored SqliteDatabase::block_user(const std::string& blocker, const std::string& blocked, std::int64_t now,
                                       std::size_t max_blocks) {
  return with_transaction([&](Connection& c) {
    {
      Statement count(c, "SELECT COUNT(*), COALESCE(SUM(blocked_id = ?2), 0) FROM user_blocks WHERE blocker_id = ?1");
      count.bind(1, blocker).bind(2, blocked);
      count.step();
      if (count.int64(1) > 0) return BlockStored::existing;
      if (static_cast<std::size_t>(count.int64(0)) >= max_blocks) return BlockStored::too_many;
    }
    Statement s(c,
                "INSERT INTO user_blocks (blocker_id, blocked_id, created_at) SELECT ?1, ?2, ?3 "
                "WHERE EXISTS (SELECT 1 FROM users WHERE id = ?2 AND deleted_at IS NULL) RETURNING 1");
    s.bind(1, blocker).bind(2, blocked).bind(3, now);
    return s.step() ? BlockStored::stored : BlockStored::no_user;
  });
}

std::vector<std::string> SqliteDatabase::load_blocks(const std::string& user_id) {
  auto c = acquire();
  Statement s(*c,
              "SELECT blocked_id FROM user_blocks WHERE blocker_id = ?1 "
              "UNION SELECT blocker_id FROM user_blocks WHERE blocked_id = ?1");
  s.bind(1, user_id);
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.text(0));
  return out;
}

std::vector<std::string> SqliteDatabase::users_with_blocks() {
  auto c = acquire();
  Statement s(*c, "SELECT blocker_id FROM user_blocks UNION SELECT blocked_id FROM user_blocks");
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.text(0));
  return out;
}

bool SqliteDatabase::add_report(const ReportRecord& r, std::size_t max_per_hour) {
  return with_transaction([&](Connection& c) {
    {
      Statement count(
          c, "SELECT COUNT(*) FROM lobby_reports WHERE reporter_id = ?1 AND lobby_id = ?2 AND created_at > ?3");
      count.bind(1, r.reporter_id).bind(2, r.lobby_id).bind(3, r.created_at_ms - kReportWindowMs);
      count.step();
      if (static_cast<std::size_t>(count.int64(0)) >= max_per_hour) return false;
    }
    Statement s(c,
                "INSERT INTO lobby_reports (id, lobby_id, reporter_id, reported_id, reason, details, match_id, "
                "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    s.bind(1, r.id).bind(2, r.lobby_id).bind(3, r.reporter_id).bind(4, r.reported_id).bind(5, r.reason);
    s.bind(6, r.details).bind(8, r.created_at_ms);
    if (r.match_id) s.bind(7, *r.match_id);  // unbound: NULL
    s.step();
    return true;
  });
}

std::vector<ReportView> SqliteDatabase::load_reports(const std::string& lobby_id, std::size_t limit) {
  auto c = acquire();
  Statement s(*c,
              "SELECT r.id, r.reporter_id, COALESCE(a.display_name, ''), r.reported_id, COALESCE(b.display_name, ''), "
              "r.reason, r.details, r.match_id, r.created_at FROM lobby_reports r "
              "LEFT JOIN users a ON a.id = r.reporter_id LEFT JOIN users b ON b.id = r.reported_id "
              "WHERE r.lobby_id = ?1 ORDER BY r.created_at DESC, r.id DESC LIMIT ?2");
  s.bind(1, lobby_id).bind(2, static_cast<std::int64_t>(limit));
  std::vector<ReportView> out;
  while (s.step()) {
    ReportView v;
    v.report.id = s.text(0);
    v.report.lobby_id = lobby_id;
    v.report.reporter_id = s.text(1);
    v.reporter_name = s.text(2);
    v.report.reported_id = s.text(3);
    v.reported_name = s.text(4);
    v.report.reason = s.text(5);
    v.report.details = s.text(6);
    if (!s.is_null(7)) v.report.match_id = s.text(7);
    v.report.created_at_ms = s.int64(8);
    out.push_back(std::move(v));
  }
  return out;
}

bool SqliteDatabase::delete_report(const std::string& lobby_id, const std::string& report_id) {
  auto c = write_lease();
  Statement s(*c, "DELETE FROM lobby_reports WHERE lobby_id = ?1 AND id = ?2 RETURNING 1");
  s.bind(1, lobby_id).bind(2, report_id);
  bool found = s.step();
  while (found && s.step()) {
  }
  return found;
}

}  // namespace swirl::storage::sqlite
