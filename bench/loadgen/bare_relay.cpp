#include "bare_relay.hpp"

#include <iostream>
#include <unordered_map>

#include "net.hpp"

namespace bench {

namespace {

struct Relay;

class BareSession : public std::enable_shared_from_this<BareSession> {
 public:
  BareSession(tcp::socket socket, Relay& relay) : ws_(std::move(socket)), relay_(relay) {}
  asio::awaitable<void> run();
  void deliver(std::shared_ptr<const std::string> frame) {
    queue_.push_back(std::move(frame));
    if (!writing_) do_write();
  }

 private:
  void do_write() {
    writing_ = true;
    ws_.text(true);
    ws_.async_write(asio::buffer(*queue_.front()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->writing_ = false;
      if (ec) return;
      self->queue_.pop_front();
      if (!self->queue_.empty()) self->do_write();
    });
  }
  websocket::stream<beast::tcp_stream> ws_;
  Relay& relay_;
  std::string id_, peer_;
  std::deque<std::shared_ptr<const std::string>> queue_;
  bool writing_ = false;
};

struct Relay {
  std::unordered_map<std::string, std::weak_ptr<BareSession>> sessions;
};

asio::awaitable<void> BareSession::run() {
  auto self = shared_from_this();
  beast::flat_buffer buffer;
  beast::http::request<beast::http::string_body> req;
  auto [ec, hn] = co_await beast::http::async_read(ws_.next_layer(), buffer, req, asio::as_tuple(asio::use_awaitable));
  (void)hn;
  if (ec) co_return;
  id_ = query_param(req.target(), "id");
  peer_ = query_param(req.target(), "peer");
  ws_.auto_fragment(false);
  ws_.read_message_max(1 << 20);
  auto [aec] = co_await ws_.async_accept(req, asio::as_tuple(asio::use_awaitable));
  if (aec) co_return;
  relay_.sessions[id_] = self;
  deliver(std::make_shared<const std::string>(R"({"type":"OPEN"})"));
  for (;;) {
    auto [rec, n] = co_await ws_.async_read(buffer, asio::as_tuple(asio::use_awaitable));
    if (rec) break;
    auto it = relay_.sessions.find(peer_);
    if (it != relay_.sessions.end())
      if (auto peer = it->second.lock())
        peer->deliver(std::make_shared<const std::string>(beast::buffers_to_string(buffer.data())));
    buffer.consume(n);
  }
  auto it = relay_.sessions.find(id_);
  if (it != relay_.sessions.end() && it->second.lock() == self) relay_.sessions.erase(it);
}

}  // namespace

int run_bare_relay(std::uint16_t port) {
  asio::io_context io;
  Relay relay;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), port));
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        for (;;) {
          auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
          if (ec) continue;
          socket.set_option(tcp::no_delay(true));
          auto s = std::make_shared<BareSession>(std::move(socket), relay);
          asio::co_spawn(io, s->run(), asio::detached);
        }
      },
      asio::detached);
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](auto, int) { io.stop(); });
  io.run();
  return 0;
}

}  // namespace bench
