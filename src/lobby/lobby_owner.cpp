// LobbyServer's owner side: what the owner API asks of a live lobby (settings, lock, owner,
// bans, kick, ending a match, announcements, closing) and what it reads back (the owner state,
// lobby/owner_stats.hpp). All on the lobby's strand, through the supervisor's ask().

#include "swirl/core/clock.hpp"
#include "swirl/lobby/frames.hpp"
#include "swirl/lobby/lobby_server.hpp"
#include "swirl/lobby/owner_stats.hpp"

namespace swirl::lobby {

void LobbyServer::apply(const OwnerChange& change) {
  if (change.settings) apply_settings(*change.settings);
  if (change.owner_id && *change.owner_id != record_.owner_id) {
    record_.owner_id = *change.owner_id;
    // Connected members learn it at once (the old owner's page hides its panel, the new
    // owner's shows it); one who is away reads it in the welcome of their return.
    deliver_to_connected(make_frame(owner_changed_frame(record_.owner_id)));
  }
  if (change.ban) record_ban(change.ban->user_id, change.ban->until_ms);
  if (change.unban) bans_.erase(*change.unban);
  if (change.status) {
    if (*change.status == storage::LobbyStatus::closed)
      close_for_good();  // last: the actor stops
    else
      set_status(*change.status);
  }
}

void LobbyServer::apply_settings(const storage::LobbySettings& settings) {
  record_.settings = settings;
  settings_json_ = record_.settings.to_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  mark_status_dirty();
  schedule_matching();
}

void LobbyServer::set_status(storage::LobbyStatus status) {
  record_.status = status;
  mark_status_dirty();
}

std::optional<std::int64_t> LobbyServer::banned_until(const std::string& user_id) const {
  auto it = bans_.find(user_id);
  if (it == bans_.end() || it->second <= now_ms()) return std::nullopt;
  return it->second;
}

void LobbyServer::record_ban(const std::string& user_id, std::int64_t until_ms) {
  auto now = now_ms();
  std::erase_if(bans_, [now](const auto& b) { return b.second <= now; });  // ended bans go when a new one comes
  if (until_ms > now)
    bans_[user_id] = until_ms;
  else
    bans_.erase(user_id);
}

bool LobbyServer::kick(const std::string& user_id, int ban_seconds) {
  Member* m = members_.find(user_id);
  if (!m) return false;
  // The kicked member hears match_ended (kicked) first, then kicked, then the close.
  if (m->match) leave_match(*m, MatchEndReason::kicked, false, MatchEndReason::peer_left);
  if (m->mailbox) {
    send(*m, kicked_frame(ban_seconds));
    m->mailbox->close(close_code::kicked, "kicked");
  }
  remove_member(*m, MatchEndReason::peer_left);
  return true;
}

bool LobbyServer::end_match_by_owner(const std::string& match_id) {
  if (!matches_.count(match_id)) return false;
  end_match(match_id, MatchEndReason::owner_ended);
  return true;
}

std::size_t LobbyServer::announce(const std::string& message) {
  return deliver_to_connected(make_frame(announcement_frame(message, now_ms())));
}

std::size_t LobbyServer::deliver_to_connected(const Frame& frame) {
  std::size_t n = 0;
  members_.for_each([&](Member& m) {
    if (!m.mailbox) return;
    m.mailbox->deliver(frame);
    ++n;
  });
  return n;
}

void LobbyServer::close_for_good() {
  record_.status = storage::LobbyStatus::closed;
  stop(make_frame(lobby_closed_frame()), close_code::lobby_closed, "lobby closed");
  env_.counters.lobbies_stopped++;
  env_.on_stopped(id_, this);
}

nlohmann::json LobbyServer::state_json() const {
  return owner_state_json(members_, matches_, history_, {matches_made_, repeats_avoided_}, now_ms());
}

}  // namespace swirl::lobby
