// libFuzzer target: the WebSocket client-message parser (lobby/protocol.hpp) on any text frame.
// Every input gives a command or a documented error code; a signal's outgoing frame (built by
// concatenation, not by a JSON library) is valid JSON carrying the sender and the data as sent.

#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "fuzz_support.hpp"
#include "swirl/lobby/protocol.hpp"

using namespace swirl::lobby;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = swirl::fuzz::as_text(data, size);
  // The sender's id as the server makes it, and one that needs escaping.
  for (const std::string& from : {std::string("u_3f2a9c"), std::string("q\"\\\x01\xc3\xa9")}) {
    auto parsed = parse_client_message(text, from);
    if (auto* error = std::get_if<ProtocolError>(&parsed)) {
      FUZZ_REQUIRE(error->code == "invalid_json" || error->code == "unknown_type" || error->code == "invalid_message");
      FUZZ_REQUIRE(!error->message.empty());
      // The error frame sent back is valid JSON whatever the message says.
      FUZZ_REQUIRE(!nlohmann::json::parse(error_frame(error->code, error->message), nullptr, false).is_discarded());
      continue;
    }
    // Anything accepted is valid JSON (the scanner and nlohmann agree but for the documented cases).
    nlohmann::json in = nlohmann::json::parse(text, nullptr, false);
    const auto& command = std::get<ClientCommand>(parsed);
    if (const auto* signal = std::get_if<SignalCommand>(&command)) {
      FUZZ_REQUIRE(signal->frame != nullptr);
      nlohmann::json out = nlohmann::json::parse(*signal->frame, nullptr, false);
      FUZZ_REQUIRE(!out.is_discarded() && out.is_object());
      FUZZ_REQUIRE(out.size() == 3 && out["type"] == "signal" && out["from"] == from);
      if (!in.is_discarded()) {
        FUZZ_REQUIRE(out["data"] == in["data"]);
        FUZZ_REQUIRE(in["to"] == signal->to);
      }
      FUZZ_REQUIRE(!signal->to.empty());
    } else if (const auto* flowing = std::get_if<MediaFlowingCommand>(&command)) {
      FUZZ_REQUIRE(flowing->match_id.size() <= kMaxMatchIdBytes);
    } else if (const auto* event = std::get_if<CallEventCommand>(&command)) {
      FUZZ_REQUIRE(event->match_id.size() <= kMaxMatchIdBytes);
    }
  }
  return 0;
}
