#pragma once
// The owner's view of a lobby's reports (issue 17): the `reports` of GET /api/lobbies/{id}/state
// and DELETE /api/lobbies/{id}/reports/{report_id} (dismiss). Members make reports over the
// WebSocket (lobby/lobby_safety.cpp); docs/http-api.md describes both.

#include <boost/asio/awaitable.hpp>

#include "swirl/api/lobbies_api.hpp"
#include "swirl/http/types.hpp"

namespace swirl::api {

// The lobby's reports, newest first, at most lobby::kOwnerReportsListed; `member` says whether
// the reported user is in the live lobby now.
boost::asio::awaitable<http::Json> reports_json(LobbyServices& services, const std::string& lobby_id);

// Deletes one report of the lobby: 404 report_not_found when it has no such report.
boost::asio::awaitable<void> dismiss_report(LobbyServices& services, const std::string& lobby_id,
                                            const std::string& report_id);

}  // namespace swirl::api
