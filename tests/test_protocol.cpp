// Parsing client messages and lobby settings on their own (pure functions); the scanner under
// the parser is checked against nlohmann::json in test_json_scanner.cpp.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/client_messages.hpp"
#include "swirl/lobby/ban_message.hpp"
#include "swirl/lobby/matchmaking.hpp"
#include "swirl/lobby/protocol.hpp"
#include "swirl/storage/records.hpp"

using namespace swirl::lobby;
using nlohmann::json;
using swirl::storage::LobbySettings;
using swirl::storage::SettingsError;

using swirl::test::command_of;
using swirl::test::error_of;

TEST_CASE("client messages parse into commands", "[protocol]") {
  CHECK(std::get<ReadyCommand>(command_of(R"({"type":"ready","ready":true})")).ready);
  CHECK_FALSE(std::get<ReadyCommand>(command_of(R"({"type":"ready","ready":false})")).ready);
  CHECK_FALSE(std::get<LeaveMatchCommand>(command_of(R"({"type":"leave_match"})")).ready);
  CHECK(std::get<LeaveMatchCommand>(command_of(R"({"type":"leave_match","ready":true})")).ready);
  CHECK_FALSE(std::get<LeaveCommand>(command_of(R"({"type":"leave"})")).page_closing);
  CHECK_FALSE(std::get<LeaveCommand>(command_of(R"({"type":"leave","page_closing":false})")).page_closing);
  CHECK(std::get<LeaveCommand>(command_of(R"({"type":"leave","page_closing":true})")).page_closing);
  auto sig = std::get<SignalCommand>(command_of(R"({"type":"signal","to":"u2","data":{"sdp":"v=0\r\n","n":[1,2]}})"));
  CHECK(sig.to == "u2");
  auto out = json::parse(*sig.frame);
  CHECK(out == json{{"type", "signal"}, {"from", "me"}, {"data", {{"sdp", "v=0\r\n"}, {"n", {1, 2}}}}});
}

TEST_CASE("bad client messages get precise error codes", "[protocol]") {
  CHECK(error_of("nope").code == "invalid_json");
  CHECK(error_of("").code == "invalid_json");
  CHECK(error_of("\"str\"").code == "invalid_json");
  CHECK(error_of("{}").code == "unknown_type");
  CHECK(error_of(R"({"type":5})").code == "unknown_type");
  CHECK(error_of(R"({"type":"hello"})").code == "unknown_type");
  CHECK_THAT(error_of(R"({"type":"hello"})").message, Catch::Contains("hello"));
  CHECK(error_of(R"({"type":"ready"})").code == "invalid_message");
  CHECK_THAT(error_of(R"({"type":"ready","ready":1})").message, Catch::Contains("ready"));
  CHECK_THAT(error_of(R"({"type":"signal","data":{}})").message, Catch::Contains("to"));
  CHECK_THAT(error_of(R"({"type":"signal","to":"","data":{}})").message, Catch::Contains("to"));
  CHECK_THAT(error_of(R"({"type":"signal","to":"u","data":[]})").message, Catch::Contains("data"));
  CHECK(error_of(R"({"type":"leave_match","ready":"no"})").code == "invalid_message");
  CHECK_THAT(error_of(R"({"type":"leave","page_closing":1})").message, Catch::Contains("page_closing"));
  CHECK(error_of(R"({"type":"leave","page_closing":null})").code == "invalid_message");
}

TEST_CASE("a ban's message says when the user may rejoin, rounded up to a second", "[protocol][bans]") {
  const std::string text = "you were removed from this lobby; you may rejoin in ";
  CHECK(banned_message(10'001, 10'000) == text + "1 s");
  CHECK(banned_message(11'000, 10'000) == text + "1 s");
  CHECK(banned_message(11'001, 10'000) == text + "2 s");
  CHECK(banned_message(10'000 + 3'600'000, 10'000) == text + "3600 s");
}

TEST_CASE("lobby settings: defaults, partial updates and errors naming the field", "[protocol][settings]") {
  LobbySettings base;
  auto ok = apply_settings(base, {{"group_size", 4}, {"when_exhausted", "repeat"}, {"repeat_after_seconds", 60}});
  REQUIRE(std::holds_alternative<LobbySettings>(ok));
  auto s = std::get<LobbySettings>(ok);
  CHECK(s.group_size == 4);
  CHECK(s.when_exhausted == WhenExhausted::repeat);
  CHECK(match_rules(s).repeat_after_ms == 60000);
  CHECK(s.max_members == base.max_members);

  auto field_of = [&](const json& patch) {
    auto r = apply_settings(base, patch);
    REQUIRE(std::holds_alternative<SettingsError>(r));
    return std::get<SettingsError>(r).field;
  };
  CHECK(field_of({{"group_size", 1}}) == "group_size");
  CHECK(field_of({{"group_size", 5}}) == "group_size");
  CHECK(field_of({{"group_size", "2"}}) == "group_size");
  CHECK(field_of({{"group_size", 2.5}}) == "group_size");
  CHECK(field_of({{"max_members", 1}}) == "max_members");
  CHECK(field_of({{"when_exhausted", "sometimes"}}) == "when_exhausted");
  CHECK(field_of({{"round_seconds", -1}}) == "round_seconds");
  CHECK(field_of({{"colour", "red"}}) == "colour");
  CHECK(std::holds_alternative<SettingsError>(apply_settings(base, json::array())));
  auto round_trip = apply_settings(LobbySettings{}, s.to_json());
  REQUIRE(std::holds_alternative<LobbySettings>(round_trip));
  CHECK(std::get<LobbySettings>(round_trip).to_json() == s.to_json());
}

TEST_CASE("media_state and media_flowing parse, and their malformed forms get invalid_message", "[protocol][media]") {
  auto ms = std::get<MediaStateCommand>(command_of(R"({"type":"media_state","camera":false,"microphone":true})"));
  CHECK_FALSE(ms.camera);
  CHECK(ms.microphone);
  ms = std::get<MediaStateCommand>(command_of(R"({"microphone":false,"camera":true,"type":"media_state"})"));
  CHECK(ms.camera);
  CHECK_FALSE(ms.microphone);
  // A repeated field keeps its last value, like every other message.
  CHECK(std::get<MediaStateCommand>(
            command_of(R"({"type":"media_state","camera":false,"camera":true,"microphone":true})"))
            .camera);
  CHECK(std::get<MediaFlowingCommand>(command_of(R"({"type":"media_flowing","match_id":"m4Hq8Ls0"})")).match_id ==
        "m4Hq8Ls0");
  CHECK(std::get<MediaFlowingCommand>(command_of(R"({"type":"media_flowing","match_id":"m\u0041"})")).match_id == "mA");
  CHECK(std::get<MediaFlowingCommand>(
            command_of(R"({"type":"media_flowing","match_id":")" + std::string(64, 'x') + "\"}"))
            .match_id.size() == 64);

  for (const char* bad :
       {R"({"type":"media_state"})", R"({"type":"media_state","camera":true})",
        R"({"type":"media_state","microphone":true})", R"({"type":"media_state","camera":1,"microphone":true})",
        R"({"type":"media_state","camera":"true","microphone":false})",
        R"({"type":"media_state","camera":true,"microphone":null})"}) {
    INFO(bad);
    auto e = error_of(bad);
    CHECK(e.code == "invalid_message");
    CHECK_THAT(e.message, Catch::Contains("camera") && Catch::Contains("microphone"));
  }
  for (const char* bad : {R"({"type":"media_flowing"})", R"({"type":"media_flowing","match_id":""})",
                          R"({"type":"media_flowing","match_id":5})", R"({"type":"media_flowing","match_id":null})",
                          R"({"type":"media_flowing","match_id":["m1"]})"}) {
    INFO(bad);
    auto e = error_of(bad);
    CHECK(e.code == "invalid_message");
    CHECK_THAT(e.message, Catch::Contains("match_id"));
  }
  auto too_long = error_of(R"({"type":"media_flowing","match_id":")" + std::string(65, 'x') + "\"}");
  CHECK(too_long.code == "invalid_message");
  CHECK_THAT(too_long.message, Catch::Contains("64 bytes"));
  CHECK(error_of(R"({"type":"media_state","camera":true,"microphone":true)").code == "invalid_json");
}

TEST_CASE("call_event parses into a command whose event is one of the four", "[protocol][call_event]") {
  for (auto [name, event] :
       {std::pair{"stall", CallEvent::stall}, std::pair{"ice_restart", CallEvent::ice_restart},
        std::pair{"pc_recreated", CallEvent::pc_recreated}, std::pair{"recovered", CallEvent::recovered}}) {
    auto cmd = std::get<CallEventCommand>(
        command_of(std::string(R"({"type":"call_event","match_id":"m1","event":")") + name + "\"}"));
    CHECK(cmd.match_id == "m1");
    CHECK(cmd.event == event);
    CHECK(to_string(event) == name);
  }
  // Escapes decode like everywhere else.
  CHECK(std::get<CallEventCommand>(command_of(R"({"type":"call_event","match_id":"m\u0031","event":"st\u0061ll"})"))
            .match_id == "m1");
  CHECK(error_of(R"({"type":"call_event","match_id":"m1","event":"melted"})").code == "invalid_message");
  CHECK(error_of(R"({"type":"call_event","match_id":"m1","event":"Stall"})").code == "invalid_message");
  CHECK(error_of(R"({"type":"call_event","match_id":"m1","event":1})").code == "invalid_message");
  CHECK(error_of(R"({"type":"call_event","match_id":"m1"})").code == "invalid_message");
  CHECK(error_of(R"({"type":"call_event","match_id":"","event":"stall"})").code == "invalid_message");
  CHECK(error_of(R"({"type":"call_event","event":"stall"})").code == "invalid_message");
  CHECK(error_of(R"({"type":"call_event","match_id":["m1"],"event":"stall"})").code == "invalid_message");
  CHECK(error_of(R"({"type":"call_event","match_id":")" + std::string(65, 'x') + R"(","event":"stall"})").code ==
        "invalid_message");
  CHECK_FALSE(parse_call_event("").has_value());
}
