// LobbyServer's part in handing out ICE servers: the grant behind `welcome`, and the renewal
// of TURN credentials before they expire, checked on the lobby's heartbeat (one timer for the
// whole lobby, not one per member). Runs on the lobby's strand like the rest of the actor.

#include "swirl/lobby/frames.hpp"
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
  members_.for_each([&](Member& m) {
    // A member in the grace period gets a fresh grant with the welcome when they come back.
    if (!m.mailbox || now < m.ice_refresh_at_ms) return;
    auto before = m.ice_generation;
    auto grant = grant_ice(m);
    if (grant.generation == before) return;  // nothing newer yet (e.g. a fetch in flight)
    send(m, ice_servers_frame(grant));
  });
}

}  // namespace swirl::lobby
