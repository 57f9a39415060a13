#include "swirl/lobby/frames.hpp"

#include <algorithm>

#include "swirl/core/iso8601.hpp"
#include "swirl/json/out.hpp"
#include "swirl/lobby/members.hpp"

namespace swirl::lobby {

using swirl::json::JsonOut;

namespace {

void write_match(JsonOut& j, const Match& match, const std::string& for_user) {
  auto pos = std::find_if(match.members.begin(), match.members.end(),
                          [&](const Member* m) { return m->user_id == for_user; }) -
             match.members.begin();
  j.begin_object()
      .key("type")
      .value("match")
      .key("match_id")
      .value(match.id)
      .key("created_at")
      .value(core::iso8601(match.created_at_ms))
      .key("peers")
      .begin_array();
  for (std::size_t k = 0; k < match.members.size(); ++k) {
    if (static_cast<std::ptrdiff_t>(k) == pos) continue;
    const Member& peer = *match.members[k];
    bool me_first = pos < static_cast<std::ptrdiff_t>(k);
    j.begin_object()
        .key("id")
        .value(peer.user_id)
        .key("display_name")
        .value(peer.display_name)
        .key("offerer")
        .value(me_first ? for_user : peer.user_id)
        .key("polite")
        .value(me_first ? peer.user_id : for_user)
        .key("camera")
        .value(peer.media.camera)
        .key("microphone")
        .value(peer.media.microphone)
        .end_object();
  }
  j.end_array().end_object();
}

// The RTCIceServer list the browser takes (welcome.ice_servers, ice_servers): STUN entries have
// only "urls"; TURN entries add "username" and "credential".
void write_ice_servers(JsonOut& j, const std::vector<ice::IceServer>& servers) {
  j.begin_array();
  for (const auto& s : servers) {
    j.begin_object().key("urls").begin_array();
    for (const auto& url : s.urls) j.value(url);
    j.end_array();
    if (!s.username.empty() || !s.credential.empty())
      j.key("username").value(s.username).key("credential").value(s.credential);
    j.end_object();
  }
  j.end_array();
}

void write_expiry(JsonOut& j, const std::optional<std::int64_t>& at_ms) {
  if (at_ms) {
    j.value(core::iso8601(*at_ms));
  } else {
    j.null();
  }
}

}  // namespace

std::string error_frame(std::string_view code, std::string_view message) {
  JsonOut j(48 + code.size() + message.size());
  j.begin_object().key("type").value("error").key("code").value(code).key("message").value(message).end_object();
  return j.take();
}

std::string signal_frame(std::string_view from_user, std::string_view data) {
  JsonOut j(40 + from_user.size() + data.size());
  j.begin_object().key("type").value("signal").key("from").value(from_user).key("data").raw(data).end_object();
  return j.take();
}

std::string user_status_frame(std::string_view user_id, std::string_view status) {
  JsonOut j(64 + user_id.size());
  j.begin_object()
      .key("type")
      .value("user_status")
      .key("user_id")
      .value(user_id)
      .key("status")
      .value(status)
      .end_object();
  return j.take();
}

std::string media_state_frame(std::string_view from_user, MediaState state) {
  JsonOut j(96 + from_user.size());
  j.begin_object()
      .key("type")
      .value("media_state")
      .key("from")
      .value(from_user)
      .key("camera")
      .value(state.camera)
      .key("microphone")
      .value(state.microphone)
      .end_object();
  return j.take();
}

std::string match_ended_frame(std::string_view match_id, MatchEndReason reason, bool ready) {
  JsonOut j(96 + match_id.size());
  j.begin_object()
      .key("type")
      .value("match_ended")
      .key("match_id")
      .value(match_id)
      .key("reason")
      .value(to_string(reason))
      .key("ready")
      .value(ready)
      .end_object();
  return j.take();
}

std::string blocked_frame(std::string_view user_id) {
  JsonOut j(48 + user_id.size());
  j.begin_object().key("type").value("blocked").key("user_id").value(user_id).end_object();
  return j.take();
}

std::string reported_frame(std::string_view report_id) {
  JsonOut j(48 + report_id.size());
  j.begin_object().key("type").value("reported").key("report_id").value(report_id).end_object();
  return j.take();
}

std::string waiting_frame(WaitingReason reason) {
  JsonOut j(48);
  j.begin_object().key("type").value("waiting").key("reason").value(to_string(reason)).end_object();
  return j.take();
}

std::string kicked_frame(int ban_seconds) {
  JsonOut j(80);
  j.begin_object().key("type").value("kicked").key("reason").value("removed by the owner");
  if (ban_seconds > 0) j.key("ban_seconds").value(ban_seconds);
  j.end_object();
  return j.take();
}

std::string announcement_frame(std::string_view message, std::int64_t at_ms) {
  JsonOut j(80 + message.size());
  j.begin_object()
      .key("type")
      .value("announcement")
      .key("message")
      .value(message)
      .key("at")
      .value(core::iso8601(at_ms))
      .end_object();
  return j.take();
}

std::string lobby_closed_frame() {
  JsonOut j(80);
  j.begin_object().key("type").value("lobby_closed").key("message").value("The owner closed this lobby.").end_object();
  return j.take();
}

std::string owner_changed_frame(std::string_view owner_id) {
  JsonOut j(48 + owner_id.size());
  j.begin_object().key("type").value("owner_changed").key("owner_id").value(owner_id).end_object();
  return j.take();
}

std::string ice_servers_frame(const ice::IceGrant& grant) {
  JsonOut j(256);
  j.begin_object().key("type").value("ice_servers").key("ice_servers");
  write_ice_servers(j, grant.servers);
  j.key("expires_at");
  write_expiry(j, grant.expires_at_ms);
  j.end_object();
  return j.take();
}

std::string match_frame(const Match& match, const std::string& for_user) {
  JsonOut j(320);
  write_match(j, match, for_user);
  return j.take();
}

std::string welcome_frame(const Member& m, bool resumed, const ice::IceGrant& ice, const storage::LobbyRecord& record,
                          std::string_view settings_json, const core::Config& c) {
  JsonOut j(640 + settings_json.size());
  j.begin_object()
      .key("type")
      .value("welcome")
      .key("protocol")
      .value(1)
      .key("user")
      .begin_object()
      .key("id")
      .value(m.user_id)
      .key("display_name")
      .value(m.display_name)
      .end_object()
      .key("lobby")
      .begin_object()
      .key("id")
      .value(record.id)
      .key("name")
      .value(record.name)
      .key("owner_id")
      .value(record.owner_id)
      .key("status")
      .value(storage::to_string(record.status))
      .key("settings")
      .raw(settings_json)
      .end_object()
      .key("ice_servers");
  write_ice_servers(j, ice.servers);
  j.key("ice_expires_at");
  write_expiry(j, ice.expires_at_ms);
  j.key("resumed").value(resumed).key("you").begin_object().key("ready").value(m.status.ready()).key("match");
  if (m.match) {
    write_match(j, *m.match, m.user_id);
  } else {
    j.null();
  }
  j.end_object()
      .key("limits")
      .begin_object()
      .key("max_message_bytes")
      .value(static_cast<std::uint64_t>(c.ws_max_frame_bytes))
      .key("messages_per_second")
      .value(c.ws_rate_per_second)
      .key("burst")
      .value(c.ws_rate_burst)
      .key("resume_grace_seconds")
      .value(static_cast<std::int64_t>(std::chrono::duration_cast<std::chrono::seconds>(c.resume_grace).count()))
      .key("no_media_seconds")
      .value(static_cast<std::int64_t>((c.no_media_timeout.count() + 999) / 1000))
      .key("hidden_unready_seconds")
      .value(static_cast<std::int64_t>((c.hidden_unready.count() + 999) / 1000))
      .end_object()
      .end_object();
  return j.take();
}

std::string status_frame(const std::string& lobby_id, storage::LobbyStatus status, const MemberRegistry& members,
                         StatusCounts* counts) {
  std::vector<const Member*> listed;
  listed.reserve(members.size());
  std::size_t ready = 0;
  std::size_t met_everyone = 0;
  members.for_each([&](const Member& m) {
    listed.push_back(&m);
    if (m.status.state() == MemberState::ready) ++ready;
    if (m.waiting == WaitingReason::met_everyone) ++met_everyone;
  });
  if (counts) *counts = {members.size(), ready, met_everyone};
  auto by_seq = [](const Member* a, const Member* b) { return a->join_seq < b->join_seq; };
  bool truncated = listed.size() > kStatusMaxListed;
  if (truncated) {
    std::partial_sort(listed.begin(), listed.begin() + kStatusMaxListed, listed.end(), by_seq);
    listed.resize(kStatusMaxListed);
  } else {
    std::sort(listed.begin(), listed.end(), by_seq);
  }
  JsonOut j(160 + 96 * listed.size());
  j.begin_object()
      .key("type")
      .value("lobby_status")
      .key("lobby_id")
      .value(lobby_id)
      .key("status")
      .value(storage::to_string(status))
      .key("member_count")
      .value(static_cast<std::uint64_t>(members.size()))
      .key("ready_count")
      .value(static_cast<std::uint64_t>(ready))
      .key("waiting_met_everyone")
      .value(static_cast<std::uint64_t>(met_everyone))
      .key("truncated")
      .value(truncated)
      .key("members")
      .begin_array();
  for (const Member* m : listed)
    j.begin_object()
        .key("id")
        .value(m->user_id)
        .key("display_name")
        .value(m->display_name)
        .key("ready")
        .value(m->status.ready())
        .key("in_match")
        .value(m->status.in_match())
        .key("connected")
        .value(m->mailbox != nullptr)
        .end_object();
  j.end_array().end_object();
  return j.take();
}

}  // namespace swirl::lobby
