#pragma once
// A local stand-in for Cloudflare Realtime's TURN credential API, for black-box tests of the
// cloudflare ICE provider: a real HTTP server on 127.0.0.1, port 0, that checks what a real
// one would (POST, the path with the key id, the bearer token, a JSON body with a ttl) and
// answers like Cloudflare (201 {"iceServers":[...]}) with credentials numbered per request.
// It can be told to fail (any HTTP status) to test the fallback to STUN only.

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace swirl::test {

class CloudflareStandIn {
 public:
  struct Seen {
    std::string method, target, authorization, content_type, body;
    int answered = 0;  // the status it got
  };

  CloudflareStandIn(std::string key_id, std::string api_token);
  ~CloudflareStandIn();

  unsigned short port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  // 0: answer normally; otherwise answer every request with this status.
  void fail_with(int status) { fail_with_ = status; }
  std::vector<Seen> requests() const;

 private:
  void accept();
  void serve(boost::asio::ip::tcp::socket socket);

  std::string key_id_, api_token_;
  std::atomic<int> fail_with_{0};
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  mutable std::mutex mutex_;
  std::vector<Seen> seen_;
  std::thread thread_;
};

}  // namespace swirl::test
