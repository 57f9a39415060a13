#pragma once
// A TCP relay on a random loopback port in front of another address (a node's way to its
// PostgreSQL in the lease tests), with one switch: cut() closes every relayed connection and
// refuses new ones from then on, the way a network partition looks to the node behind it.

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace swirl::test {

class TcpCutProxy {
 public:
  TcpCutProxy(const std::string& target_host, unsigned short target_port);
  ~TcpCutProxy();
  TcpCutProxy(const TcpCutProxy&) = delete;
  TcpCutProxy& operator=(const TcpCutProxy&) = delete;

  unsigned short port() const { return port_; }
  void cut();  // returns once every relayed connection is closed

 private:
  struct Pipe;
  void accept();

  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::ip::tcp::endpoint target_;
  unsigned short port_ = 0;
  std::atomic<bool> cut_{false};
  std::vector<std::weak_ptr<Pipe>> pipes_;  // touched only on the io thread
  std::thread thread_;
};

// postgres://user@host:port/db?...: the URL with host:port replaced (to go through a proxy).
std::string with_host_port(const std::string& url, const std::string& host, unsigned short port);
// The host and port of such a URL.
std::pair<std::string, unsigned short> host_port_of(const std::string& url);

}  // namespace swirl::test
