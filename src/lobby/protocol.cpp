#include "swirl/lobby/protocol.hpp"

#include <nlohmann/json.hpp>

namespace swirl::lobby {

using nlohmann::json;

std::string error_frame(std::string_view code, std::string_view message) {
  return json{{"type", "error"}, {"code", code}, {"message", message}}.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::variant<ClientCommand, ProtocolError> parse_client_message(std::string_view text, const std::string& from_user) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return ProtocolError{"invalid_json", "the message is not valid JSON"};
  if (!j.is_object()) return ProtocolError{"invalid_json", "the message must be a JSON object"};
  auto type_it = j.find("type");
  if (type_it == j.end() || !type_it->is_string())
    return ProtocolError{"unknown_type", "the message needs a string field \"type\""};
  const auto& type = type_it->get_ref<const std::string&>();

  if (type == "ready") {
    auto r = j.find("ready");
    if (r == j.end() || !r->is_boolean())
      return ProtocolError{"invalid_message", "ready: the field \"ready\" must be true or false"};
    return ClientCommand{ReadyCommand{r->get<bool>()}};
  }
  if (type == "signal") {
    auto to = j.find("to");
    if (to == j.end() || !to->is_string() || to->get_ref<const std::string&>().empty())
      return ProtocolError{"invalid_message", "signal: the field \"to\" must be a user id"};
    auto data = j.find("data");
    if (data == j.end() || !data->is_object())
      return ProtocolError{"invalid_message", "signal: the field \"data\" must be an object"};
    std::string out;
    out.reserve(text.size() + from_user.size() + 32);
    out += R"({"type":"signal","from":)";
    out += json(from_user).dump();
    out += R"(,"data":)";
    out += data->dump(-1, ' ', false, json::error_handler_t::replace);
    out += '}';
    return ClientCommand{SignalCommand{to->get<std::string>(), make_frame(std::move(out))}};
  }
  if (type == "leave_match") {
    bool ready = false;
    auto r = j.find("ready");
    if (r != j.end()) {
      if (!r->is_boolean()) return ProtocolError{"invalid_message", "leave_match: the field \"ready\" must be true or false"};
      ready = r->get<bool>();
    }
    return ClientCommand{LeaveMatchCommand{ready}};
  }
  return ProtocolError{"unknown_type", "unknown message type \"" + type.substr(0, 64) + "\""};
}

}  // namespace swirl::lobby
