#pragma once
// One change the owner makes to a lobby (the owner endpoints of docs/http-api.md): its settings,
// its status (open, locked, closed), its owner, a ban, or lifting one. The database holds the record; a live
// lobby's actor holds the copy it answers from (who owns it, its status and settings, its bans).
// api/owner_api.cpp applies every change to both through one function: store() on the blocking
// pool, then LobbyServer::apply() on the actor's strand, with the same value.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "swirl/storage/database.hpp"
#include "swirl/storage/records.hpp"

namespace swirl::lobby {

struct Ban {
  std::string user_id;
  std::int64_t until_ms = 0;  // Unix ms
};

struct OwnerChange {
  std::optional<storage::LobbySettings> settings;
  std::optional<storage::LobbyStatus> status;  // closed: the lobby is closed for good
  std::optional<std::string> owner_id;
  std::optional<Ban> ban;
  std::optional<std::string> unban;  // the user whose running ban is lifted
};

// What store() did. A ban is refused when the user has never joined the lobby (not_member) or
// the lobby already has `max_bans` bans running (too_many_bans); lifting a ban, when the user has
// no running ban there (not_banned). Nothing is stored then.
enum class Stored { yes, not_member, too_many_bans, not_banned };

// Writes the change to the database (blocking: call it on the pool). `now_ms` stamps a status
// change and decides which bans still run.
Stored store(storage::Database& db, const std::string& lobby_id, const OwnerChange& change, std::int64_t now_ms,
             std::size_t max_bans);

}  // namespace swirl::lobby
