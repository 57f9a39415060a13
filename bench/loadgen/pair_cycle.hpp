#pragma once
// One pair's life through a server, shared by the churn, connection-cost and soak scenarios:
// both sides connect and join; then (Swirl) they get ready, are matched, optionally exchange
// numbered signals, and one leaves the match; then both close.

#include <cstdint>
#include <string>

#include "client_util.hpp"

namespace bench {

struct PairCycle {
  std::string target = "swirl";  // swirl, or peerjs (connect, OPEN, close)
  bool match = true;             // Swirl: ready → match → leave_match; false: connect, join, close
  int signals = 0;               // once matched, each side sends this many signals and waits for the peer's
  std::chrono::seconds deadline{10};
};

// Runs one cycle of pair ({a: spec, b: spec}) against 127.0.0.1:port. Returns "" when it
// completed, else the stage where it stopped: connect, join, match, signal, match_ended, close.
asio::awaitable<std::string> run_pair_cycle(asio::io_context& io, std::uint16_t port, const json& pair,
                                            const PairCycle& how);

}  // namespace bench
