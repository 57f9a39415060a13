// RecvSocket (ws/edge_recv.hpp): a receive that tells Asio's reactor when a read drained the
// socket, or Asio's own receive as the fallback. Every case runs on each path this build has:
// the caller sees the same. What must hold: a short read leaves the next receive waiting for new
// data, and data that arrives while no receive is queued is still seen; a read that fills the
// buffer leaves the rest to the next receive without new data; close and cancel complete a
// queued receive with operation_aborted; EOF and a closed socket come through as errors; an
// io_context made where an earlier one was gets its own reactor.
//
// These tests build into their own binary (tests/CMakeLists.txt), and once more with
// AddressSanitizer as swirl_edge_recv_tests_asan, which turns a reactor used after its
// io_context is gone into a failure.
#include <catch2/catch.hpp>

#include <sys/socket.h>

#include <array>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include "swirl/ws/edge_recv.hpp"

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using PlainSocket = asio::basic_stream_socket<tcp, asio::io_context::executor_type>;
using Socket = swirl::ws::RecvSocket<asio::io_context::executor_type>;
using namespace std::chrono_literals;

namespace {

struct Result {
  boost::system::error_code ec;
  std::size_t n = 0;
};

// The receive paths to test: 1 = edge (where compiled in), 0 = Asio's own. (ints: Catch's
// from_range takes no bools.)
std::vector<int> receive_paths() {
  if (swirl::ws::kEdgeRecvCompiled) return {1, 0};
  return {0};
}

PlainSocket accepted(asio::io_context& ioc, tcp::socket& client) {
  tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  client.connect(acceptor.local_endpoint());
  return PlainSocket(ioc.get_executor(), tcp::v4(), acceptor.accept().release());
}

// A connected loopback pair: `server` is read with RecvSocket::receive_some, `client` writes.
struct Pair {
  asio::io_context ioc{1};
  std::vector<Result> results;  // completions, in order
  tcp::socket client{ioc};
  Socket server;

  explicit Pair(bool edge) : server(accepted(ioc, client), edge) {}
  void send(const std::string& bytes) { asio::write(client, asio::buffer(bytes)); }
  void start(char* buf, std::size_t size, int flags = 0) {
    server.receive_some(buf, size, flags, [this](boost::system::error_code ec, std::size_t n) {
      results.push_back({ec, n});
    });
  }
  void start_append(std::string& out, std::size_t max) {
    server.receive_append(out, max, [this](boost::system::error_code ec, std::size_t n) {
      results.push_back({ec, n});
    });
  }
  // Runs the io_context until `count` receives have completed or `limit` has passed.
  bool run_until(std::size_t count, std::chrono::milliseconds limit = 2s) {
    ioc.restart();
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (results.size() < count && std::chrono::steady_clock::now() < deadline) ioc.run_one_for(10ms);
    return results.size() >= count;
  }
};

}  // namespace

TEST_CASE("the socket takes the path it was asked for where the build has it", "[ws][edge_recv]") {
  bool edge = GENERATE(true, false);
  Pair p(edge);
  CHECK(p.server.edge() == (edge && swirl::ws::kEdgeRecvCompiled));
}

TEST_CASE("after a short read the next receive waits for new data, and gets it", "[ws][edge_recv]") {
  bool edge = GENERATE(from_range(receive_paths())) == 1;
  Pair p(edge);
  std::array<char, 4096> buf{};
  p.send(std::string(100, 'a'));
  p.start(buf.data(), buf.size());
  REQUIRE(p.run_until(1));
  CHECK_FALSE(p.results[0].ec);
  CHECK(p.results[0].n == 100);

  p.start(buf.data(), buf.size());
  CHECK_FALSE(p.run_until(2, 100ms));  // nothing there: it stays queued
  p.send(std::string(50, 'b'));
  REQUIRE(p.run_until(2));  // the reactor's event completes it
  CHECK_FALSE(p.results[1].ec);
  CHECK(p.results[1].n == 50);
  CHECK(std::string(buf.data(), 50) == std::string(50, 'b'));
}

TEST_CASE("data that arrives while no receive is queued is seen by the next one", "[ws][edge_recv]") {
  bool edge = GENERATE(from_range(receive_paths())) == 1;
  Pair p(edge);
  std::array<char, 4096> buf{};
  for (std::size_t round = 0; round < 50; ++round) {
    // The previous read was short (socket marked drained); these bytes arrive before the next
    // receive starts, so only the reactor's event can tell it about them.
    std::string chunk(10 + round, static_cast<char>('a' + round % 26));
    p.send(chunk);
    p.start(buf.data(), buf.size());
    REQUIRE(p.run_until(round + 1));
    REQUIRE_FALSE(p.results[round].ec);
    CHECK(p.results[round].n == chunk.size());
  }
  // And bytes sent just after a receive was queued.
  p.start(buf.data(), buf.size());
  p.send("late");
  REQUIRE(p.run_until(51));
  CHECK(p.results[50].n == 4);
}

TEST_CASE("a read that fills the buffer leaves the rest to the next receive", "[ws][edge_recv]") {
  bool edge = GENERATE(from_range(receive_paths())) == 1;
  Pair p(edge);
  std::array<char, 100> buf{};
  p.send(std::string(250, 'x'));
  std::size_t total = 0;
  for (std::size_t i = 0; i < 3; ++i) {
    p.start(buf.data(), buf.size());
    REQUIRE(p.run_until(i + 1));  // no new data arrives: the rest is read without an event
    REQUIRE_FALSE(p.results[i].ec);
    total += p.results[i].n;
  }
  CHECK(total == 250);
}

TEST_CASE("close and cancel end a queued receive, the peer's close is EOF", "[ws][edge_recv]") {
  std::array<char, 64> buf{};
  bool edge = GENERATE(from_range(receive_paths())) == 1;
  Pair p(edge);
  SECTION("close") {
    p.start(buf.data(), buf.size());
    p.server.close();
    REQUIRE(p.run_until(1));
    CHECK(p.results[0].ec == asio::error::operation_aborted);
  }
  SECTION("cancel, and the socket reads on afterwards") {
    p.start(buf.data(), buf.size());
    p.server.cancel();
    REQUIRE(p.run_until(1));
    CHECK(p.results[0].ec == asio::error::operation_aborted);
    p.send("again");
    p.start(buf.data(), buf.size());
    REQUIRE(p.run_until(2));
    CHECK(p.results[1].n == 5);
  }
  SECTION("the client closes") {
    p.start(buf.data(), buf.size());
    p.client.close();
    REQUIRE(p.run_until(1));
    CHECK(p.results[0].ec == asio::error::eof);
  }
  SECTION("a socket already closed") {
    p.server.close();
    p.start(buf.data(), buf.size());
    REQUIRE(p.run_until(1));
    CHECK(p.results[0].ec == asio::error::bad_descriptor);
  }
}

TEST_CASE("MSG_PEEK|MSG_TRUNC reports what is readable without consuming it", "[ws][edge_recv]") {
  bool edge = GENERATE(from_range(receive_paths())) == 1;
  Pair p(edge);
  static char sink[65536];
  p.send(std::string(300, 'p'));
  p.start(sink, sizeof sink, MSG_PEEK | MSG_TRUNC);
  REQUIRE(p.run_until(1));
  CHECK(p.results[0].n == 300);
  std::array<char, 512> buf{};
  CHECK(p.server.receive(asio::buffer(buf)) == 300);  // still there
}

TEST_CASE("receive_append reads what is there and appends it, on either path", "[ws][edge_recv]") {
  bool edge = GENERATE(from_range(receive_paths())) == 1;
  Pair p(edge);
  std::string in = "kept:";
  SECTION("a short read appends, and the next receive waits for new data") {
    p.send("hello");
    p.start_append(in, 4096);
    REQUIRE(p.run_until(1));
    CHECK_FALSE(p.results[0].ec);
    CHECK(p.results[0].n == 5);
    CHECK(in == "kept:hello");
    p.start_append(in, 4096);
    CHECK_FALSE(p.run_until(2, 100ms));  // nothing there: it stays queued, `in` untouched
    CHECK(in == "kept:hello");
    p.send("world");
    REQUIRE(p.run_until(2));
    CHECK(p.results[1].n == 5);
    CHECK(in == "kept:helloworld");
  }
  SECTION("data that arrives while no receive is queued is seen by the next one") {
    std::string expected = in;
    for (std::size_t round = 0; round < 20; ++round) {
      std::string chunk(5 + round, static_cast<char>('a' + round));
      expected += chunk;
      p.send(chunk);
      p.start_append(in, 4096);
      REQUIRE(p.run_until(round + 1));
      REQUIRE_FALSE(p.results[round].ec);
      CHECK(p.results[round].n == chunk.size());
    }
    CHECK(in == expected);
  }
  SECTION("a read that fills `max` leaves the rest to the next receive, without new data") {
    std::string sent;
    for (int i = 0; i < 250; ++i) sent += static_cast<char>('0' + i % 10);
    p.send(sent);
    in.clear();
    std::size_t total = 0;
    for (std::size_t i = 0; total < sent.size() && i < 5; ++i) {
      p.start_append(in, 100);
      REQUIRE(p.run_until(i + 1));
      REQUIRE_FALSE(p.results[i].ec);
      CHECK(p.results[i].n <= 100);
      total += p.results[i].n;
    }
    CHECK(total == 250);
    CHECK(in == sent);
  }
  SECTION("more than the scratch buffer holds is read in kAppendChunk pieces") {
    std::string big(swirl::ws::kAppendChunk + 1000, 'z');
    std::thread writer([&] { p.send(big); });
    in.clear();
    std::size_t i = 0;
    while (in.size() < big.size() && i < 100) {
      p.start_append(in, 1 << 20);  // asks for more than it may read at once
      REQUIRE(p.run_until(i + 1));
      REQUIRE_FALSE(p.results[i].ec);
      CHECK(p.results[i].n <= swirl::ws::kAppendChunk);
      ++i;
    }
    writer.join();
    CHECK(in == big);
  }
  SECTION("the peer's close is EOF and appends nothing") {
    p.start_append(in, 4096);
    p.client.close();
    REQUIRE(p.run_until(1));
    CHECK(p.results[0].ec == asio::error::eof);
    CHECK(in == "kept:");
  }
  SECTION("close ends a queued receive and appends nothing") {
    p.start_append(in, 4096);
    p.server.close();
    REQUIRE(p.run_until(1));
    CHECK(p.results[0].ec == asio::error::operation_aborted);
    CHECK(in == "kept:");
  }
}

TEST_CASE("io_contexts made and destroyed one after another on one thread each receive through their own reactor",
          "[ws][edge_recv]") {
  // Each round's io_context is new, at the address of the last one (the Pair lives on this
  // stack frame), while another io_context with a socket, made just before it, has most likely
  // taken the memory of the reactor the last round freed. A receive that reached a reactor
  // through anything but its own socket's io_context would use a destroyed reactor
  // (AddressSanitizer: heap-use-after-free) or the bystander's, and not complete.
  struct Bystander {
    asio::io_context ioc{1};
    tcp::socket socket{ioc};  // makes the io_context create its reactor
  };
  bool edge = GENERATE(from_range(receive_paths())) == 1;
  std::unique_ptr<Bystander> bystander;
  for (int round = 0; round < 200; ++round) {
    bystander = std::make_unique<Bystander>();  // made after the last round's Pair is gone
    Pair p(edge);
    std::array<char, 64> buf{};
    std::string text = "round " + std::to_string(round);
    p.send(text);
    p.start(buf.data(), buf.size());
    REQUIRE(p.run_until(1));
    REQUIRE_FALSE(p.results[0].ec);
    REQUIRE(std::string(buf.data(), p.results[0].n) == text);
    p.start(buf.data(), buf.size());  // queued: only the reactor's event can complete it
    p.send("next");
    REQUIRE(p.run_until(2));
    REQUIRE(std::string(buf.data(), p.results[1].n) == "next");
    bystander.reset();  // before the Pair, so the Pair's reactor is the memory freed last
  }
}
