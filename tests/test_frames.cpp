// Every server frame (lobby/frames.hpp) parses as the JSON docs/protocol.md shows, "type" first,
// with strings escaped by the one escaper (invalid UTF-8 becomes U+FFFD, the frame stays valid).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "swirl/lobby/frames.hpp"
#include "swirl/lobby/members.hpp"

using namespace swirl::lobby;
using nlohmann::json;

namespace {
json parsed(const std::string& frame) {
  CHECK(frame.rfind("{\"type\":", 0) == 0);
  return json::parse(frame);
}
}  // namespace

TEST_CASE("small frames carry exactly their documented fields", "[lobby][frames]") {
  CHECK(parsed(error_frame("lobby_full", "the lobby is full")) ==
        json{{"type", "error"}, {"code", "lobby_full"}, {"message", "the lobby is full"}});
  CHECK(parsed(signal_frame("u\"1", R"({"sdp":"x","n":[1,2]})")) ==
        json{{"type", "signal"}, {"from", "u\"1"}, {"data", {{"sdp", "x"}, {"n", {1, 2}}}}});
  CHECK(parsed(user_status_frame("u1", "back")) ==
        json{{"type", "user_status"}, {"user_id", "u1"}, {"status", "back"}});
  CHECK(parsed(match_ended_frame("m1", MatchEndReason::peer_left, true)) ==
        json{{"type", "match_ended"}, {"match_id", "m1"}, {"reason", "peer_left"}, {"ready", true}});
  CHECK(parsed(kicked_frame(0)) == json{{"type", "kicked"}, {"reason", "removed by the owner"}});
  CHECK(parsed(kicked_frame(60)) == json{{"type", "kicked"}, {"reason", "removed by the owner"}, {"ban_seconds", 60}});
  CHECK(parsed(announcement_frame("hi\nall", 0)) ==
        json{{"type", "announcement"}, {"message", "hi\nall"}, {"at", "1970-01-01T00:00:00.000Z"}});
  CHECK(parsed(lobby_closed_frame()) == json{{"type", "lobby_closed"}, {"message", "The owner closed this lobby."}});
  CHECK(parsed(owner_changed_frame("u2")) == json{{"type", "owner_changed"}, {"owner_id", "u2"}});
  CHECK(parsed(media_state_frame("u1", MediaState{false, true})) ==
        json{{"type", "media_state"}, {"from", "u1"}, {"camera", false}, {"microphone", true}});
  swirl::ice::IceGrant grant;
  CHECK(parsed(ice_servers_frame(grant)) ==
        json{{"type", "ice_servers"}, {"ice_servers", json::array()}, {"expires_at", nullptr}});
}

TEST_CASE("invalid UTF-8 in a frame's strings becomes U+FFFD", "[lobby][frames]") {
  auto j = parsed(announcement_frame("ok\xE2\x82", 0));
  CHECK(j["message"] == "ok\xEF\xBF\xBD");
}

TEST_CASE("match, welcome and lobby_status are written from the members", "[lobby][frames]") {
  MemberRegistry reg;
  Member& a = reg.add([] {
    Member m;
    m.user_id = "a";
    m.display_name = "Ann";
    m.join_seq = 1;
    return m;
  }());
  Member& b = reg.add([] {
    Member m;
    m.user_id = "b";
    m.display_name = "Bob";
    m.join_seq = 0;
    return m;
  }());
  Member& c = reg.add([] {
    Member m;
    m.user_id = "c";
    m.display_name = "Cy";
    m.join_seq = 2;
    return m;
  }());
  b.media.camera = false;
  a.status.set_ready(true);
  b.status.set_ready(true);
  c.status.set_ready(true);
  Match match;
  match.id = "m1";
  match.created_at_ms = 0;
  match.members = {&a, &b};
  for (Member* m : match.members) {
    m->status.matched();
    m->match = &match;
  }

  auto for_a = parsed(match_frame(match, "a"));
  REQUIRE(for_a["peers"].size() == 1);
  CHECK(for_a["match_id"] == "m1");
  CHECK(for_a["peers"][0] == json{{"id", "b"},
                                  {"display_name", "Bob"},
                                  {"offerer", "a"},
                                  {"polite", "b"},
                                  {"camera", false},
                                  {"microphone", true}});
  auto for_b = parsed(match_frame(match, "b"));
  CHECK(for_b["peers"][0]["offerer"] == "a");
  CHECK(for_b["peers"][0]["polite"] == "b");

  swirl::core::Config config;
  swirl::storage::LobbyRecord record;
  record.id = "L";
  record.name = "Lobby";
  record.owner_id = "b";
  auto welcome = parsed(welcome_frame(a, true, {}, record, R"({"group_size":2})", config));
  CHECK(welcome["protocol"] == 1);
  CHECK(welcome["resumed"] == true);
  CHECK(welcome["user"] == json{{"id", "a"}, {"display_name", "Ann"}});
  CHECK(welcome["lobby"]["settings"] == json{{"group_size", 2}});
  CHECK(welcome["you"]["ready"] == true);
  CHECK(welcome["you"]["match"]["match_id"] == "m1");
  CHECK(welcome["limits"]["resume_grace_seconds"] == 20);

  c.mailbox = nullptr;
  auto status = parsed(status_frame("L", swirl::storage::LobbyStatus::open, reg));
  CHECK(status["member_count"] == 3);
  CHECK(status["ready_count"] == 1);  // c: ready and not in a match
  CHECK(status["truncated"] == false);
  REQUIRE(status["members"].size() == 3);
  CHECK(status["members"][0]["id"] == "b");  // by join order
  CHECK(status["members"][0]["in_match"] == true);
  CHECK(status["members"][2] ==
        json{{"id", "c"}, {"display_name", "Cy"}, {"ready", true}, {"in_match", false}, {"connected", false}});
}

TEST_CASE("lobby_status lists at most kStatusMaxListed members, first joined first", "[lobby][frames]") {
  MemberRegistry reg;
  for (std::size_t i = 0; i < kStatusMaxListed + 5; ++i) {
    Member m;
    m.user_id = "u" + std::to_string(i);
    m.join_seq = kStatusMaxListed + 5 - i;  // later ids joined earlier
    reg.add(std::move(m));
  }
  auto status = parsed(status_frame("L", swirl::storage::LobbyStatus::open, reg));
  CHECK(status["truncated"] == true);
  CHECK(status["member_count"] == kStatusMaxListed + 5);
  REQUIRE(status["members"].size() == kStatusMaxListed);
  CHECK(status["members"][0]["id"] == "u" + std::to_string(kStatusMaxListed + 4));
}
