#pragma once
// Who may open a lobby WebSocket, decided in one place before the upgrade completes.
//
// admit_websocket runs every check in order and throws the ApiError the client gets (an HTTP
// refusal: a browser cannot read it, so GET /api/lobbies/{id} tells a ban too):
//   1. the abuse hooks (http/abuse_guard.hpp): the Origin allow-list, the per-address cap on
//      open WebSockets — no database, so floods are refused before any work;
//   2. the path names a lobby: /api/lobbies/{id}/ws with a well-formed id;
//   3. the token names a user (subprotocol swirl.token.<TOKEN> or Authorization: Bearer);
//   4. the lobby rule (lobby/admission.hpp: closed, banned, locked, full) lets that user in,
//      asked of the live actor (or of the database for a lobby that cannot be started); in
//      multi-node mode a lobby that could not start here because another node holds its lease
//      is refused with 503 lobby_elsewhere and Retry-After (cluster/placement.hpp).
// A new check on who may open a lobby WebSocket goes into admit_websocket, as one more line.
// The actor asks the lobby rule again when the join arrives (lobby_server.cpp, do_join): a ban,
// a lock or the last free place may have come in between. The handshake itself is checked
// before this (ws::check_handshake).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "swirl/api/lobbies_api.hpp"
#include "swirl/http/errors.hpp"
#include "swirl/lobby/admission.hpp"
#include "swirl/storage/records.hpp"

namespace swirl::api {

// A lobby id as the paths carry it: 1 to 64 of [A-Za-z0-9_-].
bool valid_lobby_id(const std::string& id);

// What we know of a lobby, for one user (none: `user_id` empty).
struct LobbyFacts {
  std::optional<storage::LobbyRecord> record;  // none: no such lobby
  lobby::EntryFacts entry;                     // for the user asked about
};

// From the lobby's live actor when there is one (record, members and bans are in its memory,
// so no database call), else from the database. With `spawn` (a WebSocket upgrade, which joins
// right after), a lobby without an actor is started first, so the load the join needs anyway
// answers admission too; when another node holds its lease, that throws 503 lobby_elsewhere.
boost::asio::awaitable<LobbyFacts> lobby_facts(LobbyServices& s, const std::string& lobby_id,
                                               const std::string& user_id, bool spawn);

// The HTTP refusal for an entry the lobby rule refused: 409 lobby_closed / lobby_full,
// 403 banned, 423 lobby_locked.
http::ApiError entry_refusal(lobby::Entry entry, const lobby::EntryFacts& facts, std::int64_t now);

// A WebSocket upgrade that may go ahead.
struct Admitted {
  std::string lobby_id;
  storage::User user;
  bool new_member = false;           // not yet a member of the lobby (not a resume, not a second tab)
  std::shared_ptr<void> abuse_slot;  // counts this connection against its address until it ends
};

// Admission of a WebSocket upgrade (the checks above, in that order); `client` is the client's
// address as the HTTP server's request gate resolved it.
boost::asio::awaitable<Admitted> admit_websocket(LobbyServices& s, const http::Request& req, const std::string& client);

}  // namespace swirl::api
