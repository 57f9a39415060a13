#pragma once
// One WebSocket connection, on our own RFC 6455 framing (ws/frame.hpp) over a plain TCP socket:
// the transport only. It hands whole text messages to a MessageHandler
// (ws/message_handler.hpp) and sends what it is given; what the messages mean is the handler's.
//
// Threading: until it is attached, a session runs on a strand of its own; attach() moves it to
// its handler's strand (the lobby's), so a message read here reaches the lobby, and a lobby's
// frame reaches a session, by a plain call instead of two posts between strands.
//
// Reading holds no buffer while idle: the pending receive (RecvSocket::receive_append) reads
// what arrives into a per-thread buffer and appends it to the session's partial-frame string,
// which is freed again once the frames in it are handled; only an unfinished frame stays. Once a
// connection keeps talking (a fourth read), it reads into a 16 KiB buffer of its own (the
// reactor's read then fills it without a copy), and gives it back after 2 s of quiet (at the next
// heartbeat).
//
// Writing: the one bounded outgoing queue merges everything sent on the connection (for a lobby
// member: lobby events, peers' signals, replies; and control frames). Frames queued while a read is being processed are
// sent together, in one sendmsg, when that read is done; otherwise at once. Past the bound
// (messages or bytes) the client is closed with 1008 "client too slow" — nothing is dropped
// silently — except replaceable messages (SendKind::replaceable: the lobby's lobby_status
// snapshots), which coalesce (only the newest unsent one is kept).
//
// Liveness: the owner calls heartbeat() periodically (the lobby, every quarter of the idle timeout); a session silent
// for half the idle timeout is pinged, one silent for the whole idle timeout is dropped.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "swirl/core/config.hpp"
#include "swirl/ws/edge_recv.hpp"
#include "swirl/ws/flush_batch.hpp"
#include "swirl/ws/frame.hpp"
#include "swirl/ws/message_handler.hpp"

namespace swirl::ws {

// Process-wide WebSocket counters, ready to become metrics.
struct WsCounters {
  std::atomic<std::uint64_t> open{0};
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> closed_too_slow{0};
  std::atomic<std::uint64_t> closed_rate_limit{0};
  std::atomic<std::uint64_t> closed_protocol_error{0};
  std::atomic<std::uint64_t> closed_idle{0};
  std::atomic<std::uint64_t> messages_in{0};
  std::atomic<std::uint64_t> messages_out{0};
  std::atomic<std::uint64_t> write_calls{0};            // sendmsg calls; messages_out / write_calls = frames per write
  std::atomic<std::uint64_t> read_buffers{0};           // connections holding a read buffer now (talking)
  std::atomic<std::uint64_t> read_buffers_released{0};  // buffers given back after a quiet spell
  std::atomic<std::uint64_t> last_connection_id{0};     // numbers connections for the logs (conn=N)
};

class WsSession final : public std::enable_shared_from_this<WsSession> {
 public:
  // `socket` has read the client's opening handshake. `response` is the server's handshake
  // response (the 101), if it has not been written yet: it goes out first, in the same write as
  // the first frames (a joining member's welcome), within config.ws_hello_timeout. `pending`
  // holds bytes the client sent after its handshake request, if any. Log lines name the
  // connection conn=N, plus its handler's log_fields() once attached.
  // A socket on the io_context's own executor type (40 bytes, against 88 over any_io_executor).
  using Socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, boost::asio::io_context::executor_type>;

  WsSession(Socket socket, const core::Config& config, WsCounters& counters, std::string pending = {},
            std::string response = {});
  ~WsSession();

  // Hands the connection to `handler` and moves it onto `strand`; called on that strand. Reading
  // starts here. False when the connection closed before (the handler is not kept and hears
  // nothing).
  bool attach(Strand strand, std::shared_ptr<MessageHandler> handler);
  // Keeps `held` and `also` (e.g. the connection's place in the abuse limits) until the session
  // is gone.
  void hold_until_closed(std::shared_ptr<void> held, std::shared_ptr<void> also = {}) {
    held_[0] = std::move(held);
    held_[1] = std::move(also);
  }

  // Safe from any thread (re-posted onto the session's strand).
  void send(Payload message, SendKind kind = SendKind::queued);
  // Sends what is already queued, then closes with the WebSocket close code and reason.
  void close(std::uint16_t code, std::string reason);
  // Liveness, called periodically (the lobby's heartbeat): pings a quiet peer, drops a silent one.
  void heartbeat(std::chrono::steady_clock::time_point now);

 private:
  struct Outgoing {
    Payload frame;
    std::uint8_t header[10];
    std::uint8_t header_length;  // 0: not a frame but the handshake response, sent as it is
    bool status;                 // SendKind::replaceable (a lobby_status snapshot): replaced while unsent
    bool control;                // ping/pong/close: not counted as a message
  };
  enum class State { attaching, open, closing, closed };

  void do_read();
  void on_read(boost::system::error_code ec, std::size_t bytes);
  bool take_input(char* data, std::size_t size);
  bool take_appended();
  // Consumes complete frames from `data` (unmasking in place); returns the bytes used, or
  // npos when the connection is being failed.
  std::size_t consume_frames(char* data, std::size_t size);
  bool on_frame(const FrameHeader& h, char* payload);
  void on_message(bool text, std::string_view payload);
  bool check_utf8_fragment(bool last);
  bool take_rate_token();
  bool admit_by_rate();

  void enqueue(Payload frame, SendKind kind);
  void enqueue_control(Opcode op, std::string_view payload);
  void push(Payload frame, Opcode op, bool status, bool control);
  void schedule_flush();
  void flush();
  void on_writable(boost::system::error_code ec);
  // Messages waiting (the handshake response, while unsent, is not one).
  std::size_t queue_size() const { return queue_.size() - head_ - (response_unsent_ ? 1 : 0); }
  void drop_unsent();
  void on_response_sent();

  void start_close(std::uint16_t code, std::string_view reason);
  void fail(std::uint16_t code, std::string_view reason);
  void queue_close(std::optional<std::uint16_t> code, std::string_view reason);
  void on_close_sent();
  void arm_close_deadline();
  void arm_hello_deadline();
  void finish();
  // "conn=N" and the handler's log_fields(), for an info line (empty when info is off).
  std::string log_name() const;

  RecvSocket<boost::asio::io_context::executor_type> socket_;  // receives per config.ws_edge_recv
  Strand strand_;
  const core::Config& config_;
  WsCounters& counters_;
  const std::uint64_t conn_id_;              // conn=N in log lines
  std::shared_ptr<MessageHandler> handler_;  // from attach() until the connection is gone

  State state_ = State::attaching;
  bool reading_ = false;
  bool wait_writable_ = false;   // a wait for POLLOUT is pending: the socket buffer was full
  bool in_batch_ = false;        // registered to be flushed when the current read is processed
  bool close_queued_ = false;    // our close frame is in the queue (nothing is queued after it)
  bool close_sent_ = false;      // our close frame went out
  bool close_received_ = false;  // the client's close frame came in
  bool failing_ = false;         // a protocol error: discard input until EOF, then drop
  bool ping_outstanding_ = false;
  bool demoting_ = false;         // the pending read is being cancelled to give rx_buffer_ back
  bool response_unsent_ = false;  // the handshake response is (partly) in the queue still
  bool input_drained_ = false;    // the latest read found the socket empty (on_read)
  bool in_read_ = false;          // on_read is handling input: do_read waits for it to finish

  // A connection that is talking reads into a buffer of its own (no copy per message); an idle
  // one has none: what arrives is appended to partial_ as it is read.
  std::unique_ptr<char[]> rx_buffer_;
  unsigned reads_while_idle_ = 0;  // reads since the buffer went back (or since the start)

  // Input that did not make a whole frame yet, and a fragmented message being assembled.
  std::string partial_;
  std::string message_;
  bool message_text_ = false;
  bool in_message_ = false;
  std::size_t utf8_checked_ = 0;  // bytes of a fragmented text message_ known to be whole characters

  std::vector<Outgoing> queue_;  // [head_, end) unsent; the front one may be partly written
  std::size_t head_ = 0;
  std::size_t front_written_ = 0;  // bytes of queue_[head_] (header + payload) already sent
  std::size_t queued_bytes_ = 0;
  std::size_t pending_status_ = SIZE_MAX;  // index of the unsent replaceable message

  std::unique_ptr<boost::asio::steady_timer> close_deadline_;
  std::unique_ptr<boost::asio::steady_timer> hello_deadline_;  // while the client leaves part of the 101 unread
  std::chrono::steady_clock::time_point last_received_;

  // Token bucket for incoming messages; refusals are counted per window to spot abuse.
  double tokens_;
  std::chrono::steady_clock::time_point last_refill_;
  std::chrono::steady_clock::time_point rate_window_start_{};
  unsigned refused_in_window_ = 0;
  std::chrono::steady_clock::time_point last_rate_error_{};
  std::shared_ptr<void> held_[2];  // hold_until_closed()

  friend class FlushBatch;
};

}  // namespace swirl::ws
