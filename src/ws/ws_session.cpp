#include "swirl/ws/ws_session.hpp"

#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>

#include "swirl/lobby/lobby_server.hpp"
#include "swirl/lobby/protocol.hpp"
#include "swirl/lobby/supervisor.hpp"

namespace swirl::ws {
namespace asio = boost::asio;
using lobby::close_code::policy;
using Clock = std::chrono::steady_clock;

namespace {
constexpr auto kCloseDeadline = std::chrono::seconds(5);  // a close handshake that takes longer ends the TCP connection
constexpr auto kRateWindow = std::chrono::seconds(5);     // refused messages are counted over this window...
constexpr auto kRateErrorInterval = std::chrono::seconds(1);  // ...and reported at most this often
constexpr std::size_t kReadChunk = 64 * 1024;                 // one recv into the per-thread buffer
constexpr std::size_t kActiveBufferBytes = 16 * 1024;         // a talking connection's own read buffer
constexpr int kMaxReadsPerWakeup = 4;                         // then let other sockets run
constexpr int kMaxIov = 128;                                  // iovecs per sendmsg (two per frame)
constexpr std::size_t kKeepPartialBytes = 4096;               // larger leftovers are freed once used
constexpr std::size_t kKeepQueueSlots = 16;                   // a queue grown past this is freed when empty
constexpr auto kActiveHold = std::chrono::seconds(2);  // quiet this long, a connection gives its read buffer back
constexpr unsigned kReadsBeforeBuffer = 4;             // reads (without a buffer) before a connection gets one
constexpr std::uint16_t kProtocolError = 1002;
constexpr std::uint16_t kInvalidPayload = 1007;
constexpr std::uint16_t kGoingAway = 1001;
constexpr std::uint16_t kTooBig = lobby::close_code::too_big;

// MSG_PEEK|MSG_TRUNC tells how much is readable without copying it anywhere; the buffer is
// only there to give the call a length.
char g_peek_sink[kReadChunk];

char* thread_read_buffer() {
  thread_local std::unique_ptr<char[]> buffer(new char[kReadChunk]);
  return buffer.get();
}

bool is_close_frame(const std::uint8_t* header) {
  return (header[0] & 0x0F) == static_cast<std::uint8_t>(Opcode::close);
}
}  // namespace

// While a read is processed, frames queued on this thread are collected here and sent when it
// ends: a burst of messages to one peer becomes one sendmsg. All sessions that can be reached
// inline from a read run on the same strand as the reader (the lobby's), so this is safe.
class FlushBatch {
 public:
  FlushBatch() : active_(current() == nullptr) {
    if (active_) current() = this;
  }
  ~FlushBatch() {
    if (!active_) return;
    // Flushing may queue more (a failed write closes a session): loop until quiet.
    for (std::size_t i = 0; i < sessions_.size(); ++i) {
      auto s = std::move(sessions_[i]);
      s->in_batch_ = false;
      s->flush();
    }
    sessions_.clear();
    current() = nullptr;
  }
  FlushBatch(const FlushBatch&) = delete;
  FlushBatch& operator=(const FlushBatch&) = delete;

  static FlushBatch*& current() {
    thread_local FlushBatch* batch = nullptr;
    return batch;
  }
  void add(std::shared_ptr<WsSession> s) { sessions_.push_back(std::move(s)); }

 private:
  bool active_;
  std::vector<std::shared_ptr<WsSession>> sessions_;
};

WsSession::WsSession(Socket socket, const core::Config& config, WsCounters& counters, std::string user_id,
                     std::string pending)
    : socket_(std::move(socket), config.ws_edge_recv),
      strand_(asio::make_strand(socket_.get_executor())),
      config_(config),
      counters_(counters),
      user_id_(std::move(user_id)),
      conn_id_(++counters.last_connection_id),
      partial_(std::move(pending)),
      last_received_(Clock::now()),
      tokens_(config.ws_rate_burst),
      last_refill_(last_received_) {
  counters_.open++;
}

std::string_view WsSession::lobby_name() const {
  return lobby_ ? std::string_view(lobby_->id()) : std::string_view("(joining)");
}

WsSession::~WsSession() {
  if (state_ != State::closed) counters_.open--;
}

void WsSession::run(std::shared_ptr<lobby::ApplicationSupervisor> supervisor, std::string lobby_id,
                    std::string display_name) {
  counters_.accepted++;
  lobby::JoinRequest join;
  join.lobby_id = std::move(lobby_id);
  join.user_id = user_id_;
  join.display_name = std::move(display_name);
  join.mailbox = shared_from_this();
  // Called on the lobby's strand, inside its join handler.
  join.on_attached = [weak = weak_from_this()](std::shared_ptr<lobby::LobbyServer> l, lobby::MemberId mid) {
    if (auto self = weak.lock()) self->on_attached(std::move(l), mid);
  };
  supervisor->attach(std::move(join));
}

void WsSession::on_attached(std::shared_ptr<lobby::LobbyServer> l, lobby::MemberId mid) {
  // From here on this session lives on the lobby's strand (we are running on it now).
  strand_ = l->strand();
  mid_ = mid;
  lobby_ = std::move(l);
  if (state_ == State::closed) {
    lobby_->disconnected(shared_from_this(), user_id_);
    lobby_.reset();
    return;
  }
  if (state_ == State::attaching) state_ = State::open;
  last_received_ = Clock::now();
  // Not inline: we are inside the lobby's join handler, and pending input would re-enter it.
  asio::post(strand_, [self = shared_from_this()] {
    if (self->state_ == State::closed) return;
    if (!self->partial_.empty()) {
      FlushBatch batch;
      std::size_t used = self->consume_frames(self->partial_.data(), self->partial_.size());
      if (used != std::string::npos && self->state_ != State::closed) self->partial_.erase(0, used);
    }
    self->do_read();
  });
}

// --- reading ------------------------------------------------------------------------------------

void WsSession::do_read() {
  if (reading_ || state_ == State::closed) return;
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
    // Idle: wait for data without holding a buffer; MSG_PEEK|MSG_TRUNC copies nothing.
    socket_.receive_some(g_peek_sink, kReadChunk, MSG_PEEK | MSG_TRUNC, std::move(handler));
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
  FlushBatch batch;
  bool more = true;
  if (rx_buffer_) {
    // The data is in our buffer already.
    if (!take_input(rx_buffer_.get(), n)) return;
    more = n == kActiveBufferBytes;
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
  // A connection that keeps talking reads into a buffer of its own: one system call less per
  // message than peek-then-recv. One that sends a message or two (ready, leave) never gets one;
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
      // 1001 "going away" is what a browser sends when the page is closed or navigated away:
      // the same as `leave` page_closing (docs/protocol.md), so the drop that follows gets the
      // page-close grace even when the page had no time to send that message itself.
      if (cp->code == std::optional<std::uint16_t>(kGoingAway) && lobby_ && state_ == State::open) {
        lobby::ClientCommand leave{lobby::LeaveCommand{true}};
        lobby_->handle_message(shared_from_this(), mid_, leave);
      }
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
    if (!admit_by_rate()) return;
    enqueue(lobby::make_frame(lobby::error_frame("invalid_message", "binary frames are not accepted; send JSON text")),
            lobby::FrameKind::normal);
    return;
  }
  if (!valid_utf8(payload)) {
    fail(kInvalidPayload, "text frame is not valid UTF-8");
    return;
  }
  handle_text(payload);
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
    start_close(policy, "rate limit exceeded");
    return false;
  }
  if (now - last_rate_error_ >= kRateErrorInterval) {
    last_rate_error_ = now;
    enqueue(
        lobby::make_frame(lobby::error_frame("rate_limited", "more than " + std::to_string(config_.ws_rate_per_second) +
                                                                 " messages per second; messages are being dropped")),
        lobby::FrameKind::normal);
  }
  return false;
}

void WsSession::handle_text(std::string_view text) {
  if (!admit_by_rate()) return;
  auto parsed = lobby::parse_client_message(text, user_id_);
  if (auto* err = std::get_if<lobby::ProtocolError>(&parsed)) {
    enqueue(lobby::make_frame(lobby::error_frame(err->code, err->message)), lobby::FrameKind::normal);
    return;
  }
  // We run on the lobby's strand: hand the command over directly.
  lobby_->handle_message(shared_from_this(), mid_, std::get<lobby::ClientCommand>(parsed));
}

// --- the lobby's side ---------------------------------------------------------------------------

void WsSession::deliver(lobby::Frame frame, lobby::FrameKind kind) {
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
    spdlog::info("conn={} lobby={} user={} silent for {} ms, dropped", conn_id_, lobby_name(), user_id_,
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

// --- writing ------------------------------------------------------------------------------------

void WsSession::push(lobby::Frame frame, Opcode op, bool status, bool control) {
  Outgoing o;
  o.header_length = static_cast<std::uint8_t>(write_server_header(o.header, op, frame->size()));
  o.status = status;
  o.control = control;
  queued_bytes_ += frame->size();
  o.frame = std::move(frame);
  queue_.push_back(std::move(o));
}

void WsSession::enqueue(lobby::Frame frame, lobby::FrameKind kind) {
  // Closing: the close frame tells the client; nothing goes after it.
  if ((state_ != State::open && state_ != State::attaching) || close_queued_) return;
  bool status = kind == lobby::FrameKind::status;
  if (status && pending_status_ != SIZE_MAX) {
    Outgoing& o = queue_[pending_status_];
    queued_bytes_ = queued_bytes_ - o.frame->size() + frame->size();
    o.header_length = static_cast<std::uint8_t>(write_server_header(o.header, Opcode::text, frame->size()));
    o.frame = std::move(frame);
    return;
  }
  push(std::move(frame), Opcode::text, status, false);
  if (status) pending_status_ = queue_.size() - 1;
  if (queue_size() > config_.ws_queue_max_messages || queued_bytes_ > config_.ws_queue_max_bytes) {
    // The client is not reading fast enough. Drop what waits (but finish a frame already
    // partly written, or the framing breaks) and tell it why.
    counters_.closed_too_slow++;
    spdlog::info("conn={} lobby={} user={} client too slow ({} messages, {} bytes queued)", conn_id_, lobby_name(),
                 user_id_, queue_size(), queued_bytes_);
    drop_unsent();
    start_close(policy, "client too slow");
    return;
  }
  schedule_flush();
}

void WsSession::enqueue_control(Opcode op, std::string_view payload) {
  if (state_ == State::closed || close_queued_) return;
  push(lobby::make_frame(std::string(payload)), op, false, true);
  schedule_flush();
}

void WsSession::schedule_flush() {
  if (wait_writable_ || state_ == State::closed) return;  // on_writable flushes
  if (auto* batch = FlushBatch::current()) {
    if (!in_batch_) {
      in_batch_ = true;
      batch->add(shared_from_this());
    }
    return;
  }
  flush();
}

void WsSession::flush() {
  if (state_ == State::closed || wait_writable_) return;
  bool close_went_out = false;
  while (head_ < queue_.size()) {
    iovec iov[kMaxIov];
    int n = 0;
    std::size_t skip = front_written_;
    for (std::size_t i = head_; i < queue_.size() && n + 2 <= kMaxIov; ++i) {
      Outgoing& o = queue_[i];
      if (skip < o.header_length) {
        iov[n++] = {o.header + skip, o.header_length - skip};
        skip = 0;
      } else {
        skip -= o.header_length;
      }
      if (skip < o.frame->size()) {
        iov[n++] = {const_cast<char*>(o.frame->data()) + skip, o.frame->size() - skip};
      }
      skip = 0;
    }
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = static_cast<std::size_t>(n);
    ssize_t w = ::sendmsg(socket_.native_handle(), &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    counters_.write_calls++;
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        // The socket buffer is full: wait until it drains.
        wait_writable_ = true;
        socket_.async_wait(asio::socket_base::wait_write,
                           asio::bind_executor(strand_, [self = shared_from_this()](boost::system::error_code ec) {
                             self->on_writable(ec);
                           }));
        return;
      }
      finish();
      return;
    }
    auto left = static_cast<std::size_t>(w);
    while (left > 0) {
      Outgoing& o = queue_[head_];
      std::size_t rest = o.header_length + o.frame->size() - front_written_;
      if (left < rest) {
        front_written_ += left;
        break;
      }
      left -= rest;
      front_written_ = 0;
      queued_bytes_ -= o.frame->size();
      if (!o.control) counters_.messages_out++;
      if (is_close_frame(o.header)) close_went_out = true;
      if (pending_status_ == head_) pending_status_ = SIZE_MAX;
      o.frame.reset();
      ++head_;
    }
    // A snapshot partly written can no longer be replaced.
    if (front_written_ > 0 && pending_status_ == head_) pending_status_ = SIZE_MAX;
    if (close_went_out) break;
  }
  if (head_ == queue_.size()) {
    queue_.clear();
    head_ = 0;
    if (queue_.capacity() > kKeepQueueSlots) std::vector<Outgoing>().swap(queue_);
  } else if (head_ > 64 && head_ * 2 > queue_.size()) {
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(head_));
    if (pending_status_ != SIZE_MAX) pending_status_ -= head_;
    head_ = 0;
  }
  if (close_went_out) on_close_sent();
}

void WsSession::on_writable(boost::system::error_code ec) {
  wait_writable_ = false;
  if (state_ == State::closed) return;
  if (ec && ec != asio::error::operation_aborted) {
    finish();
    return;
  }
  flush();
}

void WsSession::drop_unsent() {
  // Keep the front frame if part of it is on the wire.
  std::size_t keep = head_ + (front_written_ > 0 ? 1 : 0);
  for (std::size_t i = keep; i < queue_.size(); ++i) queued_bytes_ -= queue_[i].frame->size();
  queue_.resize(std::max(keep, head_));
  if (pending_status_ != SIZE_MAX && pending_status_ >= keep) pending_status_ = SIZE_MAX;
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
  push(lobby::make_frame(std::string(buf, n)), Opcode::close, false, true);
  close_queued_ = true;
  arm_close_deadline();
  schedule_flush();
}

void WsSession::fail(std::uint16_t code, std::string_view reason) {
  if (state_ == State::closed) return;
  counters_.closed_protocol_error++;
  spdlog::info("conn={} lobby={} user={} closing with {}: {}", conn_id_, lobby_name(), user_id_, code, reason);
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
  close_deadline_ = std::make_unique<asio::steady_timer>(strand_, kCloseDeadline);
  close_deadline_->async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->finish();
  });
}

void WsSession::finish() {
  if (state_ == State::closed) return;
  state_ = State::closed;
  counters_.open--;
  spdlog::info("conn={} lobby={} user={} WebSocket closed", conn_id_, lobby_name(), user_id_);
  if (close_deadline_) close_deadline_->cancel();
  boost::system::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
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
  if (lobby_) {
    lobby_->disconnected(shared_from_this(), user_id_);
    lobby_.reset();
  }
}

}  // namespace swirl::ws
