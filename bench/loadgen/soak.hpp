#pragma once
// The soak scenario's client side (issue 17, "Soak"): join / ready / match / signal / leave
// churn at a steady rate for a long time, so the parent can watch the server's memory and
// descriptors come back to their baseline.

#include "workers.hpp"

namespace bench {

// params: port; pairs ([{a: spec, b: spec}], reused round-robin: one pair per lobby whose
// settings allow repeats, so a pair may meet again); rate (pairs per second); signals (each side
// sends this many numbered signals once matched and waits for the peer's); seconds (how long
// the churn runs once told "go"); progress_s (a "progress" report every that many seconds, for
// the parent to sample the server). Ends with a "done" report: completed and failed cycles, and
// where failed ones stopped.
void soak_worker(asio::io_context& io, WorkerChannel& ch, const json& params);

}  // namespace bench
