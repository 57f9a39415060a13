#pragma once
// The seam between the WebSocket transport and what its messages mean. A connection
// (ws/ws_session.hpp) knows frames, the handshake, its outgoing queue, close, ping and the
// message rate; it hands every whole text message to a MessageHandler and never looks inside.
// The lobby's handler is lobby/member_socket.hpp. ws/ includes nothing from the layers above.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

namespace swirl::ws {

// A message to send, shared by every connection it goes to (a broadcast is written once).
using Payload = std::shared_ptr<const std::string>;

// The strand a connection runs on once attached (its handler's). Bound to the io_context's own
// executor type (24 bytes, against 72 for a strand over any_io_executor): every pending socket
// operation carries one.
using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;

// How a message joins the outgoing queue.
enum class SendKind {
  queued,      // in order; never dropped (a full queue closes the connection instead)
  replaceable  // replaces the previous replaceable message while that one is still unsent
};

// Why the connection dropped a message without closing.
enum class Refusal {
  binary,       // a binary message: only text is accepted
  rate_limited  // over the message rate (reported at most once a second while it goes on)
};

class MessageHandler {
 public:
  virtual ~MessageHandler() = default;
  // A whole text message: valid UTF-8, within the size limit, admitted by the rate limit.
  virtual void on_text(std::string_view message) = 0;
  // A message was dropped; the connection stays open. `message` says why, for the client.
  virtual void on_refused(Refusal why, std::string_view message) = 0;
  // The client's close frame arrived while the connection was open (code: none for an empty
  // close payload). The connection answers it itself; on_closed follows.
  virtual void on_close_frame(std::optional<std::uint16_t> code) = 0;
  // The connection is gone (closed, dropped, or failed): the last call. The connection lets
  // go of the handler right after it.
  virtual void on_closed() = 0;
  // Whose connection this is, as key=value words for the connection's log lines (the lobby's:
  // "lobby=ID user=ID"). Asked only when a line is logged: the connection keeps no copy.
  virtual std::string log_fields() const { return {}; }
};

}  // namespace swirl::ws
