// A receive that tells Asio's reactor when it has drained the socket, so the next receive on that
// socket waits for the reactor's edge instead of trying a read first.
//
// Why: Boost.Asio 1.81's socket receive marks a socket "exhausted" only when a read returns 0
// bytes. After every successful read, the next async_receive therefore tries a speculative
// recv() first, which on a relay connection always fails with EAGAIN: one wasted system call
// per relayed message (strace of the 5k msg/s relay: recvfrom = 2 per message, half EAGAIN).
// A stream socket that returns fewer bytes than asked has nothing left in its receive queue at
// that moment, and epoll (edge-triggered, as Asio registers it) signals the next arrival; the
// reactor sets its "try speculatively" flag again on every such event, also when no operation is
// queued. So reporting `done_and_exhausted` on a short read is exact, and it is what this
// operation does. Everything else (completion through the handler's executor, cancellation by
// socket.cancel()/close(), destruction at shutdown) is Asio's own machinery.
//
// The one rule for callers: after a completion with a short read, keep reading only what is
// there (recv with MSG_DONTWAIT until it returns less than asked or EAGAIN) before the next
// async_receive_edge. With MSG_PEEK, a short peek counts as "drained" too: the caller must read
// everything the peek saw before starting the next receive, or data would wait for the next edge.
#pragma once

#include <boost/asio/detail/fenced_block.hpp>
#include <boost/asio/detail/handler_work.hpp>
#include <boost/asio/detail/reactor.hpp>
#include <boost/asio/detail/reactor_op.hpp>
#include <boost/asio/detail/socket_ops.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/version.hpp>

#if !defined(BOOST_ASIO_HAS_EPOLL) || defined(BOOST_ASIO_HAS_IO_URING_AS_DEFAULT)
#error "edge_recv.hpp is written against Asio's epoll reactor"
#endif
static_assert(BOOST_VERSION >= 108100 && BOOST_VERSION < 108200,
              "edge_recv.hpp mirrors Boost 1.81's reactive_socket_recv_op: re-check it for this Boost");

namespace swirl::ws::edge {

namespace ad = boost::asio::detail;

template <class Handler, class IoExecutor>
class RecvOp : public ad::reactor_op {
 public:
  BOOST_ASIO_DEFINE_HANDLER_PTR(RecvOp);

  RecvOp(ad::socket_type socket, void* data, std::size_t size, int flags, Handler& handler, const IoExecutor& io_ex)
      : ad::reactor_op(boost::system::error_code(), &RecvOp::do_perform, &RecvOp::do_complete),
        socket_(socket),
        data_(data),
        size_(size),
        flags_(flags),
        handler_(std::move(handler)),
        work_(handler_, io_ex) {}

  static status do_perform(ad::reactor_op* base) {
    auto* o = static_cast<RecvOp*>(base);
    if (!ad::socket_ops::non_blocking_recv1(o->socket_, o->data_, o->size_, o->flags_, true, o->ec_,
                                            o->bytes_transferred_))
      return not_done;  // EAGAIN: stays queued until the reactor's next event
    if (o->ec_) return done;
    return o->bytes_transferred_ < o->size_ ? done_and_exhausted : done;
  }

  // Mirrors reactive_socket_recv_op::do_complete: the handler runs through its associated
  // executor (the session's strand); with owner == nullptr (shutdown) it is only destroyed.
  static void do_complete(void* owner, ad::operation* base, const boost::system::error_code&, std::size_t) {
    auto* o = static_cast<RecvOp*>(base);
    ptr p = {boost::asio::detail::addressof(o->handler_), o, o};
    ad::handler_work<Handler, IoExecutor> w(std::move(o->work_));
    ad::binder2<Handler, boost::system::error_code, std::size_t> handler(o->handler_, o->ec_, o->bytes_transferred_);
    p.h = boost::asio::detail::addressof(handler.handler_);
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
  Handler handler_;
  ad::handler_work<Handler, IoExecutor> work_;
};

// The socket's Asio implementation (descriptor, state, reactor registration); basic_socket keeps
// it protected, and a member pointer taken through a derived class is the lawful way to reach it.
template <class Socket>
auto& implementation(Socket& socket) {
  struct Access : Socket {
    static auto& of(Socket& s) { return (s.*(&Access::impl_)).get_implementation(); }
  };
  return Access::of(socket);
}

// socket.async_receive(buffer(data, size), flags, handler), except that a short read leaves the
// reactor waiting for the next edge (see the top of this file). `handler(error_code, size_t)`.
template <class Socket, class Handler>
void async_receive(Socket& socket, void* data, std::size_t size, int flags, Handler handler) {
  using Op = RecvOp<Handler, typename Socket::executor_type>;
  auto& impl = implementation(socket);
  auto& ctx = socket.get_executor().context();
  thread_local std::pair<const void*, ad::reactor*> cached{nullptr, nullptr};
  if (cached.first != &ctx) cached = {&ctx, &boost::asio::use_service<ad::reactor>(ctx)};
  ad::reactor& reactor = *cached.second;

  typename Op::ptr p = {boost::asio::detail::addressof(handler), Op::ptr::allocate(handler), 0};
  p.p = new (p.v) Op(impl.socket_, data, size, flags, handler, socket.get_executor());
  if ((impl.state_ & ad::socket_ops::non_blocking) ||
      ad::socket_ops::set_internal_non_blocking(impl.socket_, impl.state_, true, p.p->ec_)) {
    reactor.start_op(ad::reactor::read_op, impl.socket_, impl.reactor_data_, p.p, false, true);
  } else {
    reactor.post_immediate_completion(p.p, false);
  }
  p.v = p.p = 0;
}

}  // namespace swirl::ws::edge
