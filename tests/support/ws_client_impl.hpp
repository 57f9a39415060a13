#pragma once
// Private to tests/support: the inside of WsClient, shared by ws_client.cpp (what tests call:
// send, wait, close) and ws_client_connection.cpp (the io thread: connect and upgrade, the
// read loop, the write queue, the end of the connection).

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/ws_client.hpp"

namespace swirl::test {

// The connection and everything the io thread touches. Socket state (the stream, the read
// buffer, the write queue, the paused flag) is touched only on the io thread; what tests read
// (messages, close state) is under `mutex`.
struct WsClient::Impl {
  using json = nlohmann::json;

  struct Outgoing {
    enum class Kind { text, binary, close } kind = Kind::text;
    std::string payload;
    int close_code = 1000;
    std::promise<boost::beast::error_code> done;
  };

  explicit Impl(WsOptions o) : options(std::move(o)) {}
  ~Impl() { shutdown(); }

  WsOptions options;
  boost::asio::io_context ioc;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{ioc.get_executor()};
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws{ioc};
  boost::asio::steady_timer close_timer{ioc};
  std::thread io_thread;
  std::promise<void> io_finished;

  // io thread only.
  boost::beast::flat_buffer read_buffer;
  boost::beast::websocket::response_type handshake_response;
  std::deque<std::shared_ptr<Outgoing>> queue;
  bool writing = false;
  bool read_pending = false;
  bool paused = false;
  bool stopping = false;

  // Shared with the test threads.
  mutable std::mutex mutex;
  std::condition_variable cv;
  std::vector<json> received;
  bool ended = false;
  int code = 0;
  std::string reason;
  std::string subprotocol;
  bool upgraded = false;

  void start_thread();

  // Runs fn on the io thread and waits for it (bounded).
  void run_on_io(std::function<void()> fn);

  void mark_ended(int close_code, std::string close_reason);

  // io thread: the server's close frame has been received.
  void mark_ended_by_close_frame();

  // --- connect + upgrade --------------------------------------------------------------

  void connect(unsigned short port, const std::string& target);

  // --- reading ------------------------------------------------------------------------

  void do_read();

  void on_read(boost::beast::error_code ec);

  // --- writing: one write-type operation (message or close) at a time -----------------

  std::future<boost::beast::error_code> enqueue(std::shared_ptr<Outgoing> out);

  // Test thread: queue one message and wait until it has been written.
  void send_and_wait(std::shared_ptr<Outgoing> out);

  void do_write();

  void finish_write(const std::shared_ptr<Outgoing>& out, boost::beast::error_code ec);

  // --- ending -------------------------------------------------------------------------

  // io thread: shut the TCP connection down without a close frame. Pending operations then
  // complete with errors; a parked (paused) reader has none, so the end is recorded here.
  void abort_socket();

  void abort_socket_async();

  void shutdown() noexcept;

  std::string describe_locked() const;
};

}  // namespace swirl::test
