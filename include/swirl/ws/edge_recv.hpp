// A TCP socket whose receive can tell Asio's reactor that a read drained the socket, so the next
// receive waits for the reactor's edge instead of trying a read first; and Asio's own receive as
// the fallback, chosen per socket.
//
// Why: Boost.Asio 1.81's socket receive marks a socket "exhausted" only when a read returns 0
// bytes. After every successful read, the next async_receive therefore tries a speculative
// recv() first, which on a relay connection always fails with EAGAIN: one wasted system call
// per relayed message (strace of the 5k msg/s relay: recvfrom = 2 per message, half EAGAIN).
// A stream socket that returns fewer bytes than asked has nothing left in its receive queue at
// that moment, and epoll (edge-triggered, as Asio registers it) signals the next arrival; the
// reactor sets its "try speculatively" flag again on every such event, also when no operation is
// queued. So reporting `done_and_exhausted` on a short read is exact, and it is what the edge
// operation does. Everything else (completion through the handler's executor, cancellation by
// socket.cancel()/close(), destruction at shutdown) is Asio's own machinery.
//
// The edge operation subclasses asio::detail::reactor_op, so it is compiled only against the
// Asio it mirrors: Boost 1.81 with the epoll reactor, and only while SWIRL_EDGE_RECV is 1 (the
// CMake option of that name, ON by default). Anywhere else RecvSocket::edge() is false and every
// receive is socket.async_receive. Not async_wait(wait_read) + recv: Asio queues a wait without
// looking at the reactor's "try speculatively" flag, so data whose edge came while nothing was
// queued would wait for the next arrival.
//
// The one rule for callers (either path): after a completion with a short read, keep reading
// only what is there (recv with MSG_DONTWAIT until it returns less than asked or EAGAIN) before
// the next receive. With MSG_PEEK, a short peek counts as "drained" too: the caller must read
// everything the peek saw before starting the next receive, or data would wait for the next edge.
//
// receive_append() is for a connection that has no buffer of its own while it waits (an idle
// WebSocket): what arrives is read into a per-thread scratch buffer and appended to a string the
// caller owns, in one step. On the edge path that is one recv per arrival, done by the reactor;
// Asio's path waits with a MSG_PEEK|MSG_TRUNC (which copies nothing) and then reads, two calls.
#pragma once

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <memory>
#include <string>
#include <utility>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/version.hpp>

#ifndef SWIRL_EDGE_RECV
#define SWIRL_EDGE_RECV 1
#endif
#if SWIRL_EDGE_RECV && BOOST_VERSION >= 108100 && BOOST_VERSION < 108200 && defined(BOOST_ASIO_HAS_EPOLL) && \
    !defined(BOOST_ASIO_HAS_IO_URING_AS_DEFAULT)
#define SWIRL_EDGE_RECV_REACTOR 1
#else
#define SWIRL_EDGE_RECV_REACTOR 0
#endif

#if SWIRL_EDGE_RECV_REACTOR
#include <boost/asio/detail/fenced_block.hpp>
#include <boost/asio/detail/handler_work.hpp>
#include <boost/asio/detail/reactor.hpp>
#include <boost/asio/detail/reactor_op.hpp>
#include <boost/asio/detail/socket_ops.hpp>
#endif

namespace swirl::ws {

// Whether this build has the edge operation at all (see the top of this file).
inline constexpr bool kEdgeRecvCompiled = SWIRL_EDGE_RECV_REACTOR != 0;

// The most one receive_append() reads.
inline constexpr std::size_t kAppendChunk = 64 * 1024;

// What Asio's path of receive_append() peeks into: MSG_TRUNC means the kernel never writes it,
// so one byte shared by every thread will do (tests/tsan.supp: ThreadSanitizer's recv
// interceptor counts it as written all the same).
inline char g_peek_sink[1];

// receive_append()'s scratch buffer, one per thread. Each use is a recv into it followed at once
// by the copy out, with no other code in between, so nothing can overwrite it halfway.
inline char* append_scratch() {
  thread_local std::unique_ptr<char[]> buffer(new char[kAppendChunk]);
  return buffer.get();
}

#if SWIRL_EDGE_RECV_REACTOR
namespace edge_detail {

namespace ad = boost::asio::detail;

// Boost 1.81's reactive_socket_recv_op for one buffer, except that do_perform reports a short
// read as done_and_exhausted. With `append` set, it reads into append_scratch() and appends
// what came to *append (data is unused).
template <class Handler, class IoExecutor>
class RecvOp : public ad::reactor_op {
 public:
  BOOST_ASIO_DEFINE_HANDLER_PTR(RecvOp);

  RecvOp(ad::socket_type socket, void* data, std::size_t size, int flags, std::string* append, Handler& handler,
         const IoExecutor& io_ex)
      : ad::reactor_op(boost::system::error_code(), &RecvOp::do_perform, &RecvOp::do_complete),
        socket_(socket),
        data_(data),
        size_(size),
        flags_(flags),
        append_(append),
        handler_(std::move(handler)),
        work_(handler_, io_ex) {}

  static status do_perform(ad::reactor_op* base) {
    auto* o = static_cast<RecvOp*>(base);
    void* into = o->append_ ? append_scratch() : o->data_;
    if (!ad::socket_ops::non_blocking_recv1(o->socket_, into, o->size_, o->flags_, true, o->ec_, o->bytes_transferred_))
      return not_done;  // EAGAIN: stays queued until the reactor's next event
    if (o->ec_) return done;
    if (o->append_) o->append_->append(static_cast<const char*>(into), o->bytes_transferred_);
    return o->bytes_transferred_ < o->size_ ? done_and_exhausted : done;
  }

  // Mirrors reactive_socket_recv_op::do_complete: the handler runs through its associated
  // executor (the session's strand); with owner == nullptr (shutdown) it is only destroyed.
  static void do_complete(void* owner, ad::operation* base, const boost::system::error_code&, std::size_t) {
    auto* o = static_cast<RecvOp*>(base);
    ptr p = {ad::addressof(o->handler_), o, o};
    ad::handler_work<Handler, IoExecutor> w(std::move(o->work_));
    ad::binder2<Handler, boost::system::error_code, std::size_t> handler(o->handler_, o->ec_, o->bytes_transferred_);
    p.h = ad::addressof(handler.handler_);
    p.reset();
    if (owner) {
      ad::fenced_block b(ad::fenced_block::half);
      w.complete(handler, handler.handler_);
    }
  }

 private:
  ad::socket_type socket_;
  void* data_;
  std::size_t size_;
  int flags_;
  std::string* append_;
  Handler handler_;
  ad::handler_work<Handler, IoExecutor> work_;
};

}  // namespace edge_detail
#endif

// A connected TCP socket that receives through the edge operation when asked to and this build
// has it, otherwise through Asio's own async_receive. It keeps its io_context's reactor, which
// lives as long as that io_context and so as long as the socket; not movable, so the pair
// cannot come apart.
template <class Executor>
class RecvSocket : public boost::asio::basic_stream_socket<boost::asio::ip::tcp, Executor> {
  using Base = boost::asio::basic_stream_socket<boost::asio::ip::tcp, Executor>;

 public:
  RecvSocket(Base&& socket, bool edge) : Base(std::move(socket)) {
#if SWIRL_EDGE_RECV_REACTOR
    if (edge) {
      reactor_ = &boost::asio::use_service<edge_detail::ad::reactor>(this->get_executor().context());
      // Asio marks every accepted (assigned) descriptor "possibly duplicated", and so removes it
      // from the epoll set with an EPOLL_CTL_DEL before closing it. A connection's descriptor is
      // its only one (accepted, or one end of a socketpair; never dup'ed): close() alone takes
      // it out of the epoll set, one system call less per connection.
      this->impl_.get_implementation().state_ &= ~edge_detail::ad::socket_ops::possible_dup;
    }
#else
    (void)edge;
#endif
  }
  RecvSocket(const RecvSocket&) = delete;
  RecvSocket& operator=(const RecvSocket&) = delete;

  // True when receives take the edge path.
  bool edge() const {
#if SWIRL_EDGE_RECV_REACTOR
    return reactor_ != nullptr;
#else
    return false;
#endif
  }

  // async_receive(buffer(data, size), flags, handler), and on the edge path a short read leaves
  // the reactor waiting for the next edge (see the top of this file). handler(error_code, size_t).
  template <class Handler>
  void receive_some(void* data, std::size_t size, int flags, Handler&& handler) {
#if SWIRL_EDGE_RECV_REACTOR
    if (reactor_) {
      start_edge_op(data, size, flags, nullptr, std::forward<Handler>(handler));
      return;
    }
#endif
    this->async_receive(boost::asio::buffer(data, size), flags, std::forward<Handler>(handler));
  }

  // Reads what is there, up to `max` bytes (at most kAppendChunk), and appends it to `out`, which
  // must outlive the receive and not be touched until it completes. handler(error_code, size_t
  // appended). The rule above holds: appended < max means the socket was drained.
  template <class Handler>
  void receive_append(std::string& out, std::size_t max, Handler&& handler) {
    max = std::min(max, kAppendChunk);
#if SWIRL_EDGE_RECV_REACTOR
    if (reactor_) {
      start_edge_op(nullptr, max, 0, &out, std::forward<Handler>(handler));
      return;
    }
#endif
    // Asio's receive: wait with a peek that copies nothing, then read what is there, in the
    // handler's own context (its associated executor).
    auto ex = boost::asio::get_associated_executor(handler, this->get_executor());
    this->async_receive(
        boost::asio::buffer(g_peek_sink), MSG_PEEK | MSG_TRUNC,
        boost::asio::bind_executor(ex, [fd = this->native_handle(), &out, max, h = std::forward<Handler>(handler)](
                                           boost::system::error_code ec, std::size_t) mutable {
          std::size_t got = 0;
          if (!ec) {
            char* scratch = append_scratch();
            ssize_t r;
            do r = ::recv(fd, scratch, max, MSG_DONTWAIT);
            while (r < 0 && errno == EINTR);
            if (r > 0) {
              out.append(scratch, static_cast<std::size_t>(r));
              got = static_cast<std::size_t>(r);
            } else if (r == 0) {
              ec = boost::asio::error::eof;
            } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
              ec = boost::system::error_code(errno, boost::system::system_category());
            }
          }
          std::move(h)(ec, got);
        }));
  }

 private:
#if SWIRL_EDGE_RECV_REACTOR
  template <class Handler>
  void start_edge_op(void* data, std::size_t size, int flags, std::string* append, Handler handler) {
    namespace ad = edge_detail::ad;
    using Op = edge_detail::RecvOp<Handler, Executor>;
    // The socket's descriptor, state and reactor registration: basic_socket's protected impl_,
    // reached as any derived class may.
    auto& impl = this->impl_.get_implementation();
    typename Op::ptr p = {ad::addressof(handler), Op::ptr::allocate(handler), 0};
    // MSG_DONTWAIT makes each recv non-blocking by itself, so the descriptor need not be put in
    // non-blocking mode first (Asio's receive does that with an ioctl, once per connection).
    p.p = new (p.v) Op(impl.socket_, data, size, flags | MSG_DONTWAIT, append, handler, this->get_executor());
    reactor_->start_op(ad::reactor::read_op, impl.socket_, impl.reactor_data_, p.p, false, true);
    p.v = p.p = 0;
  }

  edge_detail::ad::reactor* reactor_ = nullptr;  // null: Asio's own receive
#endif
};

}  // namespace swirl::ws
