#pragma once
// The flood-isolation scenario's client side (issue 17: "a flood from one connection never slows
// other lobbies"): probe pairs in one lobby measure their relay latency while, in another lobby,
// one connection sends the largest signals at the most its rate limit lets through, and a third
// lobby's connection goes past the limit until it is closed.

#include "workers.hpp"

namespace bench {

// params: port; probe (specs of the probe lobby, matched in pairs), flooder and flooder_peer,
// over and over_peer (specs); rate and burst (the server's --ws-rate / --ws-burst); probe_rate
// (messages per second, all probe senders together); seconds (of each measured phase);
// flood_bytes (the size of each flood message). Reports "ready", then one report per phase
// ("quiet": probes alone, "flood": probes with the flood), each with the probes' latency.
void flood_worker(asio::io_context& io, WorkerChannel& ch, const json& params);

}  // namespace bench
