// `call_event`, black-box: what clients report about stalls and their repair is counted per
// match (shown in the owner state) and process-wide; bad reports get errors, stale ones are dropped.
#include <catch2/catch.hpp>

#include "support/lobby_with_members.hpp"
#include "support/wait.hpp"
#include "swirl/lobby/supervisor.hpp"

using namespace swirl::test;
using nlohmann::json;
using swirl::lobby::CallEvent;

namespace {

// The live match's call_events in the owner state, once `pred` holds for them (or the last seen).
json match_call_events(SimUser& owner, const std::string& lobby, const std::function<bool(const json&)>& pred) {
  json last;
  wait_until([&] {
    auto state = owner.http->get("/api/lobbies/" + lobby + "/state", owner.token).json();
    if (state["matches"].size() != 1) return false;
    last = state["matches"][0]["call_events"];
    return pred(last);
  });
  return last;
}

}  // namespace

TEST_CASE("call events are counted per live match and process-wide", "[call_event][owner]") {
  LobbyWithMembers room(Backend::sqlite);
  auto match = room.match();
  std::string match_id = match["match_id"];

  auto fresh = match_call_events(room.owner, room.lobby, [](const json&) { return true; });
  CHECK(fresh == json{{"stall", 0}, {"ice_restart", 0}, {"pc_recreated", 0}, {"recovered", 0}});

  room.ada.call_event(match_id, "stall");
  room.ada.call_event(match_id, "ice_restart");
  room.ada.call_event(match_id, "ice_restart");
  room.bob.call_event(match_id, "stall");
  room.bob.call_event(match_id, "pc_recreated");
  room.ada.call_event(match_id, "recovered");
  auto counted = match_call_events(room.owner, room.lobby,
                                   [](const json& e) { return e["recovered"] == 1 && e["pc_recreated"] == 1; });
  CHECK(counted == json{{"stall", 2}, {"ice_restart", 2}, {"pc_recreated", 1}, {"recovered", 1}});

  const auto& totals = room.server.app().supervisor().counters().call_events;
  CHECK(totals[CallEvent::stall] == 2);
  CHECK(totals[CallEvent::ice_restart] == 2);
  CHECK(totals[CallEvent::pc_recreated] == 1);
  CHECK(totals[CallEvent::recovered] == 1);
  CHECK(room.ada.ws->count("error") == 0);
  CHECK(room.bob.ws->count("error") == 0);
}

TEST_CASE("a call event for another match is dropped and a bad one gets invalid_message", "[call_event]") {
  LobbyWithMembers room(Backend::sqlite);

  // Not in a match yet: dropped without an error (it may have crossed match_ended).
  room.ada.join(room.lobby);
  room.ada.call_event("m-long-gone", "stall");
  room.ada.call_event("m-long-gone", "melted");
  auto err = room.ada.ws->wait_for_type("error");
  CHECK(err["code"] == "invalid_message");
  CHECK(err["message"].get<std::string>().find("stall, ice_restart, pc_recreated, recovered") != std::string::npos);

  auto match = room.match();
  std::string match_id = match["match_id"];
  room.ada.call_event("m-long-gone", "stall");  // stale: ignored
  room.ada.ws->send({{"type", "call_event"}, {"match_id", match_id}});
  room.ada.ws->send({{"type", "call_event"}, {"match_id", 7}, {"event", "stall"}});
  room.ada.ws->send({{"type", "call_event"}, {"match_id", match_id}, {"event", true}});
  room.ada.call_event(match_id, "ice_restart");
  auto counted = match_call_events(room.owner, room.lobby, [](const json& e) { return e["ice_restart"] == 1; });
  CHECK(counted["stall"] == 0);
  // On this connection (match_pair joined again): the three malformed reports, nothing for the stale one.
  CHECK(room.ada.ws->wait_for_nth("error", 3)["code"] == "invalid_message");
  CHECK(room.ada.ws->count("error") == 3);
  CHECK_FALSE(room.ada.ws->closed());
  CHECK(room.server.app().supervisor().counters().call_events[CallEvent::stall] == 0);
}
