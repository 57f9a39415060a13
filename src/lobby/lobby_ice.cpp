// LobbyServer's part in handing out ICE servers: the grant behind `welcome`, and the renewal
// of TURN credentials before they expire, checked on the lobby's heartbeat (one timer for the
// whole lobby, not one per member). Runs on the lobby's strand like the rest of the actor.

#include "swirl/core/iso8601.hpp"
#include "swirl/json/out.hpp"
#include "swirl/lobby/lobby_server.hpp"

namespace swirl::lobby {

ice::IceGrant LobbyServer::grant_ice(Member& m) {
  if (!env_.ice) return {};
  auto grant = env_.ice->grant(m.user_id, now_ms());
  m.ice_generation = grant.generation;
  m.ice_refresh_at_ms = grant.refresh_at_ms;
  return grant;
}

void LobbyServer::renew_ice_servers() {
  if (!env_.ice) return;
  auto now = now_ms();
  for (auto& [uid, m] : members_) {
    // A member in the grace period gets a fresh grant with the welcome when they come back.
    if (!m.mailbox || now < m.ice_refresh_at_ms) continue;
    auto before = m.ice_generation;
    auto grant = grant_ice(m);
    if (grant.generation == before) continue;  // nothing newer yet (e.g. a fetch in flight)
    swirl::json::JsonOut j(256);
    j.begin_object()
        .key("type").value("ice_servers")
        .key("ice_servers").raw(ice::servers_json(grant.servers))
        .key("expires_at");
    if (grant.expires_at_ms) {
      j.value(core::iso8601(*grant.expires_at_ms));
    } else {
      j.null();
    }
    j.end_object();
    send(m, j.take());
  }
}

}  // namespace swirl::lobby
