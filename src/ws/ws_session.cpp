// A connection's lifetime: construction, attach, the owner's side (send, close, heartbeat) and
// closing. Reading is ws_session_read.cpp, the outgoing queue ws_session_write.cpp.
#include "ws_session_detail.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>

#include "swirl/core/clock.hpp"

namespace swirl::ws {
namespace asio = boost::asio;
using namespace detail;
using Clock = std::chrono::steady_clock;

WsSession::WsSession(Socket socket, const core::Config& config, WsCounters& counters, std::string pending,
                     std::string response)
    : socket_(std::move(socket), config.ws_edge_recv),
      strand_(asio::make_strand(socket_.get_executor())),
      config_(config),
      counters_(counters),
      conn_id_(++counters.last_connection_id),
      partial_(std::move(pending)),
      last_received_(Clock::now()),
      tokens_(config.ws_rate_burst),
      last_refill_(last_received_) {
  counters_.open++;
  counters_.accepted++;
  if (!response.empty()) {
    // Sent as it is, ahead of every frame, by the first flush (no frame header: header_length 0).
    // Not a message: it counts toward neither bound of the queue.
    Outgoing o{};
    o.frame = std::make_shared<const std::string>(std::move(response));
    o.control = true;
    queue_.push_back(std::move(o));
    response_unsent_ = true;
  }
}

WsSession::~WsSession() {
  if (state_ != State::closed) counters_.open--;
}

bool WsSession::attach(Strand strand, std::shared_ptr<MessageHandler> handler) {
  // From here on this session lives on the handler's strand (we are running on it now).
  strand_ = std::move(strand);
  if (state_ == State::closed) return false;
  handler_ = std::move(handler);
  if (state_ == State::attaching) state_ = State::open;
  last_received_ = Clock::now();
  // No input yet: start the first read here. It only starts a receive, whose completion is
  // posted, never run inside this call.
  if (partial_.empty()) {
    do_read();
    return true;
  }
  // Input that came with the handshake is handled later, not inline: the caller is inside its
  // own join handler, and the messages would re-enter it.
  asio::post(strand_, [self = shared_from_this()] {
    if (self->state_ == State::closed) return;
    if (!self->partial_.empty()) {
      FlushBatch batch;
      std::size_t used = self->consume_frames(self->partial_.data(), self->partial_.size());
      if (used != std::string::npos && self->state_ != State::closed) self->partial_.erase(0, used);
    }
    self->do_read();
  });
  return true;
}

// --- the owner's side ---------------------------------------------------------------------------

void WsSession::send(Payload frame, SendKind kind) {
  if (strand_.running_in_this_thread()) {
    enqueue(std::move(frame), kind);
    return;
  }
  asio::post(strand_, [self = shared_from_this(), frame = std::move(frame), kind]() mutable {
    self->enqueue(std::move(frame), kind);
  });
}

void WsSession::close(std::uint16_t code, std::string reason) {
  if (strand_.running_in_this_thread()) {
    start_close(code, reason);
    return;
  }
  asio::post(strand_,
             [self = shared_from_this(), code, reason = std::move(reason)] { self->start_close(code, reason); });
}

void WsSession::heartbeat(Clock::time_point now) {
  if (!strand_.running_in_this_thread()) {
    asio::post(strand_, [self = shared_from_this(), now] { self->heartbeat(now); });
    return;
  }
  if (state_ == State::closed) return;
  auto silent = now - last_received_;
  if (silent >= config_.ws_idle_timeout) {
    // It did not answer a ping either: drop it (a close frame would not be read).
    counters_.closed_idle++;
    spdlog::info("{} silent for {} ms, dropped", log_name(),
                 std::chrono::duration_cast<std::chrono::milliseconds>(silent).count());
    finish();
    return;
  }
  if (rx_buffer_ && reading_ && !demoting_ &&
      silent >= std::min<Clock::duration>(config_.ws_idle_timeout / 4, kActiveHold)) {
    // Quiet for a while: give the read buffer back (the pending read is cancelled and
    // re-armed without one). Cancelling also aborts a wait for the socket to drain; on_writable
    // re-arms it.
    demoting_ = true;
    boost::system::error_code ignored;
    socket_.cancel(ignored);
  }
  if (state_ == State::open && !ping_outstanding_ && silent >= config_.ws_idle_timeout / 2) {
    ping_outstanding_ = true;
    enqueue_control(Opcode::ping, {});
  }
}

std::string WsSession::log_name() const {
  if (!spdlog::should_log(spdlog::level::info)) return {};
  std::string fields = handler_ ? handler_->log_fields() : std::string();
  return fmt::format("conn={}{}{}", conn_id_, fields.empty() ? "" : " ", fields);
}

// --- closing ------------------------------------------------------------------------------------

void WsSession::start_close(std::uint16_t code, std::string_view reason) {
  if (state_ == State::closed || close_queued_) return;
  queue_close(code, reason);
  if (state_ != State::closed) do_read();  // to see the client's close frame
}

// Our close frame goes last in the queue; nothing is queued after it.
void WsSession::queue_close(std::optional<std::uint16_t> code, std::string_view reason) {
  state_ = State::closing;
  char buf[125];
  std::size_t n = code ? write_close_payload(buf, *code, reason) : 0;  // no code: an empty payload
  push(std::make_shared<const std::string>(buf, n), Opcode::close, false, true);
  close_queued_ = true;
  // Answering the client's close: the flush that sends our frame finishes the connection, and
  // only a flush that has to wait for the socket to drain needs the deadline (flush() arms it
  // then). Closing first, we wait for the client's answer: the deadline starts now.
  if (!close_received_ || wait_writable_) arm_close_deadline();
  schedule_flush();
}

void WsSession::fail(std::uint16_t code, std::string_view reason) {
  if (state_ == State::closed) return;
  counters_.closed_protocol_error++;
  spdlog::info("{} closing with {}: {}", log_name(), code, reason);
  failing_ = true;
  in_message_ = false;
  message_.clear();
  if (close_queued_) return;
  // Replies already due (to messages before the bad frame) go out first; the close frame
  // follows them.
  queue_close(code, reason);
}

void WsSession::on_close_sent() {
  close_sent_ = true;
  if (close_received_) {
    finish();  // the handshake is complete; the server closes TCP first
    return;
  }
  if (failing_) {
    // Say no more and read out what the client still sends, so closing does not reset the
    // connection before it has read our close frame.
    boost::system::error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  }
  do_read();
}

void WsSession::arm_close_deadline() {
  if (close_deadline_) return;
  close_deadline_ = std::make_unique<asio::steady_timer>(strand_, core::coarse_deadline(kCloseDeadline));
  close_deadline_->async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->finish();
  });
}

// A handshake response the client does not take within the hello timeout ends the connection;
// on_response_sent() disarms it.
void WsSession::arm_hello_deadline() {
  if (hello_deadline_) return;
  hello_deadline_ = std::make_unique<asio::steady_timer>(strand_, core::coarse_deadline(config_.ws_hello_timeout));
  hello_deadline_->async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec && self->response_unsent_) self->finish();
  });
}

void WsSession::finish() {
  if (state_ == State::closed) return;
  state_ = State::closed;
  counters_.open--;
  spdlog::info("{} WebSocket closed", log_name());
  if (close_deadline_) close_deadline_->cancel();
  if (hello_deadline_) hello_deadline_->cancel();
  boost::system::error_code ignored;
  // No shutdown() first: nothing else holds the descriptor, so close() alone sends the FIN (or
  // the RST when unread input is left, as shutdown-then-close would too).
  socket_.close(ignored);  // cancels the pending read and write waits
  queue_.clear();
  std::vector<Outgoing>().swap(queue_);
  head_ = 0;
  front_written_ = 0;
  queued_bytes_ = 0;
  pending_status_ = SIZE_MAX;
  std::string().swap(partial_);
  std::string().swap(message_);
  if (rx_buffer_) {
    rx_buffer_.reset();  // the read, if any, was aborted by close() and will not touch it
    counters_.read_buffers--;
  }
  if (handler_) {
    auto handler = std::move(handler_);
    handler->on_closed();
  }
}

}  // namespace swirl::ws
