#pragma once
// The WebSocket protocol's client messages, parsed into plain commands (docs/protocol.md).
// Parsing happens on the session's strand, so the lobby only routes ready-made values.

#include <string>
#include <string_view>
#include <variant>

#include "swirl/lobby/call_events.hpp"
#include "swirl/lobby/mailbox.hpp"
#include "swirl/lobby/safety.hpp"

namespace swirl::lobby {

struct ReadyCommand {
  bool ready;
};
struct SignalCommand {
  std::string to;
  Frame frame;  // the complete outgoing {"type":"signal","from":...,"data":...}, built once
};
struct LeaveMatchCommand {
  bool ready;
};
// The member leaves the lobby. `page_closing`: the page is going away (closing or reloading, the
// client cannot tell which): keep the member for the short page-close grace so a reload resumes.
struct LeaveCommand {
  bool page_closing;
};
// The sender's camera/microphone changed (or it repeats them after a match).
struct MediaStateCommand {
  bool camera;
  bool microphone;
};
// The sender received the first remote media frame of match `match_id`.
struct MediaFlowingCommand {
  std::string match_id;
};
// Longest match id accepted in media_flowing and call_event (ids the server makes are far shorter).
constexpr std::size_t kMaxMatchIdBytes = 64;
// A stall or a recovery step in the sender's call (counted; never relayed).
struct CallEventCommand {
  std::string match_id;
  CallEvent event;
};
// Never be matched with `user_id` again, in any lobby; signals between us are refused.
struct BlockCommand {
  std::string user_id;
};
// Tell the lobby's owner about `user_id` (docs/protocol.md, "Blocking and reporting").
struct ReportCommand {
  std::string user_id;
  ReportReason reason;
  std::string details;  // "" when none was given
};
using ClientCommand = std::variant<ReadyCommand, SignalCommand, LeaveMatchCommand, MediaStateCommand,
                                   MediaFlowingCommand, CallEventCommand, LeaveCommand, BlockCommand, ReportCommand>;

struct ProtocolError {
  std::string code;  // invalid_json, unknown_type, invalid_message
  std::string message;
};

// Parses one text frame from `from_user`.
std::variant<ClientCommand, ProtocolError> parse_client_message(std::string_view text, const std::string& from_user);

// {"type":"error","code":..,"message":..}
std::string error_frame(std::string_view code, std::string_view message);

// WebSocket close codes used by the server (docs/protocol.md).
namespace close_code {
constexpr std::uint16_t normal = 1000;
constexpr std::uint16_t going_away = 1001;
constexpr std::uint16_t policy = 1008;  // client too slow, rate limit exceeded
constexpr std::uint16_t too_big = 1009;
constexpr std::uint16_t internal = 1011;  // lobby failed
constexpr std::uint16_t replaced = 4000;
constexpr std::uint16_t kicked = 4003;
constexpr std::uint16_t lobby_closed = 4004;
constexpr std::uint16_t lobby_moved = 4005;  // multi-node: this node lost the lobby's lease; reconnect
}  // namespace close_code

}  // namespace swirl::lobby
