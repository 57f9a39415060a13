#pragma once
// The HTTP listener and its connections. Each connection is a coroutine on its own strand:
// read a request (with header/body timeouts and a body limit), dispatch it through the Router,
// write the response, repeat while keep-alive. WebSocket upgrades are handed to an upgrade
// handler together with the socket.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "swirl/http/router.hpp"
#include "swirl/net/socket.hpp"

namespace boost::asio::ssl {
class context;
}
namespace swirl::net {
class TlsConnections;
}

namespace swirl::http {

// A connection's HTTP stream: Beast's timeouts over net::Socket, so that an upgrade hands the
// same socket on (release_socket()) instead of re-registering its descriptor.
using Stream = boost::beast::basic_stream<boost::asio::ip::tcp, boost::asio::io_context::executor_type>;

struct HttpLimits {
  std::size_t max_body_bytes = 64 * 1024;
  std::size_t max_header_bytes = 16 * 1024;
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds idle_timeout{60'000};
  // Each connection's coroutine runs on a strand of its own, so that its timeout handlers and
  // its I/O never run at once on two io threads. With one io thread nothing runs at once, and
  // App turns this off: a strand costs an allocation and a lock per connection and a hop
  // through it at every resumption.
  bool session_strands = true;
};

// Takes over a connection whose request asked for a WebSocket upgrade. The request has been
// read completely; the handler owns the stream from here on. The connection's coroutine awaits
// the returned coroutine, so the upgrade runs on the connection's strand (where Beast's timeout
// handlers run too) without a spawn of its own; the connection ends when it returns.
// `client` is the client's address as the request gate resolved it (the TCP peer, or the
// trusted proxy's forwarded address); over TLS the stream's own peer is an in-process socket.
using UpgradeHandler = std::function<boost::asio::awaitable<void>(
    Stream stream, Request request, boost::beast::flat_buffer buffer, std::string client)>;

// Asked for every request once it has been read, before it is dispatched or upgraded: sets
// `client` to the request's client address (which the router and handlers see as
// RequestContext::remote_address; it starts as the TCP peer) and returns a response to send
// instead, such as a 429 (http/abuse_guard.hpp).
using RequestGate =
    std::function<std::optional<Response>(const Request& request, const std::string& peer, std::string& client)>;

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& ioc, const Router& router, HttpLimits limits);

  // Binds and starts accepting. Returns the bound port (useful with port 0).
  unsigned short listen(const std::string& address, unsigned short port);
  void set_upgrade_handler(UpgradeHandler h) { upgrade_ = std::move(h); }
  // Before listen(): the listener speaks TLS only (net/tls_pump.hpp). A write to a client that
  // takes longer than `write_timeout` ends its connection.
  void enable_tls(std::shared_ptr<boost::asio::ssl::context> context, std::chrono::milliseconds write_timeout);
  // True while a TLS connection holds response bytes not yet written out (see TlsConnections).
  bool tls_backlog() const;
  void set_request_gate(RequestGate g) { gate_ = std::move(g); }
  void stop();  // stops accepting; open connections end when the io_context stops
  // Requests being handled or answered right now (a graceful shutdown waits for 0).
  std::size_t in_flight() const { return in_flight_->load(); }

 private:
  void do_accept();

  boost::asio::io_context& ioc_;
  const Router& router_;
  HttpLimits limits_;
  UpgradeHandler upgrade_;
  RequestGate gate_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::ip::tcp::endpoint accept_peer_;  // filled by the accept in progress (one at a time)
  boost::asio::steady_timer accept_retry_;
  // Shared with each connection's coroutine: a coroutine destroyed with the io_context, after
  // this server, still lowers it (found by AddressSanitizer: a heap-use-after-free at shutdown).
  std::shared_ptr<std::atomic<std::size_t>> in_flight_ = std::make_shared<std::atomic<std::size_t>>(0);
  std::shared_ptr<net::TlsConnections> tls_;  // null: plain TCP
};

}  // namespace swirl::http
