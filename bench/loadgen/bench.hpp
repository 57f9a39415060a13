#pragma once
// The `run` command: the scenario driver. It starts each server as a child process, drives it
// from forked worker processes (workers.hpp) and measures it from outside through /proc/PID.
// Each group of scenarios has its own file: bench_connections.cpp (idle hold, join storm, churn
// and connection cost), bench_traffic.cpp (relay, lobby fan-out), bench_hardening.cpp (flood
// isolation, soak) and bench.cpp (servers, users, lobbies, the matcher and the run itself).

#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "proc_stats.hpp"
#include "servers.hpp"
#include "workers.hpp"

namespace bench {

struct Options {
  std::string swirl_server, peerjs_dir, matcher, out = "bench/results/latest.json", work_dir = "/tmp/swirl-bench";
  std::string docs_dir;  // when set: benchmarks.md and benchmarks-latency.png are written there
  std::string notes;     // a hand-written section appended to benchmarks.md
  bool smoke = false;
  int io_threads = 0;  // --io-threads N passes N to Swirl; 0 leaves the server's default (docs: "default flags")
  // flood and soak (issue 17) are not in the default set: only when --scenarios names them.
  std::set<std::string> scenarios{"idle", "relay", "storm", "churn", "conncost", "matcher", "fanout"};
  std::set<std::string> servers{"swirl", "peerjs", "bare", "uring"};  // --servers: for experiments (docs need all)
  std::vector<double> relay_rates;                                    // --relay-rates: overrides the defaults
  double relay_seconds = 0;                                           // --relay-seconds: overrides the default
  double soak_seconds = 0;                                            // --soak-seconds: overrides the default
  std::size_t conncost_rounds = 0;  // --conncost-rounds: measured rounds per server (0: the default)
};

struct User {
  std::string id, token;
};

// One round of churn cycles against a server: the worker's report, and the server sampled just
// before the worker's go and just after its report.
struct ChurnRound {
  json report;
  ProcSample before, after;
  // The server's CPU over the round per user cycle (two per completed pair), in ms:
  // cpu_ms_per_cycle, user_ms_per_cycle and sys_ms_per_cycle.
  json cpu_per_cycle() const;
};

struct Running;

// Sizes of everything; --smoke shrinks them to a few seconds in total.
struct Sizes {
  std::vector<std::size_t> idle_steps{1000, 5000, 15000};
  std::size_t idle_lobby = 100;
  std::size_t relay_pairs = 500;
  std::vector<double> relay_rates{2000, 5000, 10000, 20000};
  double relay_seconds = 5;
  std::size_t storm_users = 10000, storm_lobbies = 100;
  // The warm-up fills the bounded caches (SQLite's page caches, 512 KiB per pool connection, take
  // in the pages that the history writes add; the token cache): after 500 warm-up pairs the
  // measured round still grew RSS by -40..+1040 KiB, after 2000 by -152..-60 KiB.
  std::size_t churn_pairs = 1000, churn_warmup_pairs = 2000, churn_slots = 200;
  double churn_rate = 100;  // pairs per second
  // Connection cost: connect → join → close at 300 user cycles per second (150 pairs/s; issue 12),
  // conn_rounds measured rounds of conn_pairs per server, interleaved with the other server's,
  // then one more round each under perf for the user/kernel split.
  std::size_t conn_pairs = 3000, conn_warmup_pairs = 600, conn_rounds = 5;
  double conn_rate = 150;
  std::size_t fanout_members = 5000;
  std::vector<double> fanout_rates{10, 100, 1000};
  double fanout_seconds = 4;
  // Flood isolation: probe pairs in one lobby at probe_rate messages/s in all (each sender below
  // the default limit of 50/s), flood_seconds without and then with the flood.
  std::size_t flood_probe_pairs = 10;
  double flood_probe_rate = 400;
  double flood_seconds = 10;
  // Soak: join / ready / match / signal / leave churn, soak_rate pairs per second for
  // soak_seconds over soak_slots lobbies (one pair each, repeats allowed), the server sampled
  // every soak_sample_s.
  double soak_seconds = 600, soak_rate = 20, soak_sample_s = 60;
  std::size_t soak_slots = 100;
  int soak_signals = 8;
  std::size_t users() const;
  static Sizes smoke();
};

class Bench {
 public:
  explicit Bench(Options o);
  int run();

 private:
  // flags: more server flags, after the bench's own (a later flag wins).
  ServerProcess start(const std::string& kind, const std::vector<std::string>& flags = {});
  void ensure_users(std::uint16_t port);
  // Creates n more users (POST /api/users) and returns the index in users_ of the first of them.
  std::size_t add_users(std::uint16_t port, std::size_t n);
  std::vector<std::string> create_lobbies(std::uint16_t port, std::size_t n, const json& settings);
  ConnSpec swirl_spec(const std::string& lobby, const User& u) const {
    return {"/api/lobbies/" + lobby + "/ws", "swirl.v1, swirl.token." + u.token, u.id};
  }
  static ConnSpec peer_spec(const std::string& kind, const std::string& id, const std::string& peer = "") {
    if (kind == "bare" || kind == "uring") return {"/peerjs?id=" + id + "&peer=" + peer, "", id};
    return {"/peerjs?key=peerjs&id=" + id + "&token=t" + id, "", id};
  }

  json idle(const std::string& kind);
  json relay(const std::string& kind);
  json storm();
  json churn(const std::string& kind);
  // Connection cost (connect → join → close) of every server in kinds, measured in interleaved
  // rounds: {kind: result}.
  json conncost(const std::vector<std::string>& kinds);
  // The pairs of one churn round: each Swirl pair takes the next two users from next_user (so
  // every round has fresh ones) into the lobby slots in turn; PeerJS pairs get ids tag0, tag1, …
  json churn_cycles(const std::string& kind, const std::vector<std::string>& slots, std::size_t pairs,
                    const std::string& tag, std::size_t& next_user) const;
  // join_only: connect → join → close (no ready, no match). One worker, stopped at the end.
  ChurnRound churn_round(Running& r, const json& cycles, double rate, bool join_only);
  json fanout();
  json flood();
  json soak();
  json matcher();

  Options opt_;
  Sizes size_;
  std::vector<User> users_;
};

// Guards a server or a set of workers so they stop on every path out of a scenario.
struct Running {
  ServerProcess server;
  std::vector<Worker> workers;
  ~Running() {
    stop_workers(workers);
    stop_process(server);
  }
};

void settle(std::chrono::milliseconds d);
// The machine's load averages (1, 5, 15 minutes), as /proc/loadavg has them.
std::string read_loadavg();
json sample_json(const ProcSample& s);

}  // namespace bench
