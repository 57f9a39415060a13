#pragma once
// /api/lobbies: creating lobbies, their public information, and the WebSocket endpoint
// /api/lobbies/{id}/ws (authenticated and admitted before the upgrade completes).

#include <memory>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include "swirl/api/services.hpp"
#include "swirl/http/http_server.hpp"
#include "swirl/http/router.hpp"
#include "swirl/lobby/supervisor.hpp"
#include "swirl/ws/ws_session.hpp"

namespace swirl::api {

struct LobbyServices {
  Services& base;
  std::shared_ptr<lobby::ApplicationSupervisor> supervisor;
  ws::WsCounters& ws_counters;
};

void register_lobby_routes(http::Router& router, LobbyServices& services);

// Handles an upgrade request handed over by the HTTP server, on the connection's coroutine and
// strand; `leftover` holds bytes read past the request (a client may send its first frames right
// behind its handshake); `client` is the client's address as the HTTP server's request gate
// resolved it.
boost::asio::awaitable<void> handle_ws_upgrade(LobbyServices& services, http::Stream stream, http::Request request,
                                               std::string leftover, std::string client);

}  // namespace swirl::api
