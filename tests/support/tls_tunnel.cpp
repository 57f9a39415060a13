#include "support/tls_tunnel.hpp"

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <stdexcept>

#include <openssl/ssl.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace swirl::test {
namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {
void run_or_throw(const std::string& command) {
  if (std::system(command.c_str()) != 0) throw std::runtime_error("command failed: " + command);
}
}  // namespace

TestCertificate::TestCertificate() {
  char tmpl[] = "/tmp/swirl-tls-XXXXXX";
  if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  dir = tmpl;
  cert = dir + "/cert.pem";
  key = dir + "/key.pem";
  run_or_throw(
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=localhost"
      " -addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout " +
      key + " -out " + cert + " 2>/dev/null");
}

TestCertificate::~TestCertificate() {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

std::string TestCertificate::other_key() const {
  std::string path = dir + "/other-key.pem";
  run_or_throw("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " + path + " 2>/dev/null");
  return path;
}

struct TlsTunnel::Impl {
  asio::io_context ioc{1};
  tcp::acceptor acceptor{ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  ssl::context ctx{ssl::context::tls_client};
  unsigned short target;
  std::thread thread;
  mutable std::mutex mutex;
  std::string last_protocol;

  // Copies one direction until it ends, then half-closes the destination.
  template <class From, class To, class Shutdown>
  static asio::awaitable<void> copy(From& from, To& to, Shutdown shutdown_to) {
    char buf[16 * 1024];
    boost::system::error_code ec;
    for (;;) {
      std::size_t n = co_await from.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      co_await asio::async_write(to, asio::buffer(buf, n), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
    }
    shutdown_to();
  }

  asio::awaitable<void> carry(tcp::socket client, std::atomic<int>& failures) {
    auto server = std::make_shared<ssl::stream<tcp::socket>>(ioc, ctx);
    auto plain = std::make_shared<tcp::socket>(std::move(client));
    boost::system::error_code ec;
    co_await server->lowest_layer().async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), target),
                                                  asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) {
      server->set_verify_callback(ssl::host_name_verification("127.0.0.1"));
      co_await server->async_handshake(ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec) {
      failures++;
      co_return;
    }
    {
      std::lock_guard lock(mutex);
      last_protocol = SSL_get_version(server->native_handle());
    }
    asio::co_spawn(ioc,
                   copy(*plain, *server,
                        [server] {
                          boost::system::error_code ignored;
                          server->lowest_layer().shutdown(tcp::socket::shutdown_send, ignored);
                        }),
                   [server, plain](std::exception_ptr) {});
    co_await copy(*server, *plain, [plain] {
      boost::system::error_code ignored;
      plain->shutdown(tcp::socket::shutdown_send, ignored);
    });
  }

  asio::awaitable<void> accept_loop(std::atomic<int>& failures) {
    for (;;) {
      boost::system::error_code ec;
      tcp::socket s = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      asio::co_spawn(ioc, carry(std::move(s), failures), asio::detached);
    }
  }
};

TlsTunnel::TlsTunnel(unsigned short target_port, const std::string& ca_file) : impl_(std::make_unique<Impl>()) {
  impl_->target = target_port;
  impl_->ctx.set_verify_mode(ssl::verify_peer);
  impl_->ctx.load_verify_file(ca_file);
  port_ = impl_->acceptor.local_endpoint().port();
  asio::co_spawn(impl_->ioc, impl_->accept_loop(failures_), asio::detached);
  impl_->thread = std::thread([this] { impl_->ioc.run(); });
}

TlsTunnel::~TlsTunnel() {
  impl_->ioc.stop();
  impl_->thread.join();
}

std::string TlsTunnel::last_protocol() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->last_protocol;
}

std::string try_tls_handshake(unsigned short port, int min_version, int max_version) {
  asio::io_context ioc;
  ssl::context ctx(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), min_version);
  SSL_CTX_set_max_proto_version(ctx.native_handle(), max_version);
  // OpenSSL 3 refuses TLS 1.0/1.1 at its default security level: lower it so that the
  // client really offers the old version and the server is the one saying no.
  SSL_CTX_set_security_level(ctx.native_handle(), 0);
  ctx.set_verify_mode(ssl::verify_none);
  ssl::stream<tcp::socket> s(ioc, ctx);
  boost::system::error_code ec;
  s.lowest_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  if (ec) throw std::runtime_error("connect: " + ec.message());
  s.handshake(ssl::stream_base::client, ec);
  if (ec) return "";
  std::string version = SSL_get_version(s.native_handle());
  s.lowest_layer().close(ec);
  return version;
}

}  // namespace swirl::test
