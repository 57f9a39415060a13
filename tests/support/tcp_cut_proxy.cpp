#include "support/tcp_cut_proxy.hpp"

#include <array>
#include <future>
#include <stdexcept>

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

namespace swirl::test {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Two sockets and a relay in each direction; either side ending ends both.
struct TcpCutProxy::Pipe : std::enable_shared_from_this<Pipe> {
  explicit Pipe(tcp::socket client) : a(std::move(client)), b(a.get_executor()) {}
  tcp::socket a, b;
  std::array<char, 16384> ab{}, ba{};

  void start(const tcp::endpoint& target) {
    b.async_connect(target, [self = shared_from_this()](boost::system::error_code ec) {
      if (ec) return self->close();
      self->relay(self->a, self->b, self->ab);
      self->relay(self->b, self->a, self->ba);
    });
  }
  void relay(tcp::socket& from, tcp::socket& to, std::array<char, 16384>& buf) {
    from.async_read_some(asio::buffer(buf),
                         [self = shared_from_this(), &from, &to, &buf](boost::system::error_code ec, std::size_t n) {
                           if (ec) return self->close();
                           asio::async_write(to, asio::buffer(buf.data(), n),
                                             [self, &from, &to, &buf](boost::system::error_code ec2, std::size_t) {
                                               if (ec2) return self->close();
                                               self->relay(from, to, buf);
                                             });
                         });
  }
  void close() {
    boost::system::error_code ec;
    a.close(ec);
    b.close(ec);
  }
};

TcpCutProxy::TcpCutProxy(const std::string& target_host, unsigned short target_port)
    : acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
      target_(asio::ip::make_address(target_host), target_port) {
  port_ = acceptor_.local_endpoint().port();
  accept();
  thread_ = std::thread([this] { ioc_.run(); });
}

TcpCutProxy::~TcpCutProxy() {
  ioc_.stop();
  if (thread_.joinable()) thread_.join();
}

void TcpCutProxy::accept() {
  acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket s) {
    if (ec) return;
    if (cut_) {
      s.close(ec);  // refused: the far side is unreachable now
    } else {
      auto pipe = std::make_shared<Pipe>(std::move(s));
      pipes_.push_back(pipe);
      pipe->start(target_);
    }
    accept();
  });
}

void TcpCutProxy::cut() {
  std::promise<void> done;
  asio::post(ioc_, [this, &done] {
    cut_ = true;
    for (auto& w : pipes_)
      if (auto p = w.lock()) p->close();
    pipes_.clear();
    done.set_value();
  });
  done.get_future().wait();
}

std::pair<std::string, unsigned short> host_port_of(const std::string& url) {
  auto at = url.find('@');
  auto start = at == std::string::npos ? url.find("://") + 3 : at + 1;
  auto slash = url.find('/', start);
  auto hp = url.substr(start, slash - start);
  auto colon = hp.rfind(':');
  if (colon == std::string::npos) return {hp, 5432};
  return {hp.substr(0, colon), static_cast<unsigned short>(std::stoi(hp.substr(colon + 1)))};
}

std::string with_host_port(const std::string& url, const std::string& host, unsigned short port) {
  auto at = url.find('@');
  auto start = at == std::string::npos ? url.find("://") + 3 : at + 1;
  auto slash = url.find('/', start);
  return url.substr(0, start) + host + ":" + std::to_string(port) + url.substr(slash);
}

}  // namespace swirl::test
