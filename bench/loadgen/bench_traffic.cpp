// The scenarios about traffic through live lobbies: the relay of WebRTC negotiations between
// matched pairs, and a big lobby's lobby_status fan-out.

#include <cstdio>
#include <cstdlib>

#include "bench.hpp"
#include "scenarios.hpp"

namespace bench {

using namespace std::chrono_literals;

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

}  // namespace bench
