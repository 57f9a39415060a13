#include "swirl/lobby/member_socket.hpp"

#include "swirl/lobby/frames.hpp"
#include "swirl/lobby/protocol.hpp"
#include "swirl/lobby/supervisor.hpp"

namespace swirl::lobby {

MemberSocket::MemberSocket(std::shared_ptr<ws::WsSession> connection, std::string user_id)
    : joining_(std::move(connection)), user_id_(std::move(user_id)) {}

void MemberSocket::join(ApplicationSupervisor& supervisor, std::string lobby_id, std::string display_name) {
  JoinRequest join;
  join.lobby_id = std::move(lobby_id);
  join.user_id = user_id_;
  join.display_name = std::move(display_name);
  join.mailbox = shared_from_this();  // keeps the socket alive until the lobby has it (or refused it)
  // Called on the lobby's strand, inside its join handler.
  join.on_attached = [weak = weak_from_this()](std::shared_ptr<LobbyServer> l, MemberId mid) {
    if (auto self = weak.lock()) self->on_attached(std::move(l), mid);
  };
  // The upgrade's coroutine ends with this call: the supervisor and the lobby may take the
  // join at once, inside it.
  supervisor.attach_now(std::move(join));
}

void MemberSocket::on_attached(std::shared_ptr<LobbyServer> l, MemberId mid) {
  mid_ = mid;
  lobby_ = std::move(l);
  // The connection (and so this handler) runs on the lobby's strand from here on.
  auto connection = std::move(joining_);
  if (!connection->attach(lobby_->strand(), shared_from_this())) {
    // It closed while we were joining: the lobby starts the member's grace period.
    lobby_->disconnected(shared_from_this(), user_id_);
    lobby_.reset();
    return;
  }
  attached_ = connection;
}

void MemberSocket::deliver(Frame frame, FrameKind kind) {
  auto connection = this->connection();
  if (!connection) return;  // gone: the lobby hears of it through on_closed
  connection->send(std::move(frame), kind == FrameKind::status ? ws::SendKind::replaceable : ws::SendKind::queued);
}

void MemberSocket::close(std::uint16_t code, std::string reason) {
  if (auto connection = this->connection()) connection->close(code, std::move(reason));
}

void MemberSocket::heartbeat(std::chrono::steady_clock::time_point now) {
  if (auto connection = this->connection()) connection->heartbeat(now);
}

void MemberSocket::on_text(std::string_view message) {
  auto parsed = parse_client_message(message, user_id_);
  if (auto* err = std::get_if<ProtocolError>(&parsed)) {
    if (auto connection = this->connection()) connection->send(make_frame(error_frame(err->code, err->message)));
    return;
  }
  // We run on the lobby's strand: hand the command over directly.
  lobby_->handle_message(shared_from_this(), mid_, std::get<ClientCommand>(parsed));
}

void MemberSocket::on_refused(ws::Refusal why, std::string_view message) {
  if (auto connection = this->connection())
    connection->send(
        make_frame(error_frame(why == ws::Refusal::rate_limited ? "rate_limited" : "invalid_message", message)));
}

void MemberSocket::on_close_frame(std::optional<std::uint16_t> code) {
  // 1001 "going away" is what a browser sends when the page is closed or navigated away: the
  // same as `leave` page_closing (docs/protocol.md), so the drop that follows gets the
  // page-close grace even when the page had no time to send that message itself.
  if (code != close_code::going_away) return;
  ClientCommand leave{LeaveCommand{true}};
  lobby_->handle_message(shared_from_this(), mid_, leave);
}

std::string MemberSocket::log_fields() const {
  return "lobby=" + (lobby_ ? lobby_->id() : std::string()) + " user=" + user_id_;
}

void MemberSocket::on_closed() {
  lobby_->disconnected(shared_from_this(), user_id_);
  lobby_.reset();
}

}  // namespace swirl::lobby
