#pragma once
// One member's WebSocket, on our own RFC 6455 framing (ws/frame.hpp) over a plain TCP socket.
//
// Threading: until its lobby attaches it, a session runs on a strand of its own; from then on
// it runs on the lobby's strand, so a message read here is handed to the lobby, and a lobby's
// frame reaches a session, by a plain call instead of two posts between strands.
//
// Reading holds no buffer while idle: a pending "peek" (MSG_PEEK|MSG_TRUNC, which copies
// nothing) waits for data, then one recv drains the socket into a per-thread buffer; only an
// unfinished frame is copied into the session. Once a connection keeps talking (a fourth read),
// it reads into a 16 KiB buffer of its own (the reactor's read then carries the data: one system call less per
// message), and gives it back after 2 s of quiet (at the next heartbeat).
//
// Writing: the one bounded outgoing queue merges everything sent to this member (lobby events,
// peers' signals, replies, control frames). Frames queued while a read is being processed are
// sent together, in one sendmsg, when that read is done; otherwise at once. Past the bound
// (messages or bytes) the client is closed with 1008 "client too slow" — nothing is dropped
// silently — except lobby_status snapshots, which coalesce (only the newest unsent one is
// kept).
//
// Liveness: the lobby calls heartbeat() periodically; a session silent for half the idle
// timeout is pinged, one silent for the whole idle timeout is dropped.

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
#include "swirl/lobby/mailbox.hpp"
#include "swirl/lobby/matchmaking.hpp"
#include "swirl/ws/edge_recv.hpp"
#include "swirl/ws/frame.hpp"

namespace swirl::lobby {
class LobbyServer;
class ApplicationSupervisor;
}  // namespace swirl::lobby

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

class WsSession final : public lobby::Mailbox, public std::enable_shared_from_this<WsSession> {
 public:
  // `socket` has completed the opening handshake (the 101 was written). `pending` holds bytes
  // the client sent after its handshake request, if any.
  // A socket on the io_context's own executor type (40 bytes, against 88 over any_io_executor).
  using Socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, boost::asio::io_context::executor_type>;

  WsSession(Socket socket, const core::Config& config, WsCounters& counters, std::string user_id,
            std::string pending = {});
  ~WsSession() override;

  // Joins the lobby through the supervisor; reading starts once the lobby has attached us.
  void run(std::shared_ptr<lobby::ApplicationSupervisor> supervisor, std::string lobby_id, std::string display_name);
  // Keeps `held` (e.g. the connection's place in the abuse limits) until the session is gone.
  void hold_until_closed(std::shared_ptr<void> held) { held_ = std::move(held); }

  void deliver(lobby::Frame frame, lobby::FrameKind kind) override;
  void close(std::uint16_t code, std::string reason) override;
  void heartbeat(std::chrono::steady_clock::time_point now) override;

 private:
  using Strand = lobby::LobbyStrand;
  struct Outgoing {
    lobby::Frame frame;
    std::uint8_t header[10];
    std::uint8_t header_length;
    bool status;   // a lobby_status snapshot (replaceable while unsent)
    bool control;  // ping/pong/close: not counted as a message
  };
  enum class State { attaching, open, closing, closed };

  void on_attached(std::shared_ptr<lobby::LobbyServer> lobby, lobby::MemberId mid);
  void do_read();
  void on_read(boost::system::error_code ec, std::size_t bytes);
  bool take_input(char* data, std::size_t size);
  // Consumes complete frames from `data` (unmasking in place); returns the bytes used, or
  // npos when the connection is being failed.
  std::size_t consume_frames(char* data, std::size_t size);
  bool on_frame(const FrameHeader& h, char* payload);
  void on_message(bool text, std::string_view payload);
  void handle_text(std::string_view text);
  bool check_utf8_fragment(bool last);
  bool take_rate_token();
  bool admit_by_rate();

  void enqueue(lobby::Frame frame, lobby::FrameKind kind);
  void enqueue_control(Opcode op, std::string_view payload);
  void push(lobby::Frame frame, Opcode op, bool status, bool control);
  void schedule_flush();
  void flush();
  void on_writable(boost::system::error_code ec);
  std::size_t queue_size() const { return queue_.size() - head_; }
  void drop_unsent();

  void start_close(std::uint16_t code, std::string_view reason);
  void fail(std::uint16_t code, std::string_view reason);
  void queue_close(std::optional<std::uint16_t> code, std::string_view reason);
  void on_close_sent();
  void arm_close_deadline();
  void finish();
  std::string_view lobby_name() const;  // for log lines

  RecvSocket<boost::asio::io_context::executor_type> socket_;  // receives per config.ws_edge_recv
  Strand strand_;
  const core::Config& config_;
  WsCounters& counters_;
  std::string user_id_;
  const std::uint64_t conn_id_;  // conn=N in log lines
  std::shared_ptr<lobby::LobbyServer> lobby_;
  lobby::MemberId mid_ = 0;  // our member id in lobby_

  State state_ = State::attaching;
  bool reading_ = false;
  bool wait_writable_ = false;   // a wait for POLLOUT is pending: the socket buffer was full
  bool in_batch_ = false;        // registered to be flushed when the current read is processed
  bool close_queued_ = false;    // our close frame is in the queue (nothing is queued after it)
  bool close_sent_ = false;      // our close frame went out
  bool close_received_ = false;  // the client's close frame came in
  bool failing_ = false;         // a protocol error: discard input until EOF, then drop
  bool ping_outstanding_ = false;
  bool demoting_ = false;  // the pending read is being cancelled to give rx_buffer_ back

  // A connection that is talking reads into a buffer of its own (one system call less per
  // message); an idle one has none and waits with a peek that copies nothing.
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
  std::size_t pending_status_ = SIZE_MAX;  // index of an unsent lobby_status snapshot

  std::unique_ptr<boost::asio::steady_timer> close_deadline_;
  std::chrono::steady_clock::time_point last_received_;

  // Token bucket for incoming messages; refusals are counted per window to spot abuse.
  double tokens_;
  std::chrono::steady_clock::time_point last_refill_;
  std::chrono::steady_clock::time_point rate_window_start_{};
  unsigned refused_in_window_ = 0;
  std::chrono::steady_clock::time_point last_rate_error_{};
  std::shared_ptr<void> held_;  // hold_until_closed()

  friend class FlushBatch;
};

}  // namespace swirl::ws
