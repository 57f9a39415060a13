#pragma once
// A WebSocket client for black-box tests: one connection to the server under test, driven by
// a private io_context thread that records every message received. Tests wait on predicates
// over what was recorded (with a deadline), never on arrival order or on sleeps.

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace swirl::test {

// Thrown when the server refuses the upgrade: the HTTP status and body it answered.
struct HandshakeRefused : std::runtime_error {
  HandshakeRefused(int http_status, std::string response_body);
  int status;
  std::string body;
  std::string retry_after;  // the Retry-After header, if any
  // body.error.code of the server's JSON error; empty if the body is not such a JSON object.
  std::string error_code() const;
};

struct WsOptions {
  // Sent as the subprotocol "swirl.token.<token>" next to "swirl.v1", as browsers do.
  std::optional<std::string> token;
  // Instead: "Authorization: Bearer <token>" (and only the subprotocol swirl.v1).
  bool token_in_authorization_header = false;
  // Extra handshake request headers (e.g. Origin, as a browser sends it).
  std::map<std::string, std::string> headers{};
  // Bounds the connect + upgrade, each send, and the close handshake.
  std::chrono::milliseconds timeout{10'000};
};

// One WebSocket connection with a background reader that records every message received.
//
// All socket work happens on the client's own io_context thread (one async read and one
// async write in flight at most, control frames handled by Beast), so send() from any test
// thread never races the reader.
class WsClient {
 public:
  // Connects to 127.0.0.1:port and upgrades at `target` (e.g. /api/lobbies/ID/ws). Throws
  // HandshakeRefused if the server answers the upgrade with an HTTP error, std::runtime_error
  // on any other failure (including the options' timeout).
  WsClient(unsigned short port, const std::string& target, WsOptions options = {});
  // Closes (cleanly if the server answers within a short bound, abruptly otherwise) and joins
  // the io thread; never throws, never hangs.
  ~WsClient();

  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  // Sends one text frame and waits until it has been handed to the kernel. Like a browser's
  // WebSocket.send, a send on a connection that has ended (or ends during the write) is
  // dropped silently: check closed(). Throws on a write timeout or an unexpected error.
  void send(const nlohmann::json& message);
  void send_text(const std::string& raw);  // may be invalid JSON on purpose
  void send_binary(const std::string& raw);

  // Every message received so far, in arrival order, parsed. A text frame that is not JSON is
  // stored as {"type":"<unparseable>","raw":...}; a binary frame as {"type":"<binary>","bytes":n}.
  std::vector<nlohmann::json> messages() const;
  std::vector<nlohmann::json> messages_of_type(const std::string& type) const;
  std::size_t count(const std::string& type) const;

  // Waits until some received message (past or future) satisfies pred and returns the first
  // such message. Throws std::runtime_error, listing what was received, on timeout or when
  // the connection has ended without a match (no more messages can come).
  nlohmann::json wait_for(const std::function<bool(const nlohmann::json&)>& pred,
                          std::chrono::milliseconds timeout = std::chrono::seconds(10));
  nlohmann::json wait_for_type(const std::string& type, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // The n-th (1-based) message of a type, e.g. "a second match".
  nlohmann::json wait_for_nth(const std::string& type, std::size_t n,
                              std::chrono::milliseconds timeout = std::chrono::seconds(10));

  // True once the connection has ended (close frame received, socket dropped, or closed by us).
  bool wait_closed(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  bool closed() const;
  int close_code() const;  // the close code the server sent (0 if the socket just dropped)
  std::string close_reason() const;
  std::string selected_subprotocol() const;  // Sec-WebSocket-Protocol of the handshake response

  // Stops reading from the socket (plays a client that cannot keep up): nothing more is read,
  // so the server's socket buffer fills. Messages and a close sent meanwhile are seen only
  // after resume_reading().
  void pause_reading();
  void resume_reading();

  // Clean close handshake: sends a close frame with `code` and waits (bounded by the options'
  // timeout) for the server's; drops the socket if it does not come.
  void close(int code = 1000);
  // Abrupt: shuts the TCP socket down without a close frame (a lost network). close_code()
  // stays 0 unless a close frame had already been received.
  void drop();

  // A readable dump of what was received (for failure messages).
  std::string describe() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace swirl::test
