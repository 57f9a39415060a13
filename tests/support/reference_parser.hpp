#pragma once
// The parse_client_message that the one-pass scanner replaced (an nlohmann::json DOM parse, with
// `data` dumped again), kept verbatim as the reference for the differential tests
// (tests/test_protocol.cpp) and the parser benchmark (bench/protocol_bench.cpp).

#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "swirl/lobby/protocol.hpp"

namespace swirl::test {

inline std::variant<swirl::lobby::ClientCommand, swirl::lobby::ProtocolError> reference_parse(
    std::string_view text, const std::string& from_user) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return swirl::lobby::ProtocolError{"invalid_json", "the message is not valid JSON"};
  if (!j.is_object()) return swirl::lobby::ProtocolError{"invalid_json", "the message must be a JSON object"};
  auto type_it = j.find("type");
  if (type_it == j.end() || !type_it->is_string())
    return swirl::lobby::ProtocolError{"unknown_type", "the message needs a string field \"type\""};
  const auto& type = type_it->get_ref<const std::string&>();

  if (type == "ready") {
    auto r = j.find("ready");
    if (r == j.end() || !r->is_boolean())
      return swirl::lobby::ProtocolError{"invalid_message", "ready: the field \"ready\" must be true or false"};
    return swirl::lobby::ClientCommand{swirl::lobby::ReadyCommand{r->get<bool>()}};
  }
  if (type == "signal") {
    auto to = j.find("to");
    if (to == j.end() || !to->is_string() || to->get_ref<const std::string&>().empty())
      return swirl::lobby::ProtocolError{"invalid_message", "signal: the field \"to\" must be a user id"};
    auto data = j.find("data");
    if (data == j.end() || !data->is_object())
      return swirl::lobby::ProtocolError{"invalid_message", "signal: the field \"data\" must be an object"};
    std::string out;
    out.reserve(text.size() + from_user.size() + 32);
    out += R"({"type":"signal","from":)";
    out += nlohmann::json(from_user).dump();
    out += R"(,"data":)";
    out += data->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    out += '}';
    return swirl::lobby::ClientCommand{
        swirl::lobby::SignalCommand{to->get<std::string>(), swirl::lobby::make_frame(std::move(out))}};
  }
  if (type == "leave_match") {
    bool ready = false;
    auto r = j.find("ready");
    if (r != j.end()) {
      if (!r->is_boolean())
        return swirl::lobby::ProtocolError{"invalid_message", "leave_match: the field \"ready\" must be true or false"};
      ready = r->get<bool>();
    }
    return swirl::lobby::ClientCommand{swirl::lobby::LeaveMatchCommand{ready}};
  }
  return swirl::lobby::ProtocolError{"unknown_type", "unknown message type \"" + type.substr(0, 64) + "\""};
}

}  // namespace swirl::test
