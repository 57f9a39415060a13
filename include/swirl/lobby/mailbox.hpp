#pragma once
// What a lobby knows of a member's connection: somewhere to deliver frames and a way to close
// it. The WebSocket session implements it; the lobby never sees Beast types. Every method is
// safe to call from any thread (the session re-posts onto its own strand).

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include "swirl/ws/flush_batch.hpp"

namespace swirl::lobby {

using Frame = std::shared_ptr<const std::string>;

// A lobby's strand, shared by the sessions attached to it. Bound to the io_context's own
// executor type (24 bytes, against 72 for a strand over any_io_executor): every pending
// socket operation carries one.
using LobbyStrand = boost::asio::strand<boost::asio::io_context::executor_type>;

enum class FrameKind {
  normal,  // queued in order; never dropped (a full queue closes the connection instead)
  status,  // a lobby_status snapshot: replaces an older snapshot that has not been sent yet
};

class Mailbox {
 public:
  virtual ~Mailbox() = default;
  virtual void deliver(Frame frame, FrameKind kind = FrameKind::normal) = 0;
  // Sends what is already queued, then closes with the WebSocket close code and reason.
  virtual void close(std::uint16_t code, std::string reason) = 0;
  // Called by the lobby every quarter of the idle timeout: a connection checks its liveness
  // (pings a quiet peer, drops a silent one).
  virtual void heartbeat(std::chrono::steady_clock::time_point /*now*/) {}
};

// Deliveries made on the lobby's strand while one of these is open are written together when it
// closes: the member's transport (a WebSocket session) sends each connection's frames in one
// write. Only around deliveries from the lobby's strand (ws/flush_batch.hpp).
using DeliveryBatch = ws::FlushBatch;

inline Frame make_frame(std::string s) { return std::make_shared<const std::string>(std::move(s)); }

}  // namespace swirl::lobby
