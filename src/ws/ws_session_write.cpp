// WsSession's outgoing queue: bounded, batched per read, written with sendmsg.
#include "ws_session_detail.hpp"

#include <sys/socket.h>
#include <sys/uio.h>

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

template <class Outgoing>
bool is_close_frame(const Outgoing& o) {
  return o.header_length > 0 && (o.header[0] & 0x0F) == static_cast<std::uint8_t>(Opcode::close);
}

}  // namespace

// --- batches ------------------------------------------------------------------------------------

FlushBatch::FlushBatch() : active_(current() == nullptr) {
  if (active_) current() = this;
}

FlushBatch::~FlushBatch() {
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

FlushBatch*& FlushBatch::current() {
  thread_local FlushBatch* batch = nullptr;
  return batch;
}

void FlushBatch::add(std::shared_ptr<WsSession> s) { sessions_.push_back(std::move(s)); }

// --- writing ------------------------------------------------------------------------------------

void WsSession::push(Payload frame, Opcode op, bool status, bool control) {
  Outgoing o;
  o.header_length = static_cast<std::uint8_t>(write_server_header(o.header, op, frame->size()));
  o.status = status;
  o.control = control;
  queued_bytes_ += frame->size();
  o.frame = std::move(frame);
  queue_.push_back(std::move(o));
}

void WsSession::enqueue(Payload frame, SendKind kind) {
  // Closing: the close frame tells the client; nothing goes after it.
  if ((state_ != State::open && state_ != State::attaching) || close_queued_) return;
  bool status = kind == SendKind::replaceable;
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
    spdlog::info("{} client too slow ({} messages, {} bytes queued)", log_name(), queue_size(), queued_bytes_);
    drop_unsent();
    start_close(kPolicy, "client too slow");
    return;
  }
  schedule_flush();
}

void WsSession::enqueue_control(Opcode op, std::string_view payload) {
  if (state_ == State::closed || close_queued_) return;
  push(std::make_shared<const std::string>(payload), op, false, true);
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
  bool response_went_out = false;
  while (head_ < queue_.size()) {
    iovec iov[kMaxIov];
    int n = 0;
    std::size_t skip = front_written_;
    std::size_t i = head_;
    for (; i < queue_.size() && n + 2 <= kMaxIov; ++i) {
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
    int flags = MSG_DONTWAIT | MSG_NOSIGNAL;
    // Our close frame answers the client's, and the socket is closed as soon as it is written
    // (on_close_sent): MSG_MORE holds it back until close() adds the FIN, so both leave in one
    // segment. Not when input may be left unread: close() would then reset the connection and
    // drop what was held back.
    if (close_received_ && close_queued_ && input_drained_ && i == queue_.size()) flags |= MSG_MORE;
    ssize_t w = ::sendmsg(socket_.native_handle(), &msg, flags);
    counters_.write_calls++;
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        // The socket buffer is full: wait until it drains (for a queued close frame, not past
        // the close deadline).
        wait_writable_ = true;
        if (close_queued_) arm_close_deadline();
        if (response_unsent_) arm_hello_deadline();
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
      if (o.header_length > 0) queued_bytes_ -= o.frame->size();
      if (!o.control) counters_.messages_out++;
      if (is_close_frame(o)) close_went_out = true;
      if (o.header_length == 0) {
        response_went_out = true;
        on_response_sent();
      }
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
    // A queue grown by a burst is freed; so is the one that held the handshake response and the
    // first frames: most connections then sit idle, and a talking one grows a queue again.
    if (queue_.capacity() > kKeepQueueSlots || response_went_out) std::vector<Outgoing>().swap(queue_);
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

void WsSession::on_response_sent() {
  response_unsent_ = false;
  hello_deadline_.reset();  // cancels its wait
}

void WsSession::drop_unsent() {
  // Keep the front frame if part of it is on the wire, and the handshake response (always the
  // front one) while it is unsent: the close frame that follows needs it.
  std::size_t keep = head_ + (front_written_ > 0 || response_unsent_ ? 1 : 0);
  for (std::size_t i = keep; i < queue_.size(); ++i) queued_bytes_ -= queue_[i].frame->size();
  queue_.resize(std::max(keep, head_));
  if (pending_status_ != SIZE_MAX && pending_status_ >= keep) pending_status_ = SIZE_MAX;
}

}  // namespace swirl::ws
