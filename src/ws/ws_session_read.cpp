// WsSession's receive path: reading the socket, frames, reassembly, UTF-8 and the message rate.
#include "ws_session_detail.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>

namespace swirl::ws {
namespace asio = boost::asio;
using namespace detail;
using Clock = std::chrono::steady_clock;

namespace {
char* thread_read_buffer() {
  thread_local std::unique_ptr<char[]> buffer(new char[kReadChunk]);
  return buffer.get();
}
}  // namespace

// --- reading ------------------------------------------------------------------------------------

void WsSession::do_read() {
  // Not while on_read is handling input (a handler that closes this connection calls here): the
  // receive appends to partial_, which may be the very input being parsed. on_read starts the
  // next receive itself when it is done.
  if (reading_ || in_read_ || state_ == State::closed) return;
  reading_ = true;
  auto handler = asio::bind_executor(
      strand_, [self = shared_from_this()](boost::system::error_code ec, std::size_t n) { self->on_read(ec, n); });
  // On the edge path, after a short read (all that was there) the reactor waits for the next
  // arrival instead of trying a recv() that would fail with EAGAIN (edge_recv.hpp). on_read
  // keeps to its rule either way: it reads until a read comes back short before it gets here again.
  if (rx_buffer_) {
    // Active: the reactor reads straight into our buffer when data arrives.
    socket_.receive_some(rx_buffer_.get(), kActiveBufferBytes, 0, std::move(handler));
  } else {
    // Idle: wait without holding a buffer. What arrives is appended to partial_ (after any
    // partial frame already there) by the read that takes it off the socket (edge_recv.hpp).
    socket_.receive_append(partial_, kReadChunk, std::move(handler));
  }
}

void WsSession::on_read(boost::system::error_code ec, std::size_t n) {
  reading_ = false;
  if (state_ == State::closed) return;
  if (ec == asio::error::operation_aborted && demoting_) {
    // heartbeat() went idle: drop the buffer and wait without one.
    demoting_ = false;
    reads_while_idle_ = 0;
    rx_buffer_.reset();
    counters_.read_buffers--;
    counters_.read_buffers_released++;
    do_read();
    return;
  }
  if (ec) {  // EOF, reset, or the socket was closed under us
    finish();
    return;
  }
  demoting_ = false;  // data came first: keep the buffer
  in_read_ = true;    // until the input is handled (do_read)
  FlushBatch batch;
  bool more = true;
  if (rx_buffer_) {
    // The data is in our buffer already.
    if (!take_input(rx_buffer_.get(), n)) return;
    more = n == kActiveBufferBytes;
  } else {
    // The data is in partial_ already.
    if (!take_appended()) return;
    more = n == kReadChunk;
  }
  char* buf = thread_read_buffer();
  for (int round = 0; more && round < kMaxReadsPerWakeup; ++round) {
    ssize_t got = ::recv(socket_.native_handle(), buf, kReadChunk, MSG_DONTWAIT);
    if (got < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      finish();
      return;
    }
    if (got == 0) {  // the client closed its side
      finish();
      return;
    }
    if (!take_input(buf, static_cast<std::size_t>(got))) return;
    more = static_cast<std::size_t>(got) == kReadChunk;
  }
  // The socket is drained unless the loop stopped at its bound: then our close frame, if this
  // input completed the close handshake, may leave with the FIN (flush()).
  input_drained_ = !more;
  in_read_ = false;
  // A connection that keeps talking reads into a buffer of its own, which the reactor fills
  // without a copy. One that sends a message or two (ready, leave) never gets one;
  // heartbeat() takes the buffer back once a talker falls quiet.
  if (!rx_buffer_ && state_ == State::open && ++reads_while_idle_ >= kReadsBeforeBuffer) {
    rx_buffer_.reset(new char[kActiveBufferBytes]);
    counters_.read_buffers++;
  }
  do_read();
}

// Feeds received bytes to the frame parser; false once the session is closed.
bool WsSession::take_input(char* data, std::size_t size) {
  last_received_ = Clock::now();
  ping_outstanding_ = false;
  if (failing_) return true;  // read out and discarded until the client closes
  if (partial_.empty()) {
    std::size_t used = consume_frames(data, size);
    if (used != std::string::npos && used < size && state_ != State::closed) partial_.assign(data + used, size - used);
  } else {
    partial_.append(data, size);
    std::size_t used = consume_frames(partial_.data(), partial_.size());
    if (used != std::string::npos && state_ != State::closed) {
      partial_.erase(0, used);
      if (partial_.empty() && partial_.capacity() > kKeepPartialBytes) std::string().swap(partial_);
    }
  }
  return state_ != State::closed;
}

// Like take_input, for input that receive_append() left in partial_. An idle connection keeps
// no input buffer: partial_ is freed once it holds no partial frame.
bool WsSession::take_appended() {
  last_received_ = Clock::now();
  ping_outstanding_ = false;
  std::size_t used = failing_ ? std::string::npos : consume_frames(partial_.data(), partial_.size());
  if (used == std::string::npos || state_ == State::closed) {
    std::string().swap(partial_);  // discarded: the connection is failing or gone
  } else {
    partial_.erase(0, used);
    // A partial frame keeps only about its own size: a read of 64 KiB that leaves a few bytes
    // unfinished must not leave the connection holding 64 KiB while it waits for the rest.
    if (partial_.empty())
      std::string().swap(partial_);
    else if (partial_.capacity() > 2 * partial_.size() + kKeepPartialBytes)
      partial_.shrink_to_fit();
  }
  return state_ != State::closed;
}

std::size_t WsSession::consume_frames(char* data, std::size_t size) {
  std::size_t pos = 0;
  while (pos < size && state_ != State::closed && !failing_ && !close_received_) {
    auto r = parse_client_header(std::string_view(data + pos, size - pos));
    if (r.status == HeaderStatus::need_more) break;
    if (r.status == HeaderStatus::protocol_error) {
      fail(kProtocolError, r.error);
      return std::string::npos;
    }
    const FrameHeader& h = r.header;
    if (!is_control(h.opcode)) {
      std::uint64_t total = (h.opcode == Opcode::continuation ? message_.size() : 0) + h.payload_length;
      if (total > config_.ws_max_frame_bytes) {
        fail(kTooBig, "message too big");
        return std::string::npos;
      }
    }
    if (size - pos - h.header_length < h.payload_length) break;  // the payload is still on its way
    char* payload = data + pos + h.header_length;
    unmask(payload, h.payload_length, h.mask);
    pos += h.header_length + h.payload_length;
    if (!on_frame(h, payload)) return failing_ ? std::string::npos : pos;
  }
  return pos;
}

// Returns false when no further frame should be read from this connection.
bool WsSession::on_frame(const FrameHeader& h, char* payload) {
  std::string_view data(payload, h.payload_length);
  switch (h.opcode) {
    case Opcode::text:
    case Opcode::binary:
      if (in_message_) {
        fail(kProtocolError, "expected a continuation frame");
        return false;
      }
      if (h.fin) {
        on_message(h.opcode == Opcode::text, data);
      } else {
        in_message_ = true;
        message_text_ = h.opcode == Opcode::text;
        message_.assign(data);
        utf8_checked_ = 0;
        if (message_text_ && !check_utf8_fragment(false)) return false;
      }
      return true;
    case Opcode::continuation:
      if (!in_message_) {
        fail(kProtocolError, "continuation frame without a message");
        return false;
      }
      message_.append(data);
      if (message_text_ && !check_utf8_fragment(h.fin)) return false;
      if (h.fin) {
        in_message_ = false;
        std::string whole;
        whole.swap(message_);
        on_message(message_text_, whole);
      }
      return true;
    case Opcode::ping:
      // Pings count toward the message rate: a refused one gets no pong.
      if (state_ == State::open && !admit_by_rate()) return state_ != State::closed;
      if (!close_queued_) enqueue_control(Opcode::pong, data);
      return true;
    case Opcode::pong:
      // Any input counts as life; unasked-for pongs count toward the message rate too.
      if (state_ == State::open) admit_by_rate();
      return state_ != State::closed;
    case Opcode::close: {
      auto cp = parse_close_payload(data);
      if (!cp) {
        fail(kProtocolError, "malformed close frame");
        return false;
      }
      close_received_ = true;
      // The handler may read meaning into the code (the lobby: 1001, a page going away). A
      // close frame that answers ours is no news.
      if (handler_ && state_ == State::open) handler_->on_close_frame(cp->code);
      if (close_sent_) {
        finish();
        return false;
      }
      if (!close_queued_) {
        // Echo the client's code; what is still unsent is dropped (RFC 6455 5.5.1).
        drop_unsent();
        queue_close(cp->code, "");
      }
      return false;
    }
  }
  return true;
}

// A fragmented text message is checked as each fragment arrives, so invalid UTF-8 fails the
// connection at the first fragment that proves it, not when the message completes.
bool WsSession::check_utf8_fragment(bool last) {
  auto complete = utf8_complete_prefix(std::string_view(message_).substr(utf8_checked_));
  if (complete) utf8_checked_ += *complete;
  if (!complete || (last && utf8_checked_ != message_.size())) {
    fail(kInvalidPayload, "text frame is not valid UTF-8");
    return false;
  }
  return true;
}

void WsSession::on_message(bool text, std::string_view payload) {
  if (state_ != State::open) return;  // closing: input is ignored
  counters_.messages_in++;
  if (!text) {
    if (admit_by_rate()) handler_->on_refused(Refusal::binary, "binary frames are not accepted; send JSON text");
    return;
  }
  if (!valid_utf8(payload)) {
    fail(kInvalidPayload, "text frame is not valid UTF-8");
    return;
  }
  if (admit_by_rate()) handler_->on_text(payload);
}

bool WsSession::take_rate_token() {
  auto now = Clock::now();
  double elapsed = std::chrono::duration<double>(now - last_refill_).count();
  last_refill_ = now;
  tokens_ = std::min<double>(config_.ws_rate_burst, tokens_ + elapsed * config_.ws_rate_per_second);
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return true;
  }
  return false;
}

// True when the message (or ping) may be handled. A refused one is dropped; the client hears
// `rate_limited` at most once a second, and is closed with 1008 when refusals go on.
bool WsSession::admit_by_rate() {
  if (take_rate_token()) return true;
  auto now = Clock::now();
  if (now - rate_window_start_ > kRateWindow) {
    rate_window_start_ = now;
    refused_in_window_ = 0;
  }
  if (++refused_in_window_ > std::max(config_.ws_rate_burst, config_.ws_rate_per_second)) {
    counters_.closed_rate_limit++;
    start_close(kPolicy, "rate limit exceeded");
    return false;
  }
  if (now - last_rate_error_ >= kRateErrorInterval && handler_) {
    last_rate_error_ = now;
    handler_->on_refused(Refusal::rate_limited, "more than " + std::to_string(config_.ws_rate_per_second) +
                                                    " messages per second; messages are being dropped");
  }
  return false;
}

}  // namespace swirl::ws
