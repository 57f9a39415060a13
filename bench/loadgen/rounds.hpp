#pragma once
// The connection-cost scenario's rounds (issue 12's comparison): each server is measured in
// several rounds, interleaved with the other server's in ABBA order, and its figure is the
// median over its rounds. Plain functions over the run's JSON, shared by the scenario
// (bench_connections.cpp), the report (report.cpp, report_docs.cpp) and their test.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "net.hpp"

namespace bench {

// The order of the measured rounds: for kinds {A, B} and n rounds each, A B B A A B … (round i of
// every kind, forwards when i is even and backwards when it is odd); for one kind, its n rounds.
std::vector<std::string> abba_order(const std::vector<std::string>& kinds, std::size_t rounds);

// The median: the middle value, or the mean of the middle two when the count is even; 0 when
// there is none.
double median(std::vector<double> values);

// A server's figures over its measured rounds (each an object of its "rounds" array): cpu, user
// and sys ms per cycle each the median over the rounds (computed separately, so user + sys need
// not add up to cpu); completed and failed pairs and elapsed_s summed; the cycle latency's
// percentiles each the median of the rounds' (count summed, max_ms the highest).
json summarize_rounds(const json& rounds);

// Adds a server's extra round under perf (bench_connections.cpp) to its summary: `sampled` as
// "sampled", and when that round has a user_fraction (of perf's samples), the median CPU split by
// it: sampled_user_ms_per_cycle and sampled_sys_ms_per_cycle.
void add_sampled_split(json& summary, const json& sampled);

// Swirl's figure `key` over PeerJS's, round i against round i (i < the smaller round count):
// the lowest and the highest of those ratios; nullopt when either side has no rounds.
std::optional<std::pair<double, double>> round_ratio_range(const json& swirl, const json& peerjs, const char* key);

}  // namespace bench
