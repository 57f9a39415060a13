#pragma once
// Owner endpoints under /api/lobbies/{id}/...: live state, settings, kick (and ban), end a
// match, lock/unlock, announce, close, transfer ownership. Plain HTTP calls that reach the
// live lobby through the supervisor's ask(); without a live actor, reads answer from the
// database and changes are persisted for when it starts (nothing is spawned for them).

#include "swirl/api/lobbies_api.hpp"

namespace swirl::api {

void register_owner_routes(http::Router& router, LobbyServices& services);

}  // namespace swirl::api
