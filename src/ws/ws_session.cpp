#include "swirl/ws/ws_session.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/websocket.hpp>
#include <spdlog/spdlog.h>

#include "swirl/lobby/lobby_server.hpp"
#include "swirl/lobby/protocol.hpp"
#include "swirl/lobby/supervisor.hpp"

namespace swirl::ws {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using lobby::close_code::policy;

namespace {
constexpr auto kCloseDeadline = std::chrono::seconds(5);      // a close handshake that takes longer ends the TCP connection
constexpr auto kRateWindow = std::chrono::seconds(5);         // refused messages are counted over this window...
constexpr auto kRateErrorInterval = std::chrono::seconds(1);  // ...and reported at most this often
constexpr std::size_t kIdleBufferBytes = 4096;                // read buffer kept between messages
}  // namespace

WsSession::WsSession(beast::tcp_stream stream, const Config& config, WsCounters& counters, std::string lobby_id,
                     std::string user_id, std::string display_name)
    : ws_(std::move(stream)),
      config_(config),
      counters_(counters),
      lobby_id_(std::move(lobby_id)),
      user_id_(std::move(user_id)),
      display_name_(std::move(display_name)),
      close_deadline_(ws_.get_executor()),
      tokens_(config.ws_rate_burst),
      last_refill_(std::chrono::steady_clock::now()) {
  counters_.open++;
}

WsSession::~WsSession() {
  if (!finished_) counters_.open--;
}

void WsSession::run(beast::http::request<beast::http::string_body> request,
                    std::shared_ptr<lobby::ApplicationSupervisor> supervisor) {
  beast::get_lowest_layer(ws_).expires_never();
  websocket::stream_base::timeout timeouts;
  timeouts.handshake_timeout = config_.ws_hello_timeout;
  timeouts.idle_timeout = config_.ws_idle_timeout;  // a ping goes out at half of it
  timeouts.keep_alive_pings = true;
  ws_.set_option(timeouts);
  ws_.read_message_max(config_.ws_max_frame_bytes);
  ws_.auto_fragment(false);
  ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
    res.set(beast::http::field::sec_websocket_protocol, "swirl.v1");
    res.set(beast::http::field::server, "swirl");
  }));
  ws_.async_accept(request, [self = shared_from_this(), supervisor](beast::error_code ec) mutable {
    self->on_accept(ec, std::move(supervisor));
  });
}

void WsSession::on_accept(beast::error_code ec, std::shared_ptr<lobby::ApplicationSupervisor> supervisor) {
  if (ec) {
    finish();
    return;
  }
  state_ = State::open;
  counters_.accepted++;
  lobby::JoinRequest join;
  join.lobby_id = lobby_id_;
  join.user_id = user_id_;
  join.display_name = display_name_;
  join.mailbox = shared_from_this();
  join.on_attached = [weak = weak_from_this()](std::shared_ptr<lobby::LobbyServer> l) {
    if (auto self = weak.lock())
      asio::post(self->ws_.get_executor(), [self, l = std::move(l)]() mutable { self->on_attached(std::move(l)); });
  };
  supervisor->attach(std::move(join));
  // Read at once, so pings are answered and a close from the client is seen; messages that
  // arrive before the lobby has registered us wait in the socket (reading resumes on attach).
  do_read();
}

void WsSession::on_attached(std::shared_ptr<lobby::LobbyServer> l) {
  if (lobby_ && lobby_ != l) lobby_->disconnected(shared_from_this(), user_id_);
  lobby_ = std::move(l);
  if (finished_) {
    lobby_->disconnected(shared_from_this(), user_id_);
    lobby_.reset();
    return;
  }
  if (pending_text_ && state_ == State::open) {
    std::string text = std::move(*pending_text_);
    pending_text_.reset();
    handle_text(text);
  }
  if (!reading_) do_read();
}

void WsSession::do_read() {
  if (reading_ || finished_) return;
  reading_ = true;
  ws_.async_read(read_buffer_, beast::bind_front_handler(&WsSession::on_read, shared_from_this()));
}

void WsSession::on_read(beast::error_code ec, std::size_t bytes) {
  reading_ = false;
  if (ec) {
    finish();
    return;
  }
  counters_.messages_in++;
  if (state_ == State::open) {
    if (!lobby_) {
      // Not yet attached: hold this message and pause reading until we are.
      pending_text_.emplace(beast::buffers_to_string(read_buffer_.data()));
    } else if (!ws_.got_text()) {
      enqueue(lobby::make_frame(lobby::error_frame("invalid_message", "binary frames are not accepted; send JSON text")),
              lobby::FrameKind::normal);
    } else {
      auto data = read_buffer_.data();
      handle_text(std::string_view(static_cast<const char*>(data.data()), data.size()));
    }
  }
  read_buffer_.consume(bytes);
  if (read_buffer_.capacity() > kIdleBufferBytes) read_buffer_.shrink_to_fit();
  if (!lobby_ && state_ == State::open) return;  // on_attached resumes reading
  do_read();
}

bool WsSession::take_rate_token() {
  auto now = std::chrono::steady_clock::now();
  double elapsed = std::chrono::duration<double>(now - last_refill_).count();
  last_refill_ = now;
  tokens_ = std::min<double>(config_.ws_rate_burst, tokens_ + elapsed * config_.ws_rate_per_second);
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return true;
  }
  return false;
}

void WsSession::handle_text(std::string_view text) {
  if (!take_rate_token()) {
    auto now = std::chrono::steady_clock::now();
    if (now - rate_window_start_ > kRateWindow) {
      rate_window_start_ = now;
      refused_in_window_ = 0;
    }
    if (++refused_in_window_ > std::max(config_.ws_rate_burst, config_.ws_rate_per_second)) {
      counters_.closed_rate_limit++;
      start_close(policy, "rate limit exceeded");
      return;
    }
    if (now - last_rate_error_ >= kRateErrorInterval) {
      last_rate_error_ = now;
      enqueue(lobby::make_frame(lobby::error_frame(
                  "rate_limited", "more than " + std::to_string(config_.ws_rate_per_second) +
                                      " messages per second; messages are being dropped")),
              lobby::FrameKind::normal);
    }
    return;
  }
  auto parsed = lobby::parse_client_message(text, user_id_);
  if (auto* err = std::get_if<lobby::ProtocolError>(&parsed)) {
    enqueue(lobby::make_frame(lobby::error_frame(err->code, err->message)), lobby::FrameKind::normal);
    return;
  }
  lobby_->message(shared_from_this(), user_id_, std::move(std::get<lobby::ClientCommand>(parsed)));
}

void WsSession::deliver(lobby::Frame frame, lobby::FrameKind kind) {
  asio::post(ws_.get_executor(), [self = shared_from_this(), frame = std::move(frame), kind]() mutable {
    self->enqueue(std::move(frame), kind);
  });
}

void WsSession::close(std::uint16_t code, std::string reason) {
  asio::post(ws_.get_executor(), [self = shared_from_this(), code, reason = std::move(reason)]() mutable {
    self->start_close(code, std::move(reason));
  });
}

void WsSession::enqueue(lobby::Frame frame, lobby::FrameKind kind) {
  if (state_ != State::open) return;  // the connection is going away; the close tells the client
  if (kind == lobby::FrameKind::status && pending_status_) {
    queued_bytes_ = queued_bytes_ - pending_status_->frame->size() + frame->size();
    pending_status_->frame = std::move(frame);
    return;
  }
  queued_bytes_ += frame->size();
  queue_.push_back(Outgoing{std::move(frame), kind});
  if (kind == lobby::FrameKind::status) pending_status_ = &queue_.back();
  if (queue_.size() > config_.ws_queue_max_messages || queued_bytes_ > config_.ws_queue_max_bytes) {
    // The client is not reading fast enough. Drop what waits (keeping a frame being written,
    // whose buffer the socket still holds) and tell it why.
    counters_.closed_too_slow++;
    spdlog::info("ws {} in lobby {}: client too slow ({} messages, {} bytes queued)", user_id_, lobby_id_, queue_.size(),
                 queued_bytes_);
    std::size_t keep = writing_ ? 1 : 0;
    while (queue_.size() > keep) {
      queued_bytes_ -= queue_.back().frame->size();
      queue_.pop_back();
    }
    pending_status_ = nullptr;
    start_close(policy, "client too slow");
    return;
  }
  if (!writing_) do_write();
}

void WsSession::do_write() {
  writing_ = true;
  if (pending_status_ == &queue_.front()) pending_status_ = nullptr;  // in flight: no more replacing
  ws_.text(true);
  ws_.async_write(asio::buffer(*queue_.front().frame), beast::bind_front_handler(&WsSession::on_write, shared_from_this()));
}

void WsSession::on_write(beast::error_code ec, std::size_t) {
  writing_ = false;
  if (ec) {
    finish();
    return;
  }
  counters_.messages_out++;
  queued_bytes_ -= queue_.front().frame->size();
  queue_.pop_front();
  if (!queue_.empty() && state_ != State::closed) {
    do_write();
    return;
  }
  if (close_after_drain_) do_close();
}

void WsSession::start_close(std::uint16_t code, std::string reason) {
  if (state_ == State::closing || state_ == State::closed) return;
  if (state_ == State::accepting) {
    finish();
    return;
  }
  state_ = State::closing;
  close_after_drain_.emplace(code, std::move(reason));
  close_deadline_.expires_after(kCloseDeadline);
  close_deadline_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec) return;
    beast::error_code ignored;
    beast::get_lowest_layer(self->ws_).socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(self->ws_).close();
    self->finish();
  });
  if (!writing_) {
    if (queue_.empty()) do_close();
    else do_write();
  }
}

void WsSession::do_close() {
  if (!close_after_drain_ || closing_sent_) return;
  closing_sent_ = true;
  websocket::close_reason cr(close_after_drain_->first);
  cr.reason = close_after_drain_->second;
  ws_.async_close(cr, [self = shared_from_this()](beast::error_code) { self->finish(); });
}

void WsSession::finish() {
  if (finished_) return;
  finished_ = true;
  state_ = State::closed;
  counters_.open--;
  close_deadline_.cancel();
  pending_status_ = nullptr;
  if (!writing_) {
    queue_.clear();
    queued_bytes_ = 0;
  }
  if (!closing_sent_) {
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(ws_).close();
  }
  if (lobby_) {
    lobby_->disconnected(shared_from_this(), user_id_);
    lobby_.reset();
  }
}

}  // namespace swirl::ws
