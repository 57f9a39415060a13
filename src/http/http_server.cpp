#include "swirl/http/http_server.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "swirl/http/client_address.hpp"
#include "swirl/http/request_checks.hpp"
#include "swirl/http/security_headers.hpp"
#include "swirl/net/tls_pump.hpp"

namespace swirl::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {

// TCP_DEFER_ACCEPT on the listener (listen()): how long the kernel holds a connection that has
// sent nothing yet before handing it over anyway.
constexpr int kDeferAcceptSeconds = 1;

std::string path_only(std::string_view target) {
  auto q = target.find('?');
  return std::string(target.substr(0, q));
}

// Writes a response that ends the connection, then half-closes it.
asio::awaitable<void> reply_and_close(Stream& stream, Response res, std::chrono::milliseconds timeout, bool tls) {
  beast::error_code ec;
  res.keep_alive(false);
  set_security_headers(res, tls);
  stream.expires_after(timeout);
  co_await beast::async_write(stream, bhttp::message_generator(std::move(res)),
                              asio::redirect_error(asio::use_awaitable, ec));
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

bool quiet_end(const beast::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::operation_aborted ||
         ec == asio::error::connection_reset || ec == asio::error::eof;
}

enum class HeadRead { complete, closed, too_large };

// Reads until `buffer` holds a whole request head. The caller arms the timeout.
asio::awaitable<HeadRead> read_head(Stream& stream, beast::flat_buffer& buffer, std::size_t limit,
                                    std::size_t& head_end) {
  beast::error_code ec;
  for (;;) {
    std::string_view data(static_cast<const char*>(buffer.data().data()), buffer.size());
    if (auto end = find_head_end(data)) {
      head_end = *end;
      co_return *end > limit ? HeadRead::too_large : HeadRead::complete;
    }
    if (buffer.size() > limit) co_return HeadRead::too_large;
    auto n = co_await stream.async_read_some(buffer.prepare(4096), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return HeadRead::closed;
    buffer.commit(n);
  }
}

// One connection: a loop of read request -> dispatch -> write response.
// Counts a request as in flight from its dispatch until its response is written.
// The count is shared: the coroutine may be destroyed after the server (with the io_context).
struct InFlight {
  explicit InFlight(std::shared_ptr<std::atomic<std::size_t>> n) : n_(std::move(n)) { ++*n_; }
  ~InFlight() { --*n_; }
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;
  std::shared_ptr<std::atomic<std::size_t>> n_;
};

// Request ids for the logs (req=…) and the X-Request-Id header: process-wide, in hex.
std::string next_request_id() {
  static std::atomic<std::uint64_t> last{0};
  return fmt::format("{:x}", ++last);
}

// `tls`: the stream is the decrypted side of a TLS connection (net/tls_pump.hpp); `remote` is
// the client's address either way.
asio::awaitable<void> run_session(Stream stream, const Router& router, HttpLimits limits, const UpgradeHandler* upgrade,
                                  const RequestGate* gate, std::shared_ptr<std::atomic<std::size_t>> in_flight,
                                  std::string remote, bool tls) {
  beast::flat_buffer buffer;
  beast::error_code ec;
  // The listener defers accept until the client's first bytes are in (TCP_DEFER_ACCEPT): take
  // them with one non-blocking recv rather than an async read, whose completion would cost a
  // round of the scheduler even though the data is there. (Over TLS the plaintext comes
  // through the pump, maybe not yet: the async read waits for it.)
  if (!tls) {
    auto space = buffer.prepare(4096);
    ssize_t got = ::recv(stream.socket().native_handle(), space.data(), space.size(), MSG_DONTWAIT);
    if (got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) co_return;
    if (got > 0) buffer.commit(static_cast<std::size_t>(got));
  }
  for (bool first = true;; first = false) {
    // Between requests on a kept-alive connection the client may stay silent for the idle
    // timeout; the header timeout starts at the first byte of each request (and at accept for
    // the first), so a head dripped line by line cannot hold the connection longer.
    if (!first && buffer.size() == 0) {
      stream.expires_after(limits.idle_timeout);
      auto n = co_await stream.async_read_some(buffer.prepare(4096), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      buffer.commit(n);
    }
    stream.expires_after(limits.header_timeout);
    std::size_t head_end = 0;
    auto head = co_await read_head(stream, buffer, limits.max_header_bytes, head_end);
    if (head == HeadRead::closed) co_return;
    if (head == HeadRead::too_large) {
      co_await reply_and_close(stream,
                               error_response(11, false, Status::request_header_fields_too_large, "headers_too_large",
                                              "request headers are too large"),
                               limits.header_timeout, tls);
      co_return;
    }
    if (auto problem = check_raw_head(std::string_view(static_cast<const char*>(buffer.data().data()), head_end))) {
      co_await reply_and_close(stream, error_response(11, false, Status::bad_request, problem->code, problem->message),
                               limits.header_timeout, tls);
      co_return;
    }

    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    parser.body_limit(limits.max_body_bytes);
    // The head is all in the buffer: parse it here. (async_read_header would parse the same
    // bytes, then post its completion: one more round of the scheduler per request.)
    ec = {};
    for (std::size_t used = 1; !ec && used > 0 && !parser.is_header_done();) {
      used = parser.put(buffer.data(), ec);
      buffer.consume(used);
    }
    // Not expected (read_head saw the blank line), but then Beast reads on.
    if (ec == bhttp::error::need_more || (!ec && !parser.is_header_done())) {
      ec = {};
      co_await bhttp::async_read_header(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    }
    auto started = std::chrono::steady_clock::now();
    if (ec) {
      if (quiet_end(ec)) co_return;
      Response res =
          ec == bhttp::error::body_limit
              ? error_response(11, false, Status::payload_too_large, "body_too_large",
                               "request body exceeds the limit of " + std::to_string(limits.max_body_bytes) + " bytes")
          : ec == bhttp::error::header_limit
              ? error_response(11, false, Status::request_header_fields_too_large, "headers_too_large",
                               "request headers are too large")
              : error_response(11, false, Status::bad_request, "bad_request", "malformed HTTP request");
      co_await reply_and_close(stream, std::move(res), limits.header_timeout, tls);
      co_return;
    }

    auto& hdr = parser.get();
    if (auto problem = check_head(hdr)) {
      co_await reply_and_close(
          stream, error_response(hdr.version(), false, Status::bad_request, problem->code, problem->message),
          limits.header_timeout, tls);
      co_return;
    }
    auto too_large = [&] {
      auto len = parser.content_length();
      return len && *len > limits.max_body_bytes;
    };
    if (too_large()) {
      co_await reply_and_close(
          stream,
          error_response(hdr.version(), false, Status::payload_too_large, "body_too_large",
                         "request body exceeds the limit of " + std::to_string(limits.max_body_bytes) + " bytes"),
          limits.header_timeout, tls);
      co_return;
    }
    if (beast::iequals(hdr[bhttp::field::expect], "100-continue")) {
      bhttp::response<bhttp::empty_body> cont{Status::continue_, hdr.version()};
      co_await bhttp::async_write(stream, cont, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
    }

    // A request without a body (a GET, an upgrade) is complete with its head: async_read would
    // only post its completion.
    if (!parser.is_done()) {
      stream.expires_after(limits.header_timeout);
      co_await bhttp::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec) {
      if (ec == bhttp::error::body_limit) {
        co_await reply_and_close(
            stream,
            error_response(hdr.version(), false, Status::payload_too_large, "body_too_large",
                           "request body exceeds the limit of " + std::to_string(limits.max_body_bytes) + " bytes"),
            limits.header_timeout, tls);
      } else if (!quiet_end(ec)) {
        co_await reply_and_close(
            stream,
            error_response(hdr.version(), false, Status::bad_request, "bad_request", "malformed HTTP request body"),
            limits.header_timeout, tls);
      }
      co_return;
    }

    Request req = parser.release();
    std::string client = remote;
    if (gate && *gate)
      if (auto refusal = (*gate)(req, remote, client)) {
        auto status = refusal->result_int();
        set_security_headers(*refusal);
        const bool keep_alive = refusal->keep_alive();
        stream.expires_after(limits.header_timeout);
        co_await beast::async_write(stream, bhttp::message_generator(std::move(*refusal)),
                                    asio::redirect_error(asio::use_awaitable, ec));
        spdlog::info("req={} {} {} {} (refused before dispatch)", next_request_id(), std::string(req.method_string()),
                     path_only(req.target()), status);
        if (ec) co_return;
        if (!keep_alive) {
          stream.socket().shutdown(tcp::socket::shutdown_send, ec);
          co_return;
        }
        continue;
      }
    if (beast::websocket::is_upgrade(req) && upgrade && *upgrade) {
      stream.expires_never();
      if (spdlog::should_log(spdlog::level::info))  // the id and the strings are made only to be logged
        spdlog::info("req={} {} {} 101 upgrade", next_request_id(), std::string(req.method_string()),
                     path_only(req.target()));
      co_await (*upgrade)(std::move(stream), std::move(req), std::move(buffer), std::move(client));
      co_return;
    }

    InFlight counted(in_flight);
    const std::string request_id = next_request_id();
    Response res = co_await router.dispatch(req, client);
    res.set("X-Request-Id", request_id);
    if (req.method() == bhttp::verb::head) {
      auto len = res.body().size();
      res.body().clear();
      res.content_length(len);
    }
    set_security_headers(res, tls);
    const bool keep_alive = res.keep_alive();
    auto status = res.result_int();
    stream.expires_after(limits.header_timeout);
    co_await beast::async_write(stream, bhttp::message_generator(std::move(res)),
                                asio::redirect_error(asio::use_awaitable, ec));
    auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count();
    spdlog::info("req={} {} {} {} {:.3f}ms", request_id, std::string(req.method_string()), path_only(req.target()),
                 status, micros / 1000.0);
    if (ec) co_return;
    if (!keep_alive) {
      stream.socket().shutdown(tcp::socket::shutdown_send, ec);
      co_return;
    }
  }
}

// The connection's coroutine runs on a strand of its own when there are several io threads:
// Beast's timeout handlers run on the coroutine's executor and must not run beside it. With one
// io thread (limits.session_strands off) it runs on the io_context's executor itself.
void spawn_session(net::Socket socket, const Router& router, HttpLimits limits, const UpgradeHandler* upgrade,
                   const RequestGate* gate, std::shared_ptr<std::atomic<std::size_t>> in_flight, std::string remote,
                   bool tls) {
  asio::any_io_executor executor = socket.get_executor();
  if (limits.session_strands) executor = asio::make_strand(socket.get_executor());
  asio::co_spawn(
      executor,
      run_session(Stream(std::move(socket)), router, limits, upgrade, gate, in_flight, std::move(remote), tls),
      [](std::exception_ptr e) {
        if (!e) return;
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          spdlog::error("http session ended by exception: {}", ex.what());
        }
      });
}

}  // namespace

HttpServer::HttpServer(asio::io_context& ioc, const Router& router, HttpLimits limits)
    : ioc_(ioc),
      router_(router),
      limits_(limits),
      acceptor_(asio::make_strand(ioc)),
      accept_retry_(acceptor_.get_executor()) {}

void HttpServer::enable_tls(std::shared_ptr<asio::ssl::context> context, std::chrono::milliseconds write_timeout) {
  tls_ = std::make_shared<net::TlsConnections>(
      std::move(context), limits_.header_timeout, write_timeout, [this](net::Socket plain, std::string remote) {
        spawn_session(std::move(plain), router_, limits_, &upgrade_, &gate_, in_flight_, std::move(remote), true);
      });
}

bool HttpServer::tls_backlog() const { return tls_ && tls_->backlog(); }

unsigned short HttpServer::listen(const std::string& address, unsigned short port) {
  tcp::endpoint ep{asio::ip::make_address(address), port};
  acceptor_.open(ep.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  // Accepted sockets inherit TCP_NODELAY from the listener on Linux: one setsockopt here
  // instead of one per connection.
  acceptor_.set_option(tcp::no_delay(true));
#ifdef TCP_DEFER_ACCEPT
  // The kernel hands over a connection once its first bytes are in (the client speaks first in
  // HTTP, WebSocket and TLS): accepting it and reading its request take one wake-up instead of
  // two, and the read finds the request instead of EAGAIN. A client that sends nothing is
  // handed over all the same after about this long, and then meets the header timeout.
  const int defer_seconds = kDeferAcceptSeconds;
  if (::setsockopt(acceptor_.native_handle(), IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer_seconds, sizeof defer_seconds) != 0)
    spdlog::warn("TCP_DEFER_ACCEPT not set on the listener ({}): each connection costs one more wake-up",
                 std::strerror(errno));
#endif
  acceptor_.bind(ep);
  acceptor_.listen(asio::socket_base::max_listen_connections);
  do_accept();
  return acceptor_.local_endpoint().port();
}

void HttpServer::stop() {
  asio::post(acceptor_.get_executor(), [this] {
    beast::error_code ec;
    acceptor_.close(ec);
    accept_retry_.cancel();
  });
}

void HttpServer::do_accept() {
  // The peer's address comes with the accept itself (no getpeername).
  acceptor_.async_accept(ioc_.get_executor(), accept_peer_, [this](beast::error_code ec, net::Socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      // Out of file descriptors and the like: log, wait a moment, and keep accepting rather
      // than spinning on the error.
      spdlog::warn("accept failed: {}", ec.message());
      accept_retry_.expires_after(std::chrono::milliseconds(50));
      accept_retry_.async_wait([this](beast::error_code wec) {
        if (!wec) do_accept();
      });
      return;
    }
    std::string remote = address_text(accept_peer_.address());
    if (tls_)
      tls_->start(std::move(socket), std::move(remote));
    else
      spawn_session(std::move(socket), router_, limits_, &upgrade_, &gate_, in_flight_, std::move(remote), false);
    do_accept();
  });
}

}  // namespace swirl::http
