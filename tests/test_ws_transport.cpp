// The WebSocket transport on its own (ws/ws_session.hpp + ws/message_handler.hpp), with no lobby:
// a real TCP connection, a connection attached to a handler that records what it is handed, and
// a client speaking the wire format by hand. Shows that ws/ hands whole messages to any handler
// and keeps its own rules (fragments, binary, rate, close codes).
#include <catch2/catch.hpp>

#include <algorithm>
#include <future>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio.hpp>

#include "support/raw_ws.hpp"
#include "support/wait.hpp"
#include "swirl/core/config.hpp"
#include "swirl/ws/message_handler.hpp"
#include "swirl/ws/ws_session.hpp"

using namespace swirl::test;
namespace asio = boost::asio;
using swirl::ws::Refusal;

namespace {

// Records every call, in order, as text ("text:..", "refused:binary:..", "close_frame:1001", "closed").
struct RecordingHandler : swirl::ws::MessageHandler {
  std::mutex mutex;
  std::vector<std::string> calls;

  void on_text(std::string_view message) override { add("text:" + std::string(message)); }
  void on_refused(Refusal why, std::string_view message) override {
    add(std::string(why == Refusal::binary ? "refused:binary:" : "refused:rate:") + std::string(message));
  }
  void on_close_frame(std::optional<std::uint16_t> code) override {
    add("close_frame:" + (code ? std::to_string(*code) : std::string("none")));
  }
  void on_closed() override { add("closed"); }

  void add(std::string call) {
    std::lock_guard lock(mutex);
    calls.push_back(std::move(call));
  }
  std::vector<std::string> snapshot() {
    std::lock_guard lock(mutex);
    return calls;
  }
  bool has(const std::string& call) {
    auto c = snapshot();
    return std::find(c.begin(), c.end(), call) != c.end();
  }
};

// A connection on a real socket pair: the server side is a WsSession on its own io thread,
// attached to a RecordingHandler; the client side is a RawWs.
// `response`: a handshake response the session has still to write (ws/ws_session.hpp).
// `small_buffers`: the session's socket send buffer at its minimum, so that a response of 1 MiB
// waits for the client to read (the client's receive buffer starts at ~128 KiB).
struct Pair {
  explicit Pair(swirl::core::Config c = {}, std::string response = {}, bool small_buffers = false)
      : config(std::move(c)), acceptor(ioc, {asio::ip::make_address("127.0.0.1"), 0}) {
    client = std::make_unique<RawWs>(acceptor.local_endpoint().port());
    swirl::ws::WsSession::Socket socket(ioc.get_executor());
    acceptor.accept(socket);
    if (small_buffers) {
      socket.set_option(asio::socket_base::send_buffer_size(4096));
    }
    session = std::make_shared<swirl::ws::WsSession>(std::move(socket), config, counters, "", std::move(response));
    handler = std::make_shared<RecordingHandler>();
    thread = std::thread([this] { ioc.run(); });
  }
  ~Pair() {
    session->close(1000, "bye");
    session.reset();
    work.reset();
    ioc.stop();
    thread.join();
  }
  bool attach() {
    std::promise<bool> attached;
    asio::post(strand, [&] { attached.set_value(session->attach(strand, handler)); });
    return attached.get_future().get();
  }
  // Runs `f` on the connection's strand (once attached) and waits for it.
  template <class F>
  void on_strand(F f) {
    std::promise<void> done;
    asio::post(strand, [&] {
      f();
      done.set_value();
    });
    done.get_future().get();
  }

  swirl::core::Config config;
  swirl::ws::WsCounters counters;
  asio::io_context ioc;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work{ioc.get_executor()};
  swirl::ws::Strand strand = asio::make_strand(ioc.get_executor());
  asio::ip::tcp::acceptor acceptor;
  std::unique_ptr<RawWs> client;
  std::shared_ptr<swirl::ws::WsSession> session;
  std::shared_ptr<RecordingHandler> handler;
  std::thread thread;
};

// The next frame's payload, or "(end of stream)".
std::string next_payload(RawWs& client) {
  auto f = client.read_frame();
  return f ? f->payload : std::string("(end of stream)");
}

}  // namespace

TEST_CASE("transport: whole text messages reach the handler, what it sends reaches the client", "[ws][transport]") {
  Pair p;
  // Sent before the connection is attached: read only once it is, and handed over then.
  p.client->write(text_frame("early"));
  REQUIRE(p.attach());
  p.client->write(text_frame("hel", false) + client_frame(0x80, "lo"));  // one message in two fragments
  REQUIRE(wait_until([&] { return p.handler->snapshot().size() >= 2; }));
  CHECK(p.handler->snapshot() == std::vector<std::string>{"text:early", "text:hello"});

  p.session->send(std::make_shared<const std::string>("from the handler"));
  auto f = p.client->read_frame();
  REQUIRE(f);
  CHECK(f->opcode == 1);
  CHECK(f->payload == "from the handler");
}

TEST_CASE("transport: a frame cut anywhere between reads is put together, on either receive path", "[ws][transport]") {
  swirl::core::Config c;
  c.ws_edge_recv = GENERATE(true, false);
  c.ws_max_frame_bytes = 64 * 1024;
  Pair p(c);
  REQUIRE(p.attach());
  // A whole 40 KB message and the first bytes of the next one in one write: the rest of the
  // second comes later, by itself.
  std::string big(40000, 'b');
  std::string second = text_frame("second message");
  p.client->write(text_frame(big) + second.substr(0, 5));
  REQUIRE(wait_until([&] { return p.handler->snapshot().size() >= 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the cut stays unfinished for a while
  p.client->write(second.substr(5));
  // And one small message a byte at a time.
  std::string third = text_frame("dripped");
  for (char ch : third) p.client->write(std::string(1, ch));
  REQUIRE(wait_until([&] { return p.handler->snapshot().size() >= 3; }));
  CHECK(p.handler->snapshot() == std::vector<std::string>{"text:" + big, "text:second message", "text:dripped"});
}

TEST_CASE("transport: a binary message is refused to the handler, the connection stays open", "[ws][transport]") {
  Pair p;
  REQUIRE(p.attach());
  p.client->write(client_frame(0x82, "\x01\x02"));
  p.client->write(text_frame("after"));
  REQUIRE(wait_until([&] { return p.handler->has("text:after"); }));
  CHECK(p.handler->snapshot().front() == "refused:binary:binary frames are not accepted; send JSON text");
}

TEST_CASE("transport: over the rate, messages are dropped and the handler is told once", "[ws][transport][limits]") {
  swirl::core::Config c;
  c.ws_rate_per_second = 1;
  c.ws_rate_burst = 2;
  Pair p(c);
  REQUIRE(p.attach());
  p.client->write(text_frame("1") + text_frame("2") + text_frame("3") + text_frame("4"));
  REQUIRE(wait_until([&] { return p.handler->snapshot().size() >= 3; }));
  auto calls = p.handler->snapshot();
  REQUIRE(calls.size() == 3);
  CHECK(calls[0] == "text:1");
  CHECK(calls[1] == "text:2");
  CHECK(calls[2] == "refused:rate:more than 1 messages per second; messages are being dropped");
}

TEST_CASE("transport: the client's close code reaches the handler, then the end, and the close is echoed",
          "[ws][transport]") {
  Pair p;
  REQUIRE(p.attach());
  p.client->write(close_frame(1001));
  auto f = p.client->read_close();
  CHECK(f.close_code() == 1001);
  REQUIRE(wait_until([&] { return p.handler->has("closed"); }));
  CHECK(p.handler->snapshot() == std::vector<std::string>{"close_frame:1001", "closed"});
}

TEST_CASE("transport: a connection gone before it is attached refuses the handler", "[ws][transport]") {
  Pair p;
  // Closed by its owner and by the client before anyone attached it.
  p.session->close(1000, "bye");
  CHECK(p.client->read_close().close_code() == 1000);
  p.client->write(close_frame(1000));
  REQUIRE(wait_until([&] { return p.counters.open.load() == 0; }));
  CHECK_FALSE(p.attach());
  CHECK(p.handler->snapshot().empty());
}

TEST_CASE("transport: the handshake response goes first, in one write with the frames sent in a batch",
          "[ws][transport]") {
  Pair p({}, "HTTP/1.1 101 Switching Protocols\r\n\r\n");
  REQUIRE(p.attach());
  CHECK(p.counters.write_calls.load() == 0);  // nothing is written before there is a frame
  p.on_strand([&] {
    swirl::ws::FlushBatch batch;
    p.session->send(std::make_shared<const std::string>("one"));
    p.session->send(std::make_shared<const std::string>("two"));
  });
  CHECK(p.counters.write_calls.load() == 1);
  CHECK(p.client->handshake("") == "HTTP/1.1 101 Switching Protocols\r\n\r\n");
  CHECK(next_payload(*p.client) == "one");
  CHECK(next_payload(*p.client) == "two");
  CHECK(p.counters.messages_out.load() == 2);
}

TEST_CASE("transport: a handshake response the client does not take ends the connection after the hello timeout",
          "[ws][transport][limits]") {
  swirl::core::Config c;
  c.ws_hello_timeout = std::chrono::milliseconds(300);
  // Larger than the socket buffers on both sides: a client that reads nothing leaves it unsent.
  Pair p(c, std::string(1 << 20, 'x'), true);
  REQUIRE(p.attach());
  p.session->send(std::make_shared<const std::string>("welcome"));
  REQUIRE(wait_until([&] { return p.handler->has("closed"); }));
  CHECK(p.counters.open.load() == 0);
  CHECK(p.counters.closed_too_slow.load() == 0);  // the response is no message: no queue bound hit
}

TEST_CASE("transport: once the client has taken the handshake response, the hello timeout no longer applies",
          "[ws][transport][limits]") {
  swirl::core::Config c;
  c.ws_hello_timeout = std::chrono::milliseconds(1000);
  const std::size_t size = 1 << 20;  // read at once: well inside the timeout
  Pair p(c, std::string(size, 'x'), true);
  REQUIRE(p.attach());
  p.session->send(std::make_shared<const std::string>("welcome"));
  // Read the response as it comes (the session writes the rest as the socket drains), then the frame.
  CHECK(p.client->read_bytes(size) == std::string(size, 'x'));
  CHECK(next_payload(*p.client) == "welcome");
  // Past the hello timeout the connection is still open and still delivers.
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));  // the window the deadline would have closed it in
  CHECK_FALSE(p.handler->has("closed"));
  p.session->send(std::make_shared<const std::string>("still here"));
  CHECK(next_payload(*p.client) == "still here");
  CHECK(p.counters.open.load() == 1);
}
