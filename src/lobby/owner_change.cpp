#include "swirl/lobby/owner_change.hpp"

namespace swirl::lobby {

void store(storage::Database& db, const std::string& lobby_id, const OwnerChange& change, std::int64_t now_ms) {
  if (change.settings) db.update_lobby_settings(lobby_id, *change.settings);
  if (change.owner_id) db.set_lobby_owner(lobby_id, *change.owner_id);
  if (change.ban) db.ban(lobby_id, change.ban->user_id, change.ban->until_ms);
  if (change.status) db.set_lobby_status(lobby_id, *change.status, now_ms);
}

}  // namespace swirl::lobby
