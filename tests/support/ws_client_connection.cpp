// WsClient's io thread (ws_client_impl.hpp has the struct): connect and upgrade, the read loop,
// the write queue (one write-type operation at a time), and the end of the connection.
#include <boost/asio/post.hpp>

#include <sstream>

#include "support/ws_client_impl.hpp"

namespace swirl::test {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using json = nlohmann::json;

namespace {

// The client never limits what the server sends: the server's own limits are under test.
constexpr std::size_t kReadMessageMax = 64u << 20;
// The destructor's clean close gets this long before the socket is dropped.
constexpr std::chrono::milliseconds kDestructorCloseBound{1000};
// After the socket is shut down the io thread finishes at once; this only guards against a bug.
constexpr std::chrono::milliseconds kJoinBound{5000};

std::string dump(const json& m, std::size_t max_chars) {
  std::string s = m.dump(-1, ' ', false, json::error_handler_t::replace);
  if (s.size() > max_chars) s = s.substr(0, max_chars) + "...(" + std::to_string(s.size()) + " chars)";
  return s;
}

// Write errors that only mean "the connection is gone": a browser's send() is silent then too.
bool connection_gone(const beast::error_code& ec) {
  return ec == websocket::error::closed || ec == asio::error::broken_pipe || ec == asio::error::connection_reset ||
         ec == asio::error::connection_aborted || ec == asio::error::eof || ec == asio::error::operation_aborted ||
         ec == asio::error::not_connected || ec == asio::error::bad_descriptor || ec == asio::error::shut_down ||
         ec == beast::error::timeout;
}

}  // namespace

void WsClient::Impl::start_thread() {
  io_thread = std::thread([this] {
    // Handlers do not throw by design; should one do so anyway, the connection is recorded
    // as ended and the loop goes on so that shutdown() can still join.
    for (;;) {
      try {
        ioc.run();
        break;
      } catch (...) {
        mark_ended(0, "exception in the WebSocket client's io thread");
      }
    }
    io_finished.set_value();
  });
}

void WsClient::Impl::run_on_io(std::function<void()> fn) {
  auto done = std::make_shared<std::promise<void>>();
  auto f = done->get_future();
  asio::post(ioc, [fn = std::move(fn), done] {
    fn();
    done->set_value();
  });
  if (f.wait_for(options.timeout) != std::future_status::ready)
    throw std::runtime_error("WsClient: the io thread did not answer within the timeout");
}

void WsClient::Impl::mark_ended(int close_code, std::string close_reason) {
  {
    std::lock_guard lock(mutex);
    if (ended) return;  // the first cause wins
    ended = true;
    code = close_code;
    reason = std::move(close_reason);
  }
  cv.notify_all();
}

void WsClient::Impl::mark_ended_by_close_frame() {
  const auto& r = ws.reason();
  mark_ended(r.code, std::string(r.reason.data(), r.reason.size()));
}

void WsClient::Impl::connect(unsigned short port, const std::string& target) {
  std::string protocols = "swirl.v1";
  std::string authorization;
  if (options.token) {
    if (options.token_in_authorization_header)
      authorization = "Bearer " + *options.token;
    else
      protocols += ", swirl.token." + *options.token;
  }
  ws.set_option(websocket::stream_base::decorator(
      [protocols, authorization, extra = options.headers](websocket::request_type& req) {
        req.set(bhttp::field::user_agent, "swirl-test-ws-client");
        for (const auto& [name, value] : extra) req.set(name, value);
        req.set(bhttp::field::sec_websocket_protocol, protocols);
        if (!authorization.empty()) req.set(bhttp::field::authorization, authorization);
      }));
  // Timeouts are ours: the tcp_stream timer bounds connect + upgrade, our own timer the close.
  websocket::stream_base::timeout no_timeouts{};
  no_timeouts.handshake_timeout = websocket::stream_base::none();
  no_timeouts.idle_timeout = websocket::stream_base::none();
  no_timeouts.keep_alive_pings = false;
  ws.set_option(no_timeouts);
  ws.read_message_max(kReadMessageMax);
  ws.auto_fragment(false);  // one frame per message, as browsers send

  auto result = std::make_shared<std::promise<void>>();
  auto f = result->get_future();
  const std::string host = "127.0.0.1:" + std::to_string(port);
  asio::post(ioc, [this, result, host, target, port] {
    auto& lowest = beast::get_lowest_layer(ws);
    lowest.expires_after(options.timeout);
    lowest.async_connect(
        tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), [this, result, host, target](beast::error_code ec) {
          if (ec) {
            result->set_exception(std::make_exception_ptr(
                std::runtime_error("WebSocket connect to " + host + " failed: " + ec.message())));
            return;
          }
          ws.async_handshake(handshake_response, host, target, [this, result, host, target](beast::error_code hec) {
            beast::get_lowest_layer(ws).expires_never();
            if (hec == websocket::error::upgrade_declined) {
              HandshakeRefused refused(handshake_response.result_int(), handshake_response.body());
              refused.retry_after = std::string(handshake_response[bhttp::field::retry_after]);
              result->set_exception(std::make_exception_ptr(refused));
              return;
            }
            if (hec) {
              result->set_exception(std::make_exception_ptr(
                  std::runtime_error("WebSocket handshake with " + host + target + " failed: " + hec.message())));
              return;
            }
            {
              std::lock_guard lock(mutex);
              subprotocol = std::string(handshake_response[bhttp::field::sec_websocket_protocol]);
              upgraded = true;
            }
            result->set_value();
            do_read();
          });
        });
  });
  // The tcp_stream timer fires at options.timeout; the margin only covers a stuck io thread.
  if (f.wait_for(options.timeout + std::chrono::seconds(2)) != std::future_status::ready) {
    abort_socket_async();
    throw std::runtime_error("WebSocket connect + upgrade to " + host + target + " timed out");
  }
  f.get();  // rethrows HandshakeRefused / runtime_error
}

void WsClient::Impl::do_read() {
  if (read_pending || paused || stopping) return;
  read_pending = true;
  ws.async_read(read_buffer, [this](beast::error_code ec, std::size_t) { on_read(ec); });
}

void WsClient::Impl::on_read(beast::error_code ec) {
  read_pending = false;
  if (ec) {
    // A close frame may have arrived even when the teardown after it failed (e.g. ENOTCONN
    // from shutting down a socket the server already closed): its code is what counts.
    if (ec == websocket::error::closed || ws.reason().code != websocket::close_code::none)
      mark_ended_by_close_frame();
    else
      mark_ended(0, {});
    return;
  }
  std::string data = beast::buffers_to_string(read_buffer.data());
  read_buffer.consume(read_buffer.size());
  json m;
  if (ws.got_text()) {
    m = json::parse(data, nullptr, false);
    if (m.is_discarded()) m = json{{"type", "<unparseable>"}, {"raw", data}};
  } else {
    m = json{{"type", "<binary>"}, {"bytes", data.size()}};
  }
  {
    std::lock_guard lock(mutex);
    received.push_back(std::move(m));
  }
  cv.notify_all();
  do_read();
}

std::future<beast::error_code> WsClient::Impl::enqueue(std::shared_ptr<Outgoing> out) {
  auto f = out->done.get_future();
  asio::post(ioc, [this, out = std::move(out)]() mutable {
    queue.push_back(std::move(out));
    if (!writing) do_write();
  });
  return f;
}

void WsClient::Impl::send_and_wait(std::shared_ptr<Outgoing> out) {
  {
    std::lock_guard lock(mutex);
    if (ended) return;
  }
  auto f = enqueue(std::move(out));
  if (f.wait_for(options.timeout) != std::future_status::ready)
    throw std::runtime_error("WsClient::send: the write did not complete within " +
                             std::to_string(options.timeout.count()) + " ms");
  auto ec = f.get();
  if (ec && !connection_gone(ec)) throw std::runtime_error("WsClient::send failed: " + ec.message());
}

void WsClient::Impl::do_write() {
  if (queue.empty()) {
    writing = false;
    return;
  }
  writing = true;
  auto out = queue.front();
  if (stopping) {
    finish_write(out, asio::error::operation_aborted);
    return;
  }
  if (out->kind == Outgoing::Kind::close) {
    close_timer.expires_after(options.timeout);
    close_timer.async_wait([this](beast::error_code ec) {
      if (!ec) abort_socket();  // the server did not finish the close handshake in time
    });
    websocket::close_reason cr(static_cast<websocket::close_code>(out->close_code));
    ws.async_close(cr, [this, out](beast::error_code ec) {
      close_timer.cancel();
      if (!ec)
        mark_ended_by_close_frame();
      else
        abort_socket();
      finish_write(out, ec);
    });
    return;
  }
  ws.binary(out->kind == Outgoing::Kind::binary);
  ws.async_write(asio::buffer(out->payload), [this, out](beast::error_code ec, std::size_t) { finish_write(out, ec); });
}

void WsClient::Impl::finish_write(const std::shared_ptr<Outgoing>& out, beast::error_code ec) {
  queue.pop_front();
  out->done.set_value(ec);
  do_write();
}

void WsClient::Impl::abort_socket() {
  beast::error_code ignored;
  beast::get_lowest_layer(ws).socket().shutdown(tcp::socket::shutdown_both, ignored);
  beast::get_lowest_layer(ws).close();  // closes the socket and cancels its timer
  close_timer.cancel();
  if (!read_pending) mark_ended(0, {});
}

void WsClient::Impl::abort_socket_async() {
  asio::post(ioc, [this] { abort_socket(); });
}

void WsClient::Impl::shutdown() noexcept {
  if (!io_thread.joinable()) return;
  bool open;
  {
    std::lock_guard lock(mutex);
    open = upgraded && !ended;
  }
  if (open) {
    // Leave politely when the server answers quickly; otherwise just drop.
    try {
      auto out = std::make_shared<Outgoing>();
      out->kind = Outgoing::Kind::close;
      enqueue(out);
      std::unique_lock lock(mutex);
      cv.wait_for(lock, kDestructorCloseBound, [this] { return ended; });
    } catch (...) {
    }
  }
  asio::post(ioc, [this] {
    stopping = true;
    abort_socket();
  });
  work.reset();
  auto finished = io_finished.get_future();
  if (finished.wait_for(kJoinBound) != std::future_status::ready) ioc.stop();
  io_thread.join();
}

std::string WsClient::Impl::describe_locked() const {
  std::ostringstream out;
  if (ended)
    out << "connection ended (close code " << code << (reason.empty() ? "" : ", reason \"" + reason + "\"") << ")";
  else
    out << "connection open";
  out << "; " << received.size() << " message(s) received";
  constexpr std::size_t kShown = 60;
  std::size_t first = received.size() > kShown ? received.size() - kShown : 0;
  if (first > 0) out << " (last " << kShown << " shown)";
  out << ":";
  for (std::size_t i = first; i < received.size(); ++i) out << "\n  #" << (i + 1) << " " << dump(received[i], 400);
  return out.str();
}

}  // namespace swirl::test
