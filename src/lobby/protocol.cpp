#include "swirl/lobby/protocol.hpp"

#include <array>

#include "swirl/json/scan.hpp"
#include "swirl/lobby/frames.hpp"

namespace swirl::lobby {

namespace {

// The top-level members we route on. A member given twice keeps its last value, as it did when
// these messages went through nlohmann::json (its objects are maps: a repeated key overwrites).
enum Field : std::size_t {
  type_field,
  to_field,
  data_field,
  ready_field,
  camera_field,
  microphone_field,
  match_id_field,
  event_field,
  page_closing_field,
  user_id_field,
  reason_field,
  details_field,
  field_count
};
constexpr std::array<std::string_view, field_count> field_names{"type",         "to",         "data",     "ready",
                                                                "camera",       "microphone", "match_id", "event",
                                                                "page_closing", "user_id",    "reason",   "details"};

bool is_boolean(const swirl::json::Value& v) {
  return v.kind == swirl::json::Kind::true_value || v.kind == swirl::json::Kind::false_value;
}

// The target of a block or report: a user id (its shape only; who may be named is the actor's rule).
std::optional<std::string> user_id_of(const swirl::json::Value& v) {
  if (v.kind != swirl::json::Kind::string) return std::nullopt;
  auto id = swirl::json::decode(v);
  if (!is_user_id_shape(id)) return std::nullopt;
  return id;
}

std::variant<ClientCommand, ProtocolError> parse_report(const std::array<swirl::json::Value, field_count>& f) {
  using swirl::json::Kind;
  auto user_id = user_id_of(f[user_id_field]);
  if (!user_id) return ProtocolError{"invalid_message", "report: the field \"user_id\" must be a user id"};
  std::optional<ReportReason> reason;
  if (f[reason_field].kind == Kind::string) reason = parse_report_reason(swirl::json::decode(f[reason_field]));
  if (!reason)
    return ProtocolError{
        "invalid_message",
        "report: the field \"reason\" must be one of harassment, inappropriate, spam, underage, other"};
  std::string details;
  if (f[details_field].kind != Kind::absent) {
    if (f[details_field].kind != Kind::string)
      return ProtocolError{"invalid_message", "report: the field \"details\" must be a string"};
    details = swirl::json::decode(f[details_field]);
    if (!valid_report_details(details))
      return ProtocolError{"invalid_message", "report: \"details\" must be at most " +
                                                  std::to_string(kMaxReportDetailsBytes) +
                                                  " bytes of text without control characters"};
  }
  return ClientCommand{ReportCommand{std::move(*user_id), *reason, std::move(details)}};
}

}  // namespace

std::variant<ClientCommand, ProtocolError> parse_client_message(std::string_view text, const std::string& from_user) {
  using swirl::json::Kind;
  std::array<swirl::json::Value, field_count> f{};
  switch (swirl::json::scan(text, field_names, f)) {
    case swirl::json::Verdict::invalid: return ProtocolError{"invalid_json", "the message is not valid JSON"};
    case swirl::json::Verdict::too_deep:
      return ProtocolError{"invalid_json", "the message nests arrays and objects more than " +
                                               std::to_string(swirl::json::max_depth) + " levels deep"};
    case swirl::json::Verdict::not_object: return ProtocolError{"invalid_json", "the message must be a JSON object"};
    case swirl::json::Verdict::object: break;
  }
  const auto& type = f[type_field];
  if (type.kind != Kind::string) return ProtocolError{"unknown_type", "the message needs a string field \"type\""};

  if (swirl::json::decoded_equals(type, "signal")) {
    const auto& to = f[to_field];
    // Every escape decodes to at least one byte, so an empty raw string is the only empty one.
    if (to.kind != Kind::string || to.raw.empty())
      return ProtocolError{"invalid_message", "signal: the field \"to\" must be a user id"};
    if (f[data_field].kind != Kind::object)
      return ProtocolError{"invalid_message", "signal: the field \"data\" must be an object"};
    return ClientCommand{
        SignalCommand{swirl::json::decode(to), make_frame(signal_frame(from_user, f[data_field].raw))}};
  }
  if (swirl::json::decoded_equals(type, "ready")) {
    if (!is_boolean(f[ready_field]))
      return ProtocolError{"invalid_message", "ready: the field \"ready\" must be true or false"};
    return ClientCommand{ReadyCommand{f[ready_field].kind == Kind::true_value}};
  }
  if (swirl::json::decoded_equals(type, "leave_match")) {
    bool ready = false;
    if (f[ready_field].kind != Kind::absent) {
      if (!is_boolean(f[ready_field]))
        return ProtocolError{"invalid_message", "leave_match: the field \"ready\" must be true or false"};
      ready = f[ready_field].kind == Kind::true_value;
    }
    return ClientCommand{LeaveMatchCommand{ready}};
  }
  if (swirl::json::decoded_equals(type, "leave")) {
    bool page_closing = false;
    if (f[page_closing_field].kind != Kind::absent) {
      if (!is_boolean(f[page_closing_field]))
        return ProtocolError{"invalid_message", "leave: the field \"page_closing\" must be true or false"};
      page_closing = f[page_closing_field].kind == Kind::true_value;
    }
    return ClientCommand{LeaveCommand{page_closing}};
  }
  if (swirl::json::decoded_equals(type, "media_state")) {
    if (!is_boolean(f[camera_field]) || !is_boolean(f[microphone_field]))
      return ProtocolError{"invalid_message",
                           "media_state: the fields \"camera\" and \"microphone\" must be true or false"};
    return ClientCommand{
        MediaStateCommand{f[camera_field].kind == Kind::true_value, f[microphone_field].kind == Kind::true_value}};
  }
  if (swirl::json::decoded_equals(type, "media_flowing")) {
    const auto& id = f[match_id_field];
    if (id.kind != Kind::string || id.raw.empty())
      return ProtocolError{"invalid_message", "media_flowing: the field \"match_id\" must be a match id"};
    auto decoded = swirl::json::decode(id);
    if (decoded.size() > kMaxMatchIdBytes)
      return ProtocolError{"invalid_message",
                           "media_flowing: \"match_id\" is longer than " + std::to_string(kMaxMatchIdBytes) + " bytes"};
    return ClientCommand{MediaFlowingCommand{std::move(decoded)}};
  }
  if (swirl::json::decoded_equals(type, "call_event")) {
    const auto& match_id = f[match_id_field];
    if (match_id.kind != Kind::string || match_id.raw.empty())
      return ProtocolError{"invalid_message", "call_event: the field \"match_id\" must be a match id"};
    auto decoded = swirl::json::decode(match_id);
    if (decoded.size() > kMaxMatchIdBytes)
      return ProtocolError{"invalid_message",
                           "call_event: \"match_id\" is longer than " + std::to_string(kMaxMatchIdBytes) + " bytes"};
    const auto& event = f[event_field];
    std::optional<CallEvent> known;
    if (event.kind == Kind::string) known = parse_call_event(swirl::json::decode(event));
    if (!known)
      return ProtocolError{
          "invalid_message",
          "call_event: the field \"event\" must be one of stall, ice_restart, pc_recreated, recovered"};
    return ClientCommand{CallEventCommand{std::move(decoded), *known}};
  }
  if (swirl::json::decoded_equals(type, "block")) {
    auto user_id = user_id_of(f[user_id_field]);
    if (!user_id) return ProtocolError{"invalid_message", "block: the field \"user_id\" must be a user id"};
    return ClientCommand{BlockCommand{std::move(*user_id)}};
  }
  if (swirl::json::decoded_equals(type, "report")) return parse_report(f);
  return ProtocolError{"unknown_type", "unknown message type \"" + swirl::json::decode(type).substr(0, 64) + "\""};
}

}  // namespace swirl::lobby
