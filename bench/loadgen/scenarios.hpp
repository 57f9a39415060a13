#pragma once
// The client side of each scenario, as bodies of forked worker processes (workers.hpp). Every
// wait has a deadline and every loop a count; results go back to the parent as JSON lines.

#include "workers.hpp"

namespace bench {

// Connects the specs of each step (cumulative), reports connect+join latency per step and
// holds every connection open until told to stop.
void idle_worker(asio::io_context& io, WorkerChannel& ch, const json& params);
// Matched pairs exchanging a WebRTC negotiation at fixed offered rates (open loop).
void relay_worker(asio::io_context& io, WorkerChannel& ch, const json& params);
// Everyone joins and gets ready at once; reports when the last match arrived.
void storm_worker(asio::io_context& io, WorkerChannel& ch, const json& params);
// connect → join → ready → match → leave → close, one pair per tick.
void churn_worker(asio::io_context& io, WorkerChannel& ch, const json& params);
// A big lobby whose readiness changes at a steady rate; counts lobby_status frames and bytes.
void fanout_worker(asio::io_context& io, WorkerChannel& ch, const json& params);

}  // namespace bench
