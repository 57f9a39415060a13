#pragma once
// Every frame the server sends on the lobby WebSocket, written one way: straight into a string
// with json::JsonOut (one escaper, keys in the order docs/protocol.md shows, "type" first).
// Pure functions of plain data; the actor decides who gets what.

#include <cstdint>
#include <string>
#include <string_view>

#include "swirl/core/config.hpp"
#include "swirl/ice/ice_provider.hpp"
#include "swirl/lobby/member.hpp"
#include "swirl/lobby/protocol.hpp"
#include "swirl/storage/records.hpp"

namespace swirl::lobby {

class MemberRegistry;

// Members listed in one lobby_status at most (the counts cover everyone).
constexpr std::size_t kStatusMaxListed = 200;

// error_frame(code, message), {"type":"error",..}, is declared in protocol.hpp (the WebSocket
// session writes protocol errors too) and defined with the others in frames.cpp.
// {"type":"signal","from":<from_user>,"data":<data exactly as received>}; `data` is JSON already.
std::string signal_frame(std::string_view from_user, std::string_view data);
// {"type":"user_status","user_id":..,"status":..}: back, reconnecting, left_match.
std::string user_status_frame(std::string_view user_id, std::string_view status);
// {"type":"media_state","from":<user>,"camera":..,"microphone":..}
std::string media_state_frame(std::string_view from_user, MediaState state);
// {"type":"match_ended","match_id":..,"reason":..,"ready":..}
std::string match_ended_frame(std::string_view match_id, MatchEndReason reason, bool ready);
// {"type":"blocked","user_id":..}: the reply to `block`.
std::string blocked_frame(std::string_view user_id);
// {"type":"reported","report_id":..}: the reply to `report`.
std::string reported_frame(std::string_view report_id);
// {"type":"waiting","reason":"nobody_ready"|"met_everyone"}
std::string waiting_frame(WaitingReason reason);
// {"type":"kicked","reason":"removed by the owner"} plus "ban_seconds" when > 0.
std::string kicked_frame(int ban_seconds);
// {"type":"announcement","message":..,"at":<ISO 8601 of at_ms>}
std::string announcement_frame(std::string_view message, std::int64_t at_ms);
// {"type":"lobby_closed","message":"The owner closed this lobby."}
std::string lobby_closed_frame();
// {"type":"owner_changed","owner_id":..}: the lobby was handed over (POST /api/lobbies/{id}/transfer).
std::string owner_changed_frame(std::string_view owner_id);
// {"type":"ice_servers","ice_servers":[..],"expires_at":..|null}
std::string ice_servers_frame(const ice::IceGrant& grant);
// The `match` frame for `for_user`, one of the match's members.
std::string match_frame(const Match& match, const std::string& for_user);
// `welcome` for member `m` (`resumed`: the same user came back).
std::string welcome_frame(const Member& m, bool resumed, const ice::IceGrant& ice, const storage::LobbyRecord& record,
                          std::string_view settings_json, const core::Config& config);
// The counts a lobby_status carries.
struct StatusCounts {
  std::size_t members = 0;
  std::size_t ready = 0;         // ready and not in a match
  std::size_t met_everyone = 0;  // waiting with the reason met_everyone
};
// `lobby_status`: counts, and the first kStatusMaxListed members by join order. `counts`, when
// given, receives the counts (the actor publishes them as gauges).
std::string status_frame(const std::string& lobby_id, storage::LobbyStatus status, const MemberRegistry& members,
                         StatusCounts* counts = nullptr);

}  // namespace swirl::lobby
