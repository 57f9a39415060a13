#pragma once
// One member's WebSocket. Lives on its own strand (the socket's). Reads frames, applies the
// size and rate limits, parses client messages and hands them to its lobby; and owns the one
// bounded outgoing queue that merges everything sent to this member (lobby events, peers'
// signals, replies). The queue is bounded by messages and bytes: past either bound the client
// is closed with 1008 "client too slow" — nothing is dropped silently — except lobby_status
// snapshots, which coalesce (only the newest unsent one is kept).

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "swirl/app/config.hpp"
#include "swirl/lobby/mailbox.hpp"

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
  std::atomic<std::uint64_t> messages_in{0};
  std::atomic<std::uint64_t> messages_out{0};
};

class WsSession final : public lobby::Mailbox, public std::enable_shared_from_this<WsSession> {
 public:
  WsSession(boost::beast::tcp_stream stream, const Config& config, WsCounters& counters, std::string lobby_id,
            std::string user_id, std::string display_name);
  ~WsSession() override;

  // Completes the upgrade (answering with the swirl.v1 subprotocol), then joins the lobby
  // through the supervisor.
  void run(boost::beast::http::request<boost::beast::http::string_body> request,
           std::shared_ptr<lobby::ApplicationSupervisor> supervisor);

  void deliver(lobby::Frame frame, lobby::FrameKind kind) override;
  void close(std::uint16_t code, std::string reason) override;

 private:
  struct Outgoing {
    lobby::Frame frame;
    lobby::FrameKind kind;
  };
  enum class State { accepting, open, closing, closed };

  void on_accept(boost::beast::error_code ec, std::shared_ptr<lobby::ApplicationSupervisor> supervisor);
  void on_attached(std::shared_ptr<lobby::LobbyServer> lobby);
  void do_read();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void handle_text(std::string_view text);
  bool take_rate_token();
  void enqueue(lobby::Frame frame, lobby::FrameKind kind);
  void do_write();
  void on_write(boost::beast::error_code ec, std::size_t bytes);
  void start_close(std::uint16_t code, std::string reason);
  void do_close();
  void finish();

  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  const Config& config_;
  WsCounters& counters_;
  std::string lobby_id_;
  std::string user_id_;
  std::string display_name_;
  std::shared_ptr<lobby::LobbyServer> lobby_;
  boost::beast::flat_buffer read_buffer_;

  State state_ = State::accepting;
  bool reading_ = false;
  bool writing_ = false;
  bool finished_ = false;
  std::deque<Outgoing> queue_;
  std::size_t queued_bytes_ = 0;
  Outgoing* pending_status_ = nullptr;  // an unsent lobby_status in queue_, replaced in place
  std::optional<std::pair<std::uint16_t, std::string>> close_after_drain_;
  boost::asio::steady_timer close_deadline_;

  bool closing_sent_ = false;
  std::optional<std::string> pending_text_;  // a message that arrived before the lobby attached us

  // Token bucket for incoming messages; refusals are counted per window to spot abuse.
  double tokens_;
  std::chrono::steady_clock::time_point last_refill_;
  std::chrono::steady_clock::time_point rate_window_start_{};
  unsigned refused_in_window_ = 0;
  std::chrono::steady_clock::time_point last_rate_error_{};
};

}  // namespace swirl::ws
