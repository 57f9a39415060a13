#pragma once
// The one socket type of a connection, from accept to close: a TCP socket on the io_context's
// own executor. The acceptor accepts into it, Beast's HTTP stream wraps it, and a WebSocket
// session takes it over by a move, which keeps the descriptor registered with the reactor (no
// epoll_ctl, no fcntl, no getsockname at the upgrade). Handlers run where their completion
// token says (a connection's strand, a coroutine's executor); the socket's own executor is
// only their fallback. It is also 40 bytes against 88 over any_io_executor.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace swirl::net {

using Socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, boost::asio::io_context::executor_type>;

}  // namespace swirl::net
