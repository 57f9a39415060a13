#pragma once
// The load generator's network pieces: a WebSocket client connection (single writer, one read
// loop), a small keep-alive HTTP client for Swirl's REST setup, and monotonic clock helpers.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

namespace bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using json = nlohmann::json;

// CLOCK_MONOTONIC is shared by every process on the machine, so a timestamp taken in one
// worker can be compared in another.
inline std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Where one WebSocket goes: request target and (for Swirl) the subprotocol list with the token.
struct ConnSpec {
  std::string path;
  std::string protocol;
  std::string id;  // the user or peer id, when the scenario needs it
};
void to_json(json& j, const ConnSpec& s);
void from_json(const json& j, ConnSpec& s);

class WsClient : public std::enable_shared_from_this<WsClient> {
 public:
  using OnMessage = std::function<void(WsClient&, std::string_view)>;
  using OnClosed = std::function<void(WsClient&)>;

  explicit WsClient(asio::io_context& io) : ws_(io) {}

  // Connects to 127.0.0.1:port and upgrades. Messages then go to on_message until the socket
  // closes (on_closed).
  asio::awaitable<beast::error_code> open(std::uint16_t port, const ConnSpec& spec);
  void start_reading(OnMessage on_message, OnClosed on_closed = {});
  void send(std::string text);
  void send_shared(std::shared_ptr<const std::string> text);
  // A clean close handshake after whatever is queued.
  void close();
  bool is_open() const { return open_ && !closed_; }
  // The code of the close frame the server sent (0: none, or the socket just ended).
  int close_code() const { return static_cast<int>(ws_.reason().code); }

  std::size_t index = 0;  // the scenario's slot for this connection
  std::string peer;       // the peer this connection signals to (relay)
  bool offerer = false;

 private:
  asio::awaitable<void> read_loop();
  void do_write();

  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  OnMessage on_message_;
  OnClosed on_closed_;
  std::deque<std::shared_ptr<const std::string>> queue_;
  bool writing_ = false;
  bool close_requested_ = false;
  bool close_sent_ = false;
  bool open_ = false;
  bool closed_ = false;
};

// Minimal HTTP/1.1 client over one keep-alive connection.
class HttpClient {
 public:
  explicit HttpClient(asio::any_io_executor ex) : stream_(ex) {}
  asio::awaitable<void> connect(std::uint16_t port);
  // Returns status and parsed JSON body (null when not JSON).
  asio::awaitable<std::pair<int, json>> request(beast::http::verb verb, std::string target, std::string body,
                                                std::string token);

 private:
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
};

// Runs `jobs` HTTP requests over `connections` keep-alive connections; results in order.
struct HttpJob {
  beast::http::verb verb;
  std::string target;
  std::string body;
  std::string token;
};
std::vector<std::pair<int, json>> run_http_jobs(std::uint16_t port, const std::vector<HttpJob>& jobs,
                                                std::size_t connections);

// Latency summary in milliseconds over nanosecond samples (sorted in place).
json percentiles_ms(std::vector<std::int64_t>& samples_ns);

// Parses the integer after `key` (e.g. "\"bench_t\":") in a message; -1 when absent.
std::int64_t find_int(std::string_view text, std::string_view key);

// The value of `name` in a request target's query ("/peerjs?id=a&peer=b"); "" when absent.
// For the reference relays, which take their ids from the URL.
std::string query_param(std::string_view target, std::string_view name);

}  // namespace bench
