#include "swirl/api/owner_reports.hpp"

#include <algorithm>
#include <unordered_set>

#include "swirl/core/iso8601.hpp"
#include "swirl/lobby/safety.hpp"
#include "swirl/lobby/supervisor.hpp"

namespace swirl::api {
namespace asio = boost::asio;
using http::ApiError;
using http::Json;
using http::Status;

asio::awaitable<Json> reports_json(LobbyServices& s, const std::string& lobby_id) {
  auto& db = s.base.db;
  auto job = [&db, lobby_id] { return db.load_reports(lobby_id, lobby::kOwnerReportsListed); };
  auto op = s.base.pool.run(std::move(job));
  std::vector<storage::ReportView> reports = co_await std::move(op);
  std::vector<std::string> reported;
  for (const auto& r : reports) reported.push_back(r.report.reported_id);
  std::sort(reported.begin(), reported.end());
  reported.erase(std::unique(reported.begin(), reported.end()), reported.end());
  // Who of them is in the lobby now, asked of the live actor (none when it is not live).
  auto present = co_await s.supervisor->ask(lobby_id, [reported](lobby::LobbyServer& l) {
    std::unordered_set<std::string> in;
    for (const auto& id : reported)
      if (l.has_member(id)) in.insert(id);
    return in;
  });
  Json out = Json::array();
  for (const auto& v : reports) {
    const auto& r = v.report;
    out.push_back(Json{{"id", r.id},
                       {"reporter", {{"id", r.reporter_id}, {"display_name", v.reporter_name}}},
                       {"reported",
                        {{"id", r.reported_id},
                         {"display_name", v.reported_name},
                         {"member", present && present->count(r.reported_id) > 0}}},
                       {"reason", r.reason},
                       {"details", r.details},
                       {"match_id", r.match_id ? Json(*r.match_id) : Json(nullptr)},
                       {"created_at", core::iso8601(r.created_at_ms)}});
  }
  co_return out;
}

asio::awaitable<void> dismiss_report(LobbyServices& s, const std::string& lobby_id, const std::string& report_id) {
  auto& db = s.base.db;
  auto job = [&db, lobby_id, report_id] { return db.delete_report(lobby_id, report_id); };
  auto op = s.base.pool.run(std::move(job));
  if (!co_await std::move(op)) throw ApiError(Status::not_found, "report_not_found", "this lobby has no such report");
}

}  // namespace swirl::api
