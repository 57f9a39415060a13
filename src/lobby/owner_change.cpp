#include "swirl/lobby/owner_change.hpp"

namespace swirl::lobby {

Stored store(storage::Database& db, const std::string& lobby_id, const OwnerChange& change, std::int64_t now_ms,
             std::size_t max_bans) {
  // The ban first: it is the part that can be refused.
  if (change.ban) {
    if (!db.was_member(lobby_id, change.ban->user_id)) return Stored::not_member;
    if (!db.ban(lobby_id, change.ban->user_id, change.ban->until_ms, now_ms, max_bans)) return Stored::too_many_bans;
  }
  if (change.unban && !db.unban(lobby_id, *change.unban, now_ms)) return Stored::not_banned;
  if (change.settings) db.update_lobby_settings(lobby_id, *change.settings);
  if (change.owner_id) db.set_lobby_owner(lobby_id, *change.owner_id);
  if (change.status) db.set_lobby_status(lobby_id, *change.status, now_ms);
  return Stored::yes;
}

}  // namespace swirl::lobby
