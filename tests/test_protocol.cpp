// Parsing client messages and lobby settings on their own (pure functions).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "swirl/lobby/lobby_record.hpp"
#include "swirl/lobby/protocol.hpp"

using namespace swirl::lobby;
using nlohmann::json;

namespace {
ProtocolError error_of(std::string_view text) {
  auto r = parse_client_message(text, "me");
  REQUIRE(std::holds_alternative<ProtocolError>(r));
  return std::get<ProtocolError>(r);
}
ClientCommand command_of(std::string_view text) {
  auto r = parse_client_message(text, "me");
  REQUIRE(std::holds_alternative<ClientCommand>(r));
  return std::get<ClientCommand>(r);
}
}  // namespace

TEST_CASE("client messages parse into commands", "[protocol]") {
  CHECK(std::get<ReadyCommand>(command_of(R"({"type":"ready","ready":true})")).ready);
  CHECK_FALSE(std::get<ReadyCommand>(command_of(R"({"type":"ready","ready":false})")).ready);
  CHECK_FALSE(std::get<LeaveMatchCommand>(command_of(R"({"type":"leave_match"})")).ready);
  CHECK(std::get<LeaveMatchCommand>(command_of(R"({"type":"leave_match","ready":true})")).ready);
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
}

TEST_CASE("lobby settings: defaults, partial updates and errors naming the field", "[protocol][settings]") {
  LobbySettings base;
  auto ok = apply_settings(base, {{"group_size", 4}, {"when_exhausted", "repeat"}, {"repeat_after_seconds", 60}});
  REQUIRE(std::holds_alternative<LobbySettings>(ok));
  auto s = std::get<LobbySettings>(ok);
  CHECK(s.group_size == 4);
  CHECK(s.when_exhausted == WhenExhausted::repeat);
  CHECK(s.match_rules().repeat_after_ms == 60000);
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
