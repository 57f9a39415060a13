// swirl_loadgen: Swirl's benchmark suite, side by side with the PeerJS server.
//
//   swirl_loadgen run --swirl-server BIN --peerjs-dir DIR --matcher BIN --out FILE.json [--smoke]
//                     [--io-threads N] [--scenarios idle,relay,storm,churn,conncost,matcher,fanout]
//                     [--soak-seconds S]    (flood and soak run only when --scenarios names them)
//   swirl_loadgen serve-bare --port N        (the bare relay, started by `run` itself)
//   swirl_loadgen serve-uring --port N       (the same relay on io_uring, likewise)
//
// `run` starts each server as a child process, drives it from forked worker processes
// (a process may hold at most 20,000 open files here), measures the server from outside
// through /proc/PID, and writes every figure to the JSON file. report.cpp turns that file into
// the table and docs/benchmarks.md.

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

#include "bare_relay.hpp"
#include "flood.hpp"
#include "proc_stats.hpp"
#include "report.hpp"
#include "scenarios.hpp"
#include "servers.hpp"
#include "soak.hpp"
#include "uring_relay.hpp"

using namespace bench;
using namespace std::chrono_literals;

namespace {

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
};

struct User {
  std::string id, token;
};

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
  // Connection cost: connect → join → close at 300 user cycles per second (150 pairs/s; issue 12).
  std::size_t conn_pairs = 3000, conn_warmup_pairs = 600;
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
  std::size_t users() const {
    return std::max(
        {idle_steps.back(), storm_users, 2 * relay_pairs, 2 * (churn_pairs + churn_warmup_pairs), fanout_members});
  }
  static Sizes smoke() {
    Sizes s;
    s.idle_steps = {50, 150};
    s.idle_lobby = 50;
    s.relay_pairs = 10;
    s.relay_rates = {400};
    s.relay_seconds = 1;
    s.storm_users = 100;
    s.storm_lobbies = 2;
    s.churn_pairs = 20;
    s.churn_warmup_pairs = 4;
    s.churn_slots = 8;
    s.churn_rate = 40;
    s.conn_pairs = 20;
    s.conn_warmup_pairs = 4;
    s.conn_rate = 40;
    s.fanout_members = 100;
    s.fanout_rates = {20};
    s.fanout_seconds = 1;
    s.flood_probe_pairs = 2;
    s.flood_probe_rate = 60;
    s.flood_seconds = 1.5;
    s.soak_seconds = 4;
    s.soak_rate = 10;
    s.soak_sample_s = 1;
    s.soak_slots = 4;
    return s;
  }
};

class Bench {
 public:
  explicit Bench(Options o) : opt_(std::move(o)), size_(opt_.smoke ? Sizes::smoke() : Sizes{}) {
    if (!opt_.relay_rates.empty()) size_.relay_rates = opt_.relay_rates;
    if (opt_.relay_seconds > 0) size_.relay_seconds = opt_.relay_seconds;
    if (opt_.soak_seconds > 0) size_.soak_seconds = opt_.soak_seconds;
  }
  int run();

 private:
  // flags: more server flags, after the bench's own (a later flag wins).
  ServerProcess start(const std::string& kind, const std::vector<std::string>& flags = {});
  void ensure_users(std::uint16_t port);
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
  // join_only: the connection-cost variant (connect → join → close, no match).
  json churn(const std::string& kind, bool join_only = false);
  json fanout();
  json flood();
  json soak();
  json matcher();

  Options opt_;
  Sizes size_;
  std::vector<User> users_;
};

void settle(std::chrono::milliseconds d) { std::this_thread::sleep_for(d); }

// The machine's load averages (1, 5, 15 minutes), as /proc/loadavg has them.
std::string read_loadavg() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

ServerProcess Bench::start(const std::string& kind, const std::vector<std::string>& flags) {
  auto port = free_port();
  std::string log = opt_.work_dir + "/" + kind + ".log";
  std::vector<std::string> argv;
  if (kind == "swirl") {
    argv = {opt_.swirl_server, "--listen=127.0.0.1", "--port=" + std::to_string(port),
            "--database=sqlite:" + opt_.work_dir + "/swirl.db", "--log-level=warn", "--ws-rate=100000",
            "--ws-burst=100000", "--resume-grace-ms=1000", "--web-root=" + opt_.work_dir + "/no-web",
            "--db-max-pending=100000",
            // Every simulated client comes from 127.0.0.1: the per-address abuse limits are off.
            "--rate-http=0", "--rate-users-per-minute=0", "--rate-lobbies-per-minute=0", "--ws-max-per-address=0",
            "--ws-max-connections=0"};
    if (opt_.io_threads > 0) argv.push_back("--io-threads=" + std::to_string(opt_.io_threads));
    // Extra server flags for experiments (e.g. SWIRL_BENCH_SWIRL_ARGS="--db-threads=1").
    if (const char* extra = std::getenv("SWIRL_BENCH_SWIRL_ARGS")) {
      std::istringstream words(extra);
      for (std::string w; words >> w;) argv.push_back(w);
    }
  } else if (kind == "peerjs") {
    argv = {"node", opt_.peerjs_dir + "/server.js", std::to_string(port)};
  } else {
    char self[4096];
    auto n = readlink("/proc/self/exe", self, sizeof self - 1);
    self[n > 0 ? n : 0] = 0;
    argv = {self, kind == "uring" ? "serve-uring" : "serve-bare", "--port", std::to_string(port)};
  }
  argv.insert(argv.end(), flags.begin(), flags.end());
  auto p = start_process(kind, argv, port, log);
  if (kind == "swirl") ensure_users(port);
  settle(300ms);
  return p;
}

void Bench::ensure_users(std::uint16_t port) {
  std::size_t want = size_.users();
  if (users_.size() >= want) return;
  auto t0 = std::chrono::steady_clock::now();
  std::vector<HttpJob> jobs;
  for (std::size_t i = users_.size(); i < want; ++i)
    jobs.push_back(
        {beast::http::verb::post, "/api/users", json{{"display_name", "bench " + std::to_string(i)}}.dump(), ""});
  auto results = run_http_jobs(port, jobs, 16);
  for (auto& [status, body] : results) {
    if (status != 201) throw std::runtime_error("POST /api/users answered " + std::to_string(status));
    users_.push_back({body.at("id").get<std::string>(), body.at("token").get<std::string>()});
  }
  std::printf("  created %zu users in %.1f s\n", jobs.size(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
}

std::vector<std::string> Bench::create_lobbies(std::uint16_t port, std::size_t n, const json& settings) {
  std::vector<HttpJob> jobs;
  for (std::size_t i = 0; i < n; ++i)
    jobs.push_back({beast::http::verb::post, "/api/lobbies",
                    json{{"name", "bench " + std::to_string(i)}, {"settings", settings}}.dump(), users_.at(0).token});
  std::vector<std::string> ids;
  for (auto& [status, body] : run_http_jobs(port, jobs, 8)) {
    if (status != 201)
      throw std::runtime_error("POST /api/lobbies answered " + std::to_string(status) + ": " + body.dump());
    ids.push_back(body.at("id").get<std::string>());
  }
  return ids;
}

// Guards a server or a set of workers so they stop on every path out of a scenario.
struct Running {
  ServerProcess server;
  std::vector<Worker> workers;
  ~Running() {
    stop_workers(workers);
    stop_process(server);
  }
};

json sample_json(const ProcSample& s) {
  return json{{"rss_kib", s.rss_kib},
              {"fds", s.fds},
              {"user_s", s.user_s},
              {"sys_s", s.sys_s},
              {"runtime_s", static_cast<double>(s.runtime_ns) / 1e9}};
}

// --- 1. idle hold ---------------------------------------------------------------------------------

json Bench::idle(const std::string& kind) {
  Running r{start(kind), {}};
  const std::size_t workers = 2;
  std::size_t total = size_.idle_steps.back();
  std::vector<ConnSpec> all;
  if (kind == "swirl") {
    auto lobbies =
        create_lobbies(r.server.port, (total + size_.idle_lobby - 1) / size_.idle_lobby, {{"max_members", 10000}});
    for (std::size_t i = 0; i < total; ++i) all.push_back(swirl_spec(lobbies[i / size_.idle_lobby], users_[i]));
  } else {
    for (std::size_t i = 0; i < total; ++i) all.push_back(peer_spec(kind, "idle" + std::to_string(i)));
  }
  settle(1s);
  auto base = sample_proc(r.server.pid);
  // Each step's new connections, split into one contiguous (lobby-aligned) share per worker.
  std::vector<json> steps(workers, json::array());
  std::size_t from = 0;
  for (auto upto : size_.idle_steps) {
    std::size_t n = upto - from, share = (n + workers - 1) / workers;
    for (std::size_t w = 0; w < workers; ++w) {
      json s = json::array();
      for (std::size_t i = from + w * share; i < std::min(upto, from + (w + 1) * share); ++i) s.push_back(all[i]);
      steps[w].push_back(s);
    }
    from = upto;
  }
  for (std::size_t w = 0; w < workers; ++w)
    r.workers.push_back(fork_worker(idle_worker, {{"port", r.server.port}, {"target", kind}, {"steps", steps[w]}}));
  json out = {{"baseline", sample_json(base)}, {"steps", json::array()}};
  for (std::size_t s = 0; s < size_.idle_steps.size(); ++s) {
    auto reports = wait_all(r.workers, 240s);
    settle(1500ms);  // lobby_status snapshots go out, queues drain
    auto now = sample_proc(r.server.pid);
    std::size_t joined = 0, failed = 0;
    double elapsed = 0, p50 = 0, p99 = 0, max = 0;
    for (auto& rep : reports) {
      joined += rep["joined"].get<std::size_t>();
      failed += rep["failed"].get<std::size_t>();
      elapsed = std::max(elapsed, rep["elapsed_s"].get<double>());
      p50 = std::max(p50, rep["latency"].value("p50_ms", 0.0));
      p99 = std::max(p99, rep["latency"].value("p99_ms", 0.0));
      max = std::max(max, rep["latency"].value("max_ms", 0.0));
    }
    std::size_t n = size_.idle_steps[s];
    json row = {{"connections", n},
                {"joined_total", joined},
                {"failed", failed},
                {"step_elapsed_s", elapsed},
                {"connect_join_p50_ms", p50},
                {"connect_join_p99_ms", p99},
                {"connect_join_max_ms", max},
                {"rss_kib", now.rss_kib},
                {"fds", now.fds},
                {"rss_per_conn_kib", static_cast<double>(now.rss_kib - base.rss_kib) / static_cast<double>(n)}};
    out["steps"].push_back(row);
    std::printf("  %-6s idle %6zu: RSS %7ld KiB (+%.2f KiB/conn), fds %d, step %.2f s, connect+join p99 %.1f ms%s\n",
                kind.c_str(), n, now.rss_kib, row["rss_per_conn_kib"].get<double>(), now.fds, elapsed, p99,
                failed ? " FAILURES" : "");
    if (joined + 0 < (s == 0 ? n : n - size_.idle_steps[s - 1])) out["errors"] = "not every connection joined";
    send_all(r.workers, {{"cmd", s + 1 < size_.idle_steps.size() ? "next" : "stop"}});
  }
  // Least-squares slope of RSS over connections, baseline included.
  std::vector<std::pair<double, double>> pts{{0.0, static_cast<double>(base.rss_kib)}};
  for (auto& st : out["steps"]) pts.emplace_back(st["connections"].get<double>(), st["rss_kib"].get<double>());
  double mx = 0, my = 0;
  for (auto& [x, y] : pts) mx += x, my += y;
  mx /= static_cast<double>(pts.size());
  my /= static_cast<double>(pts.size());
  double sxy = 0, sxx = 0;
  for (auto& [x, y] : pts) sxy += (x - mx) * (y - my), sxx += (x - mx) * (x - mx);
  out["rss_slope_kib_per_conn"] = sxx > 0 ? sxy / sxx : 0.0;
  return out;
}

// --- 2. relay -------------------------------------------------------------------------------------

json Bench::relay(const std::string& kind) {
  Running r{start(kind), {}};
  std::vector<ConnSpec> specs;
  std::size_t n = 2 * size_.relay_pairs;
  if (kind == "swirl") {
    auto lobby = create_lobbies(r.server.port, 1, {{"max_members", 10000}, {"group_size", 2}}).at(0);
    for (std::size_t i = 0; i < n; ++i) specs.push_back(swirl_spec(lobby, users_[i]));
  } else {
    for (std::size_t i = 0; i < n; ++i)
      specs.push_back(peer_spec(kind, "relay" + std::to_string(i), "relay" + std::to_string(i ^ 1)));
  }
  r.workers.push_back(fork_worker(relay_worker, {{"port", r.server.port},
                                                 {"target", kind},
                                                 {"specs", specs},
                                                 {"server_pid", r.server.pid},
                                                 {"sample_split", std::getenv("SWIRL_BENCH_NO_PERF") == nullptr},
                                                 {"work_dir", opt_.work_dir}}));
  auto ready = wait_report(r.workers[0], 120s);
  json out = {{"pairs", ready["pairs"]}, {"rates", json::array()}};
  if (ready["pairs"].get<std::size_t>() != size_.relay_pairs) out["errors"] = "not every pair was matched";
  for (double rate : size_.relay_rates) {
    send_command(
        r.workers[0],
        {{"cmd", "rate"}, {"rate", rate}, {"seconds", size_.relay_seconds}, {"warmup_s", opt_.smoke ? 0.2 : 1.0}});
    auto rep = wait_report(r.workers[0], std::chrono::seconds(static_cast<int>(size_.relay_seconds * 4 + 20)));
    std::printf(
        "  %-6s relay %6.0f/s: delivered %.4f, p50 %.3f p99 %.3f max %.3f ms, CPU %.2f us/msg (user %.2f, sys %.2f;"
        " sampled user %.2f)\n",
        kind.c_str(), rate, rep["delivered"].get<double>(), rep["latency"].value("p50_ms", 0.0),
        rep["latency"].value("p99_ms", 0.0), rep["latency"].value("max_ms", 0.0), rep["cpu_us_per_msg"].get<double>(),
        rep["user_us_per_msg"].get<double>(), rep["sys_us_per_msg"].get<double>(),
        rep.value("sampled_user_us_per_msg", -1.0));
    if (rep.contains("sampled_error"))
      std::printf("         (no sampled split: %s)\n", rep["sampled_error"].get<std::string>().c_str());
    out["rates"].push_back(rep);
  }
  send_command(r.workers[0], {{"cmd", "stop"}});
  return out;
}

// --- 3. join storm --------------------------------------------------------------------------------

json Bench::storm() {
  Running r{start("swirl"), {}};
  auto lobbies = create_lobbies(r.server.port, size_.storm_lobbies, {{"max_members", 10000}, {"group_size", 2}});
  std::size_t per_lobby = size_.storm_users / size_.storm_lobbies;
  const std::size_t workers = 2;
  std::vector<json> specs(workers, json::array());
  // Users are taken from the end of the pool, so they are not the relay's or idle's first ones.
  for (std::size_t i = 0; i < size_.storm_users; ++i) {
    std::size_t lobby = i / per_lobby;
    specs[lobby * workers / size_.storm_lobbies].push_back(swirl_spec(lobbies[lobby], users_[users_.size() - 1 - i]));
  }
  for (auto& s : specs) r.workers.push_back(fork_worker(storm_worker, {{"port", r.server.port}, {"specs", s}}));
  wait_all(r.workers, 60s);
  auto before = sample_proc(r.server.pid);
  send_all(r.workers, {{"cmd", "go"}});
  auto reports = wait_all(r.workers, 180s);
  auto after = sample_proc(r.server.pid);
  std::int64_t t0 = INT64_MAX, last = 0, last_join = 0;
  std::size_t matched = 0, failed = 0, joined = 0;
  double p99 = 0;
  for (auto& rep : reports) {
    t0 = std::min(t0, rep["t0_ns"].get<std::int64_t>());
    last = std::max(last, rep["last_match_ns"].get<std::int64_t>());
    last_join = std::max(last_join, rep["last_join_ns"].get<std::int64_t>());
    matched += rep["matched"].get<std::size_t>();
    joined += rep["joined"].get<std::size_t>();
    failed += rep["failed"].get<std::size_t>();
    p99 = std::max(p99, rep["connect_to_match"].value("p99_ms", 0.0));
  }
  auto cpu = cpu_between(before, after);
  json out = {{"users", size_.storm_users},
              {"lobbies", size_.storm_lobbies},
              {"joined", joined},
              {"matched", matched},
              {"failed", failed},
              {"all_matched_s", static_cast<double>(last - t0) / 1e9},
              {"all_joined_s", static_cast<double>(last_join - t0) / 1e9},
              {"connect_to_match_p99_ms", p99},
              {"server_cpu_s", cpu.total_us / 1e6},
              {"server_user_s", cpu.user_us / 1e6},
              {"server_sys_s", cpu.sys_us / 1e6},
              {"rss_kib", after.rss_kib}};
  if (matched != size_.storm_users) out["errors"] = "not every user got a match";
  std::printf(
      "  swirl  storm %zu users / %zu lobbies: all matched in %.2f s (joined %.2f s), matched %zu, failed %zu\n",
      size_.storm_users, size_.storm_lobbies, out["all_matched_s"].get<double>(), out["all_joined_s"].get<double>(),
      matched, failed);
  send_all(r.workers, {{"cmd", "stop"}});
  return out;
}

// --- 4. churn -------------------------------------------------------------------------------------

json Bench::churn(const std::string& kind, bool join_only) {
  const std::size_t pairs = join_only ? size_.conn_pairs : size_.churn_pairs;
  const std::size_t warmup_pairs = join_only ? size_.conn_warmup_pairs : size_.churn_warmup_pairs;
  const double rate = join_only ? size_.conn_rate : size_.churn_rate;
  const char* what = join_only ? "connect-join-close" : "churn";
  Running r{start(kind), {}};
  std::vector<std::string> slots;
  if (kind == "swirl")
    slots = create_lobbies(r.server.port, size_.churn_slots,
                           {{"max_members", 10000}, {"group_size", 2}, {"idle_shutdown_seconds", 2}});
  std::size_t next_user = 0;
  auto make_cycles = [&](std::size_t pairs, const std::string& tag) {
    json cycles = json::array();
    for (std::size_t i = 0; i < pairs; ++i) {
      if (kind == "swirl") {
        const auto& lobby = slots[i % slots.size()];
        cycles.push_back(
            {{"a", swirl_spec(lobby, users_[next_user])}, {"b", swirl_spec(lobby, users_[next_user + 1])}});
        next_user += 2;
      } else {
        auto a = tag + std::to_string(2 * i), b = tag + std::to_string(2 * i + 1);
        cycles.push_back({{"a", peer_spec(kind, a, b)}, {"b", peer_spec(kind, b, a)}});
      }
    }
    return cycles;
  };
  auto run_cycles = [&](const json& cycles) {
    r.workers.push_back(fork_worker(
        churn_worker,
        {{"port", r.server.port}, {"target", kind}, {"cycles", cycles}, {"rate", rate}, {"join_only", join_only}}));
    wait_report(r.workers[0], 30s);
    auto before = sample_proc(r.server.pid);
    send_command(r.workers[0], {{"cmd", "go"}});
    auto rep = wait_report(r.workers[0], 120s);
    auto after = sample_proc(r.server.pid);
    send_command(r.workers[0], {{"cmd", "stop"}});
    stop_workers(r.workers);
    return std::tuple{rep, before, after};
  };
  // A warm-up round first, so caches (SQLite pages, allocator arenas) are in the baseline.
  run_cycles(make_cycles(warmup_pairs, "warm"));
  // Resume grace (1 s) + lobby idle shutdown (2 s) + the server's memory trim after lobbies
  // stop (--memory-trim-delay-ms, 1 s) + margin.
  const auto quiet = opt_.smoke ? 4500ms : 6000ms;
  settle(quiet);
  auto base = sample_proc(r.server.pid);
  auto [rep, before, after] = run_cycles(make_cycles(pairs, "churn"));
  settle(quiet);
  auto end = sample_proc(r.server.pid);
  auto cpu = cpu_between(before, after);
  double cycles = 2.0 * std::max<double>(1, rep["pairs_completed"].get<double>());  // one cycle per user
  json out = {{"pairs", pairs},
              {"rate_pairs_per_s", rate},
              {"completed_pairs", rep["pairs_completed"]},
              {"failed_pairs", rep["pairs_failed"]},
              {"elapsed_s", rep["elapsed_s"]},
              {"cycle", rep["cycle"]},
              {"cpu_ms_per_cycle", cpu.total_us / 1e3 / cycles},
              {"user_ms_per_cycle", cpu.user_us / 1e3 / cycles},
              {"sys_ms_per_cycle", cpu.sys_us / 1e3 / cycles},
              {"baseline", sample_json(base)},
              {"peak", sample_json(after)},
              {"after", sample_json(end)},
              {"rss_delta_kib", end.rss_kib - base.rss_kib},
              {"fds_delta", end.fds - base.fds}};
  if (rep["pairs_failed"].get<int>() != 0) out["errors"] = "some cycles failed: " + rep["failures"].dump();
  std::printf(
      "  %-6s %s %zu pairs at %.0f/s: %.3f ms CPU/cycle (user %.3f, sys %.3f), RSS %+ld KiB, fds %+d after, failed "
      "%d\n",
      kind.c_str(), what, pairs, rate, out["cpu_ms_per_cycle"].get<double>(), out["user_ms_per_cycle"].get<double>(),
      out["sys_ms_per_cycle"].get<double>(), end.rss_kib - base.rss_kib, end.fds - base.fds,
      rep["pairs_failed"].get<int>());
  return out;
}

// --- 6. lobby fan-out -----------------------------------------------------------------------------

json Bench::fanout() {
  Running r{start("swirl"), {}};
  auto lobby = create_lobbies(r.server.port, 1, {{"max_members", 10000}, {"group_size", 2}}).at(0);
  const std::size_t workers = 2;
  std::vector<json> specs(workers, json::array());
  for (std::size_t i = 0; i < size_.fanout_members; ++i)
    specs[i * workers / size_.fanout_members].push_back(swirl_spec(lobby, users_[i]));
  for (std::size_t w = 0; w < workers; ++w)
    r.workers.push_back(
        fork_worker(fanout_worker, {{"port", r.server.port}, {"specs", specs[w]}, {"toggler", w == 0}}));
  auto joined = wait_all(r.workers, 180s);
  std::size_t members = 0;
  for (auto& j : joined) members += j["joined"].get<std::size_t>();
  settle(1500ms);
  json out = {{"members", members}, {"rates", json::array()}};
  if (members != size_.fanout_members) out["errors"] = "not every member joined";
  for (double rate : size_.fanout_rates) {
    auto before = sample_proc(r.server.pid);
    send_all(r.workers, {{"cmd", "rate"}, {"rate", rate}, {"seconds", size_.fanout_seconds}});
    auto reps = wait_all(r.workers, std::chrono::seconds(static_cast<int>(size_.fanout_seconds * 3 + 30)));
    auto after = sample_proc(r.server.pid);
    std::uint64_t changes = 0, frames = 0, bytes = 0;
    for (auto& rep : reps) {
      changes += rep["changes"].get<std::uint64_t>();
      frames += rep["status_frames"].get<std::uint64_t>();
      bytes += rep["status_bytes"].get<std::uint64_t>();
    }
    auto cpu = cpu_between(before, after);
    double c = static_cast<double>(std::max<std::uint64_t>(changes, 1));
    double secs = size_.fanout_seconds;
    json row = {{"rate", rate},
                {"changes", changes},
                {"status_frames", frames},
                {"status_bytes", bytes},
                {"snapshots_per_member_per_s",
                 static_cast<double>(frames) / static_cast<double>(std::max<std::size_t>(members, 1)) / (secs + 0.6)},
                {"status_bytes_per_change", static_cast<double>(bytes) / c},
                {"status_mb_per_s", static_cast<double>(bytes) / (secs + 0.6) / 1e6},
                {"cpu_us_per_change", cpu.total_us / c},
                {"user_us_per_change", cpu.user_us / c},
                {"cpu_fraction_of_core", cpu.total_us / 1e6 / (secs + 0.6)},
                {"rss_kib", after.rss_kib}};
    out["rates"].push_back(row);
    std::printf(
        "  swirl  fanout %zu members, %4.0f changes/s: %.2f snapshots/member/s, %.0f KB/change, %.0f us CPU/change, "
        "%.0f%% of a core\n",
        members, rate, row["snapshots_per_member_per_s"].get<double>(),
        row["status_bytes_per_change"].get<double>() / 1e3, row["cpu_us_per_change"].get<double>(),
        100 * row["cpu_fraction_of_core"].get<double>());
  }
  send_all(r.workers, {{"cmd", "stop"}});
  return out;
}

// --- 7. flood isolation --------------------------------------------------------------------------

json Bench::flood() {
  // The production limits (50 messages/s, burst 100, 16 KiB messages), not the bench's.
  constexpr int kRate = 50, kBurst = 100;
  constexpr std::size_t kMessageBytes = 16384;
  Running r{start("swirl", {"--ws-rate=" + std::to_string(kRate), "--ws-burst=" + std::to_string(kBurst)}), {}};
  auto lobbies = create_lobbies(r.server.port, 3, {{"max_members", 1000}, {"group_size", 2}});
  json probe = json::array();
  for (std::size_t i = 0; i < 2 * size_.flood_probe_pairs; ++i) probe.push_back(swirl_spec(lobbies[0], users_[i]));
  std::size_t u = 2 * size_.flood_probe_pairs;
  r.workers.push_back(fork_worker(flood_worker, {{"port", r.server.port},
                                                 {"probe", probe},
                                                 {"flooder", swirl_spec(lobbies[1], users_[u])},
                                                 {"flooder_peer", swirl_spec(lobbies[1], users_[u + 1])},
                                                 {"over", swirl_spec(lobbies[2], users_[u + 2])},
                                                 {"over_peer", swirl_spec(lobbies[2], users_[u + 3])},
                                                 {"rate", kRate},
                                                 {"burst", kBurst},
                                                 {"probe_rate", size_.flood_probe_rate},
                                                 {"seconds", size_.flood_seconds},
                                                 {"flood_bytes", kMessageBytes}}));
  auto ready = wait_report(r.workers[0], 60s);
  json out = {{"probe_pairs", size_.flood_probe_pairs},
              {"probe_rate", size_.flood_probe_rate},
              {"seconds", size_.flood_seconds},
              {"limit_rate", kRate},
              {"limit_burst", kBurst}};
  if (ready["failed"].get<std::size_t>() != 0 || ready["matched"].get<std::size_t>() != probe.size() + 4) {
    out["errors"] = "not every connection was matched: " + ready.dump();
    return out;
  }
  auto phase_timeout = std::chrono::seconds(static_cast<int>(size_.flood_seconds * 3 + 30));
  for (bool flooding : {false, true}) {
    send_command(r.workers[0], {{"cmd", "phase"}, {"flood", flooding}});
    auto rep = wait_report(r.workers[0], phase_timeout);
    const auto& lat = rep["latency"];
    std::printf("  swirl  flood: probe relay %s: p50 %.3f p99 %.3f max %.3f ms (%s of %s delivered)\n",
                flooding ? "during the flood" : "without flood  ", lat.value("p50_ms", 0.0), lat.value("p99_ms", 0.0),
                lat.value("max_ms", 0.0), rep["probe_received"].dump().c_str(), rep["probe_sent"].dump().c_str());
    if (rep["probe_received"] != rep["probe_sent"]) out["errors"] = "a probe signal was lost";
    if (flooding) {
      const auto& f = rep["flood"];
      const auto& o = rep["over"];
      std::printf(
          "         flooder: %.1f msgs/s of %zu B (limit %d/s, burst %d), %s rate_limited, %s; over the limit (%d/s): "
          "closed %s with %d after %.2f s\n",
          f["rate_per_s"].get<double>(), kMessageBytes, kRate, kBurst, f["rate_limited_errors"].dump().c_str(),
          f["closed"].get<bool>() ? "CLOSED" : "kept open", 2 * kRate, o["closed"].get<bool>() ? "yes" : "NO",
          o["close_code"].get<int>(), o["closed_after_s"].get<double>());
      if (f["closed"].get<bool>() || f["peer_closed"].get<bool>())
        out["errors"] = "the flooder within its limit was closed";
      if (!o["closed"].get<bool>() || o["close_code"].get<int>() != 1008)
        out["errors"] = "the connection over the limit was not closed with 1008";
    }
    out[flooding ? "flood" : "quiet"] = rep;
  }
  send_command(r.workers[0], {{"cmd", "stop"}});
  return out;
}

// --- 8. soak -------------------------------------------------------------------------------------

json Bench::soak() {
  Running r{start("swirl"), {}};
  // Repeats allowed at once, so each lobby's one pair meets again every round; lobbies stop when
  // idle for 2 s and respawn on the next join (actors churn too).
  auto lobbies = create_lobbies(r.server.port, size_.soak_slots,
                                {{"max_members", 10},
                                 {"group_size", 2},
                                 {"when_exhausted", "repeat"},
                                 {"repeat_after_seconds", 0},
                                 {"idle_shutdown_seconds", 2}});
  json pairs = json::array();
  for (std::size_t i = 0; i < size_.soak_slots; ++i)
    pairs.push_back({{"a", swirl_spec(lobbies[i], users_[2 * i])}, {"b", swirl_spec(lobbies[i], users_[2 * i + 1])}});
  auto run_round = [&](double seconds, std::vector<ProcSample>* samples) {
    r.workers.push_back(fork_worker(soak_worker, {{"port", r.server.port},
                                                  {"pairs", pairs},
                                                  {"rate", size_.soak_rate},
                                                  {"signals", size_.soak_signals},
                                                  {"seconds", seconds},
                                                  {"progress_s", size_.soak_sample_s}}));
    wait_report(r.workers[0], 30s);
    send_command(r.workers[0], {{"cmd", "go"}});
    auto timeout = std::chrono::seconds(static_cast<int>(size_.soak_sample_s) + 60);
    json rep;
    for (;;) {
      rep = wait_report(r.workers[0], timeout);
      if (rep["phase"] != "progress") break;
      if (samples) samples->push_back(sample_proc(r.server.pid));
    }
    send_command(r.workers[0], {{"cmd", "stop"}});
    stop_workers(r.workers);
    r.workers.clear();
    return rep;
  };
  // Resume grace (1 s) + lobby idle shutdown (2 s) + the memory trim after lobbies stop (1 s).
  const auto quiet = 6s;
  run_round(std::min(30.0, size_.soak_seconds), nullptr);  // warm-up: caches and arenas in the baseline
  settle(quiet);
  auto base = sample_proc(r.server.pid);
  std::vector<ProcSample> during;
  auto t0 = std::chrono::steady_clock::now();
  auto rep = run_round(size_.soak_seconds, &during);
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  settle(quiet);
  auto end = sample_proc(r.server.pid);
  json samples = json::array();
  long peak = base.rss_kib;
  for (auto& s : during) {
    samples.push_back(sample_json(s));
    peak = std::max(peak, s.rss_kib);
  }
  // Back to baseline: RSS within max(3 %, 512 KiB), descriptors no more than before.
  long allowed = std::max<long>(512, base.rss_kib * 3 / 100);
  json out = {{"seconds", size_.soak_seconds},
              {"elapsed_s", elapsed},
              {"rate_pairs_per_s", size_.soak_rate},
              {"lobbies", size_.soak_slots},
              {"signals_per_side", size_.soak_signals},
              {"completed_pairs", rep["completed"]},
              {"failed_pairs", rep["failed"]},
              {"skipped", rep["skipped"]},
              {"failures", rep["failures"]},
              {"baseline", sample_json(base)},
              {"during", samples},
              {"peak_rss_kib", peak},
              {"after", sample_json(end)},
              {"rss_delta_kib", end.rss_kib - base.rss_kib},
              {"rss_allowed_kib", allowed},
              {"fds_delta", end.fds - base.fds},
              {"loadavg", read_loadavg()}};
  bool ok = end.rss_kib - base.rss_kib <= allowed && end.fds <= base.fds && rep["failed"].get<int>() == 0;
  out["verdict"] = ok ? "met" : "MISSED";
  if (!ok) out["errors"] = "memory or descriptors did not return to the baseline, or cycles failed";
  std::printf(
      "  swirl  soak %.0f s at %.0f pairs/s: %s pairs completed, %s failed; RSS %ld -> peak %ld -> %ld KiB (%+ld, "
      "allowed %+ld), fds %d -> %d; %s\n",
      elapsed, size_.soak_rate, rep["completed"].dump().c_str(), rep["failed"].dump().c_str(), base.rss_kib, peak,
      end.rss_kib, end.rss_kib - base.rss_kib, allowed, base.fds, end.fds, ok ? "back to baseline" : "NOT BACK");
  return out;
}

// --- 5. matcher -----------------------------------------------------------------------------------

json Bench::matcher() {
  std::string path = opt_.work_dir + "/matcher.json";
  std::string cmd =
      opt_.matcher + " --json " + path + (opt_.smoke ? " --smoke" : "") + " > " + opt_.work_dir + "/matcher.log 2>&1";
  if (std::system(cmd.c_str()) != 0)
    throw std::runtime_error("swirl_bench_matcher failed; see " + opt_.work_dir + "/matcher.log");
  std::ifstream in(path);
  json j = json::parse(in);
  for (auto& row : j["timing"])
    if (row["users"] == 10000 && row["group_size"] == 2 && row["when_exhausted"] == "wait")
      std::printf("  matcher 10k ready users, pairs: median %.2f ms, max %.2f ms per round\n",
                  row["median_ms"].get<double>(), row["max_ms"].get<double>());
  return j;
}

int Bench::run() {
  std::string mk =
      "mkdir -p " + opt_.work_dir + " && rm -f " + opt_.work_dir + "/swirl.db* " + opt_.work_dir + "/*.log";
  if (std::system(mk.c_str()) != 0) return 2;
  json results = {{"meta", collect_meta(opt_.smoke, opt_.io_threads, opt_.peerjs_dir)}};
  int failures = 0;
  auto t0 = std::chrono::steady_clock::now();
  auto scenario = [&](const std::string& name, const std::string& kind, auto f) {
    if (!opt_.scenarios.count(name) || !opt_.servers.count(kind)) return;
    try {
      json r = f();
      if (r.contains("errors")) ++failures;
      results[name][kind] = r;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "  %s/%s FAILED: %s\n", name.c_str(), kind.c_str(), e.what());
      results[name][kind] = {{"errors", e.what()}};
      ++failures;
    }
  };
  std::printf("== idle hold\n");
  scenario("idle", "swirl", [&] { return idle("swirl"); });
  scenario("idle", "peerjs", [&] { return idle("peerjs"); });
  std::printf("== relay\n");
  scenario("relay", "swirl", [&] { return relay("swirl"); });
  scenario("relay", "peerjs", [&] { return relay("peerjs"); });
  scenario("relay", "bare", [&] { return relay("bare"); });
  if (uring_relay_available()) {
    scenario("relay", "uring", [&] { return relay("uring"); });
  } else if (opt_.servers.count("uring")) {
    std::printf("  uring  relay: skipped (built without liburing, or io_uring is disabled here)\n");
  }
  std::printf("== join storm\n");
  scenario("storm", "swirl", [&] { return storm(); });
  std::printf("== churn\n");
  scenario("churn", "swirl", [&] { return churn("swirl"); });
  scenario("churn", "peerjs", [&] { return churn("peerjs"); });
  std::printf("== connection cost (connect-join-close)\n");
  scenario("conncost", "swirl", [&] { return churn("swirl", true); });
  scenario("conncost", "peerjs", [&] { return churn("peerjs", true); });
  std::printf("== matchmaking\n");
  scenario("matcher", "swirl", [&] { return matcher(); });
  std::printf("== lobby fan-out\n");
  scenario("fanout", "swirl", [&] { return fanout(); });
  if (opt_.scenarios.count("flood")) std::printf("== flood isolation\n");
  scenario("flood", "swirl", [&] { return flood(); });
  if (opt_.scenarios.count("soak")) std::printf("== soak\n");
  scenario("soak", "swirl", [&] { return soak(); });
  results["meta"]["run_seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  results["meta"]["failures"] = failures;

  std::ofstream(opt_.out) << results.dump(2) << '\n';
  std::printf("\nwrote %s\n\n", opt_.out.c_str());
  auto summary = evaluate(results);
  std::printf("%s\n", summary_table_text(summary).c_str());
  if (!opt_.docs_dir.empty()) {
    write_docs(results, summary, opt_.docs_dir, opt_.work_dir, opt_.notes);
    std::printf("wrote %s/benchmarks.md and %s/benchmarks-latency.png\n", opt_.docs_dir.c_str(), opt_.docs_dir.c_str());
  }
  if (failures) std::fprintf(stderr, "%d scenario(s) broke\n", failures);
  return failures ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "serve-bare") == 0) {
    int port = argc >= 4 ? std::atoi(argv[3]) : 9100;
    return run_bare_relay(static_cast<std::uint16_t>(port));
  }
  if (argc >= 2 && std::strcmp(argv[1], "serve-uring") == 0) {
    int port = argc >= 4 ? std::atoi(argv[3]) : 9100;
    return run_uring_relay(static_cast<std::uint16_t>(port));
  }
  if (argc >= 2 && std::strcmp(argv[1], "report") == 0) {
    // Re-renders docs/benchmarks.md and the plot from a run's raw figures (e.g. after editing
    // bench/notes.md), without running anything: report FILE.json DOCS_DIR NOTES_FILE
    if (argc != 5) {
      std::fprintf(stderr, "usage: %s report RESULTS.json DOCS_DIR NOTES.md\n", argv[0]);
      return 2;
    }
    try {
      std::ifstream in(argv[2]);
      json results = json::parse(in);
      auto rows = evaluate(results);
      char tmpl[] = "/tmp/swirl-report.XXXXXX";
      const char* work = mkdtemp(tmpl);
      if (!work) throw std::runtime_error("mkdtemp failed");
      write_docs(results, rows, argv[3], work, argv[4]);
      std::filesystem::remove_all(work);
      std::printf("%s", summary_table_text(rows).c_str());
      return 0;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "report failed: %s\n", e.what());
      return 1;
    }
  }
  if (argc < 2 || std::strcmp(argv[1], "run") != 0) {
    std::fprintf(
        stderr,
        "usage: %s run --swirl-server BIN --peerjs-dir DIR --matcher BIN [--out FILE] [--docs DIR] "
        "[--notes FILE] [--work-dir DIR] [--io-threads N] [--scenarios a,b] [--servers swirl,peerjs,bare,uring]\n"
        "           [--relay-rates 2000,5000] [--relay-seconds S] [--smoke]\n       %s serve-bare|serve-uring --port "
        "N\n"
        "       %s report RESULTS.json DOCS_DIR NOTES.md\n",
        argv[0], argv[0], argv[0]);
    return 2;
  }
  Options o;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--swirl-server")
      o.swirl_server = next();
    else if (a == "--peerjs-dir")
      o.peerjs_dir = next();
    else if (a == "--matcher")
      o.matcher = next();
    else if (a == "--out")
      o.out = next();
    else if (a == "--docs")
      o.docs_dir = next();
    else if (a == "--notes")
      o.notes = next();
    else if (a == "--work-dir")
      o.work_dir = next();
    else if (a == "--io-threads")
      o.io_threads = std::stoi(next());
    else if (a == "--smoke")
      o.smoke = true;
    else if (a == "--scenarios") {
      o.scenarios.clear();
      std::stringstream ss(next());
      for (std::string s; std::getline(ss, s, ',');) o.scenarios.insert(s);
    } else if (a == "--servers") {
      o.servers.clear();
      std::stringstream ss(next());
      for (std::string s; std::getline(ss, s, ',');) o.servers.insert(s);
    } else if (a == "--relay-rates") {
      std::stringstream ss(next());
      for (std::string s; std::getline(ss, s, ',');) o.relay_rates.push_back(std::stod(s));
    } else if (a == "--relay-seconds") {
      o.relay_seconds = std::stod(next());
    } else if (a == "--soak-seconds") {
      o.soak_seconds = std::stod(next());
    } else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return 2;
    }
  }
  // Every child (servers, workers) goes when we go, on any path.
  std::atexit(kill_tracked_children);
  for (int sig : {SIGINT, SIGTERM, SIGHUP})
    signal(sig, [](int s) {
      kill_tracked_children();
      _exit(128 + s);
    });
  signal(SIGPIPE, SIG_IGN);
  try {
    return Bench(o).run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench failed: %s\n", e.what());
    return 1;
  }
}
