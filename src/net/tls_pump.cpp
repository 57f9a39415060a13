#include "swirl/net/tls_pump.hpp"

#include <sys/ioctl.h>
#include <sys/socket.h>

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace swirl::net {
namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {
constexpr std::size_t kChunk = 16 * 1024;  // one TLS record's worth of plaintext
}

// One TLS connection and its socket pair; alive while either direction's coroutine runs.
class TlsPump : public std::enable_shared_from_this<TlsPump> {
 public:
  TlsPump(tcp::socket socket, std::shared_ptr<TlsConnections> owner)
      : owner_(std::move(owner)),
        tls_(std::move(socket), *owner_->context_),
        plain_(tls_.get_executor()),
        deadline_(tls_.get_executor()) {
    owner_->add(this);
  }
  ~TlsPump() { owner_->remove(this); }  // before plain_ closes: backlog() never sees a closed fd
  TlsPump(const TlsPump&) = delete;
  TlsPump& operator=(const TlsPump&) = delete;

  // `self` keeps the pump alive while the coroutine runs (a member coroutine holds only `this`).
  static asio::awaitable<void> run(std::shared_ptr<TlsPump> self, std::string remote) {
    co_await self->serve(std::move(remote));
  }

  bool busy() const {
    if (writing_.load()) return true;
    int fd = plain_fd_.load();
    int unread = 0;
    return fd >= 0 && ::ioctl(fd, FIONREAD, &unread) == 0 && unread > 0;
  }

 private:
  asio::awaitable<void> serve(std::string remote) {
    boost::system::error_code ec;
    arm_deadline(owner_->handshake_timeout_);
    co_await tls_.async_handshake(ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
    disarm_deadline();
    if (ec) {
      // Scanners, plain HTTP sent to the TLS port, clients that distrust the certificate.
      spdlog::debug("TLS handshake with {} failed: {}", remote, ec.message());
      co_return;
    }
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
      spdlog::warn("TLS connection from {} dropped: socketpair failed ({})", remote, std::strerror(errno));
      co_return;
    }
    plain_.assign(asio::local::stream_protocol(), fds[0], ec);
    auto& ioc = static_cast<asio::io_context&>(asio::query(tls_.get_executor(), asio::execution::context));
    net::Socket session_side(ioc.get_executor());
    if (!ec) session_side.assign(tcp::v4(), fds[1], ec);
    if (ec) {
      if (!plain_.is_open()) ::close(fds[0]);
      if (!session_side.is_open()) ::close(fds[1]);
      spdlog::warn("TLS connection from {} dropped: {}", remote, ec.message());
      co_return;
    }
    plain_fd_ = fds[0];
    owner_->serve_(std::move(session_side), std::move(remote));
    asio::co_spawn(tls_.get_executor(), inward(shared_from_this()), asio::detached);
    co_await outward();
  }

  // Client -> session. The client's end (EOF or error) becomes EOF on the session's socket.
  static asio::awaitable<void> inward(std::shared_ptr<TlsPump> self) {
    auto buffer = std::make_unique<char[]>(kChunk);
    boost::system::error_code ec;
    for (;;) {
      std::size_t n = co_await self->tls_.async_read_some(asio::buffer(buffer.get(), kChunk),
                                                          asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      co_await asio::async_write(self->plain_, asio::buffer(buffer.get(), n),
                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
    }
    self->plain_.shutdown(asio::socket_base::shutdown_send, ec);
  }

  // Session -> client. Waits for readability and then reads itself, so that bytes are either
  // in the pair's queue or marked `writing_` (what backlog() relies on).
  asio::awaitable<void> outward() {
    auto buffer = std::make_unique<char[]>(kChunk);
    boost::system::error_code ec;
    for (;;) {
      co_await plain_.async_wait(asio::socket_base::wait_read, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      writing_ = true;
      ssize_t n = ::recv(plain_.native_handle(), buffer.get(), kChunk, MSG_DONTWAIT);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        writing_ = false;
        continue;
      }
      if (n <= 0) break;  // the session closed its socket
      arm_deadline(owner_->write_timeout_);
      co_await asio::async_write(tls_, asio::buffer(buffer.get(), static_cast<std::size_t>(n)),
                                 asio::redirect_error(asio::use_awaitable, ec));
      disarm_deadline();
      writing_ = false;
      if (ec) break;
    }
    writing_ = false;
    // The session is done (or the client gone): end the TCP connection, which also ends inward().
    tls_.lowest_layer().shutdown(asio::socket_base::shutdown_both, ec);
    tls_.lowest_layer().close(ec);
    plain_.shutdown(asio::socket_base::shutdown_both, ec);
  }

  // A handshake or a write that takes longer than `limit` closes the TCP connection. The
  // generation tells a timer that fired just as its operation finished that it is stale.
  void arm_deadline(std::chrono::milliseconds limit) {
    deadline_.expires_after(limit);
    deadline_.async_wait([self = shared_from_this(), gen = ++deadline_gen_](boost::system::error_code ec) {
      if (ec || gen != self->deadline_gen_) return;
      boost::system::error_code ignored;
      self->tls_.lowest_layer().close(ignored);
    });
  }

  void disarm_deadline() {
    ++deadline_gen_;
    deadline_.cancel();
  }

  std::shared_ptr<TlsConnections> owner_;
  ssl::stream<tcp::socket> tls_;
  asio::local::stream_protocol::socket plain_;  // our end of the pair
  asio::steady_timer deadline_;
  std::uint64_t deadline_gen_ = 0;    // on the strand only
  std::atomic<bool> writing_{false};  // plaintext taken from the pair and not yet written out
  std::atomic<int> plain_fd_{-1};
};

TlsConnections::TlsConnections(std::shared_ptr<ssl::context> context, std::chrono::milliseconds handshake_timeout,
                               std::chrono::milliseconds write_timeout, Serve serve)
    : context_(std::move(context)),
      handshake_timeout_(handshake_timeout),
      write_timeout_(write_timeout),
      serve_(std::move(serve)) {}

void TlsConnections::start(net::Socket accepted, std::string remote_address) {
  // The pump's coroutines and its deadline share the TLS stream: they run on one strand, the
  // TLS socket's executor. Moving the descriptor onto it costs a few system calls, next to a
  // TLS handshake's thousands of cycles.
  boost::system::error_code ec;
  auto protocol = accepted.local_endpoint(ec).protocol();
  if (ec) return;  // the client is already gone
  auto& ioc = static_cast<asio::io_context&>(accepted.get_executor().context());
  tcp::socket socket(asio::make_strand(ioc));
  auto fd = accepted.release(ec);
  if (ec) return;
  socket.assign(protocol, fd, ec);
  if (ec) {
    ::close(fd);
    return;
  }
  auto exec = socket.get_executor();
  auto pump = std::make_shared<TlsPump>(std::move(socket), shared_from_this());
  asio::co_spawn(exec, TlsPump::run(std::move(pump), std::move(remote_address)), [](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      spdlog::error("TLS connection ended by exception: {}", ex.what());
    }
  });
}

bool TlsConnections::backlog() const {
  std::lock_guard lock(mutex_);
  for (auto* p : pumps_)
    if (p->busy()) return true;
  return false;
}

void TlsConnections::add(TlsPump* p) {
  std::lock_guard lock(mutex_);
  pumps_.insert(p);
}

void TlsConnections::remove(TlsPump* p) {
  std::lock_guard lock(mutex_);
  pumps_.erase(p);
}

}  // namespace swirl::net
