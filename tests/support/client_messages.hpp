#pragma once
// The parse of one client message (lobby/protocol.hpp) as the tests want it: the command, or
// the refusal, with the test failing at once when the other came back.

#include <catch2/catch.hpp>

#include <string_view>
#include <variant>

#include "swirl/lobby/protocol.hpp"

namespace swirl::test {

inline lobby::ProtocolError error_of(std::string_view text) {
  auto r = lobby::parse_client_message(text, "me");
  REQUIRE(std::holds_alternative<lobby::ProtocolError>(r));
  return std::get<lobby::ProtocolError>(r);
}

inline lobby::ClientCommand command_of(std::string_view text) {
  auto r = lobby::parse_client_message(text, "me");
  REQUIRE(std::holds_alternative<lobby::ClientCommand>(r));
  return std::get<lobby::ClientCommand>(r);
}

}  // namespace swirl::test
