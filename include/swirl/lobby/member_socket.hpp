#pragma once
// One member's WebSocket as the lobby sees it: the lobby::Mailbox the actor delivers frames to,
// and the ws::MessageHandler the connection (ws/ws_session.hpp) hands messages to. It joins the
// lobby through the supervisor, moves the connection onto the lobby's strand once attached,
// parses each message (lobby/protocol.hpp) and hands the command to the actor by a plain call.
// The transport knows nothing of lobbies; this is the one place the two meet.

#include <memory>
#include <string>

#include "swirl/lobby/lobby_server.hpp"
#include "swirl/lobby/mailbox.hpp"
#include "swirl/ws/message_handler.hpp"
#include "swirl/ws/ws_session.hpp"

namespace swirl::lobby {

class ApplicationSupervisor;

class MemberSocket final : public Mailbox,
                           public ws::MessageHandler,
                           public std::enable_shared_from_this<MemberSocket> {
 public:
  // `connection` is just upgraded and admitted, as `user_id`'s. Must be owned by a shared_ptr.
  MemberSocket(std::shared_ptr<ws::WsSession> connection, std::string user_id);

  // Asks the lobby to take the connection; it starts reading once the lobby has attached it.
  void join(ApplicationSupervisor& supervisor, std::string lobby_id, std::string display_name);

  // Mailbox: the actor's side.
  void deliver(Frame frame, FrameKind kind) override;
  void close(std::uint16_t code, std::string reason) override;
  void heartbeat(std::chrono::steady_clock::time_point now) override;

  // ws::MessageHandler: the connection's side, on the lobby's strand.
  void on_text(std::string_view message) override;
  void on_refused(ws::Refusal why, std::string_view message) override;
  void on_close_frame(std::optional<std::uint16_t> code) override;
  void on_closed() override;
  std::string log_fields() const override;

 private:
  void on_attached(std::shared_ptr<LobbyServer> lobby, MemberId mid);
  // The connection while it lives; null once it is gone.
  std::shared_ptr<ws::WsSession> connection() const { return joining_ ? joining_ : attached_.lock(); }

  // Until the lobby attaches the connection, nothing else keeps it alive: we hold it. Once
  // attached, the connection keeps itself alive (its read is always pending until it closes)
  // and holds us as its handler, so we hold it weakly: two strong pointers would be a cycle
  // that outlives a server stopped with the connection still open.
  std::shared_ptr<ws::WsSession> joining_;
  std::weak_ptr<ws::WsSession> attached_;
  std::string user_id_;
  std::shared_ptr<LobbyServer> lobby_;  // from on_attached until on_closed
  MemberId mid_ = 0;                    // our member id in lobby_
};

}  // namespace swirl::lobby
