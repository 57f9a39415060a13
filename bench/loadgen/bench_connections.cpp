// The scenarios about connections: idle hold (memory per joined connection), join storm,
// churn and connection cost (CPU per connect … close cycle).

#include <algorithm>
#include <cstdio>
#include <memory>

#include "bench.hpp"
#include "rounds.hpp"
#include "scenarios.hpp"

namespace bench {

using namespace std::chrono_literals;

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

namespace {

// How long a server rests after a round before it is sampled or measured again: resume grace
// (1 s) + lobby idle shutdown (2 s) + the server's memory trim after lobbies stop
// (--memory-trim-delay-ms, 1 s) + margin, so that round's after-work is not counted in the next.
std::chrono::milliseconds churn_quiet(bool smoke) { return smoke ? 4500ms : 6000ms; }

}  // namespace

json Bench::churn_cycles(const std::string& kind, const std::vector<std::string>& slots, std::size_t pairs,
                         const std::string& tag, std::size_t& next_user) const {
  json cycles = json::array();
  for (std::size_t i = 0; i < pairs; ++i) {
    if (kind == "swirl") {
      const auto& lobby = slots[i % slots.size()];
      cycles.push_back(
          {{"a", swirl_spec(lobby, users_.at(next_user))}, {"b", swirl_spec(lobby, users_.at(next_user + 1))}});
      next_user += 2;
    } else {
      auto a = tag + std::to_string(2 * i), b = tag + std::to_string(2 * i + 1);
      cycles.push_back({{"a", peer_spec(kind, a, b)}, {"b", peer_spec(kind, b, a)}});
    }
  }
  return cycles;
}

ChurnRound Bench::churn_round(Running& r, const json& cycles, double rate, bool join_only) {
  r.workers.push_back(fork_worker(churn_worker, {{"port", r.server.port},
                                                 {"target", r.server.kind},
                                                 {"cycles", cycles},
                                                 {"rate", rate},
                                                 {"join_only", join_only}}));
  wait_report(r.workers[0], 30s);
  ChurnRound round;
  round.before = sample_proc(r.server.pid);
  send_command(r.workers[0], {{"cmd", "go"}});
  round.report = wait_report(r.workers[0], 120s);
  round.after = sample_proc(r.server.pid);
  send_command(r.workers[0], {{"cmd", "stop"}});
  stop_workers(r.workers);
  return round;
}

json ChurnRound::cpu_per_cycle() const {
  auto cpu = cpu_between(before, after);
  double cycles = 2.0 * std::max<double>(1, report["pairs_completed"].get<double>());  // one cycle per user
  return {{"cpu_ms_per_cycle", cpu.total_us / 1e3 / cycles},
          {"user_ms_per_cycle", cpu.user_us / 1e3 / cycles},
          {"sys_ms_per_cycle", cpu.sys_us / 1e3 / cycles}};
}

json Bench::churn(const std::string& kind) {
  const std::size_t pairs = size_.churn_pairs;
  const double rate = size_.churn_rate;
  Running r{start(kind), {}};
  std::vector<std::string> slots;
  if (kind == "swirl")
    slots = create_lobbies(r.server.port, size_.churn_slots,
                           {{"max_members", 10000}, {"group_size", 2}, {"idle_shutdown_seconds", 2}});
  std::size_t next_user = 0;
  // A warm-up round first, so caches (SQLite pages, allocator arenas) are in the baseline.
  churn_round(r, churn_cycles(kind, slots, size_.churn_warmup_pairs, "warm", next_user), rate, false);
  settle(churn_quiet(opt_.smoke));
  auto base = sample_proc(r.server.pid);
  auto round = churn_round(r, churn_cycles(kind, slots, pairs, "churn", next_user), rate, false);
  const auto& [rep, before, after] = round;
  settle(churn_quiet(opt_.smoke));
  auto end = sample_proc(r.server.pid);
  json out = {{"pairs", pairs},
              {"rate_pairs_per_s", rate},
              {"completed_pairs", rep["pairs_completed"]},
              {"failed_pairs", rep["pairs_failed"]},
              {"elapsed_s", rep["elapsed_s"]},
              {"cycle", rep["cycle"]},
              {"baseline", sample_json(base)},
              {"peak", sample_json(after)},
              {"after", sample_json(end)},
              {"rss_delta_kib", end.rss_kib - base.rss_kib},
              {"fds_delta", end.fds - base.fds}};
  out.update(round.cpu_per_cycle());
  if (rep["pairs_failed"].get<int>() != 0) out["errors"] = "some cycles failed: " + rep["failures"].dump();
  std::printf(
      "  %-6s churn %zu pairs at %.0f/s: %.3f ms CPU/cycle (user %.3f, sys %.3f), RSS %+ld KiB, fds %+d after, failed "
      "%d\n",
      kind.c_str(), pairs, rate, out["cpu_ms_per_cycle"].get<double>(), out["user_ms_per_cycle"].get<double>(),
      out["sys_ms_per_cycle"].get<double>(), end.rss_kib - base.rss_kib, end.fds - base.fds,
      rep["pairs_failed"].get<int>());
  return out;
}

// --- 4b. connection cost --------------------------------------------------------------------------

// On this 2-core VM one server's figure drifts by ±15% between runs, so a ratio of two rounds
// taken minutes apart is mostly noise: the servers are measured in turns within one run (ABBA:
// S P P S S P …), and each one's figure is the median of its rounds (rounds.hpp).
json Bench::conncost(const std::vector<std::string>& kinds) {
  // One server under test: its process, its lobbies (Swirl), its users so far and its rounds.
  struct Target {
    std::string kind;
    Running run;
    std::vector<std::string> slots;
    std::size_t next_user = 0;
    std::chrono::steady_clock::time_point last_end;  // of its latest round (warm-up included)
    ProcSample base, peak;
    json rounds = json::array();
    json sampled;  // the extra round under perf (the user/kernel split)
  };
  const double rate = size_.conn_rate;
  const auto quiet = churn_quiet(opt_.smoke);
  // Until `quiet` has passed since the target's latest round ended (or its next users were made).
  auto rest = [&](const Target& t) {
    auto left = t.last_end + quiet - std::chrono::steady_clock::now();
    if (left > 0ms) settle(std::chrono::duration_cast<std::chrono::milliseconds>(left) + 1ms);
  };
  // Each Swirl round (the warm-up and the round under perf too) has users of its own, created
  // just before it: like people who have just signed up, they are in the server's token cache
  // and their last_seen_at is not due yet. All of them made up front (37,200 by default) would
  // be more than the cache holds (32,768), and in creation order every join would miss it. The
  // server rests after the creation as after a round.
  auto fresh_users = [&](Target& t, std::size_t pairs) {
    if (t.kind != "swirl") return;
    t.next_user = add_users(t.run.server.port, 2 * pairs);
    t.last_end = std::chrono::steady_clock::now();
  };
  std::vector<std::unique_ptr<Target>> targets;  // not moved: each owns a running server
  for (const auto& kind : kinds) {
    auto t = std::make_unique<Target>();
    t->kind = kind;
    t->run.server = start(kind);
    if (kind == "swirl")
      t->slots = create_lobbies(t->run.server.port, size_.churn_slots,
                                {{"max_members", 10000}, {"group_size", 2}, {"idle_shutdown_seconds", 2}});
    fresh_users(*t, size_.conn_warmup_pairs);
    rest(*t);
    // A warm-up round first, so caches (SQLite pages, allocator arenas) are in the baseline.
    churn_round(t->run, churn_cycles(kind, t->slots, size_.conn_warmup_pairs, "warm", t->next_user), rate, true);
    t->last_end = std::chrono::steady_clock::now();
    targets.push_back(std::move(t));
  }
  auto order = abba_order(kinds, size_.conn_rounds);
  for (std::size_t i = 0; i < order.size(); ++i) {
    auto& t = **std::find_if(targets.begin(), targets.end(), [&](const auto& x) { return x->kind == order[i]; });
    fresh_users(t, size_.conn_pairs);
    rest(t);
    if (t.rounds.empty()) t.base = sample_proc(t.run.server.pid);
    std::size_t n = t.rounds.size() + 1;
    std::string load = read_loadavg();
    auto round = churn_round(
        t.run, churn_cycles(t.kind, t.slots, size_.conn_pairs, "r" + std::to_string(n) + "x", t.next_user), rate, true);
    const auto& rep = round.report;
    t.last_end = std::chrono::steady_clock::now();
    if (round.after.rss_kib >= t.peak.rss_kib) t.peak = round.after;
    json row = {{"order", i + 1},
                {"round", n},
                {"loadavg_start", load},
                {"completed_pairs", rep["pairs_completed"]},
                {"failed_pairs", rep["pairs_failed"]},
                {"failures", rep["failures"]},
                {"elapsed_s", rep["elapsed_s"]},
                {"cycle", rep["cycle"]}};
    row.update(round.cpu_per_cycle());
    std::printf(
        "  %-6s connect-join-close round %zu (%zu of %zu, load %s): %zu pairs at %.0f/s: %.3f ms CPU/cycle "
        "(user %.3f, sys %.3f), failed %d\n",
        t.kind.c_str(), n, i + 1, order.size(), load.c_str(), size_.conn_pairs, rate,
        row["cpu_ms_per_cycle"].get<double>(), row["user_ms_per_cycle"].get<double>(),
        row["sys_ms_per_cycle"].get<double>(), rep["pairs_failed"].get<int>());
    t.rounds.push_back(std::move(row));
  }
  // The user/kernel split: the tick counters above split a server's CPU by a 250 Hz sample of
  // wall time, which on this VM put whole rounds at 0.000 ms of kernel time. One more round per
  // server runs under `perf record -e cpu-clock` (proc_stats.hpp: CpuSampler), and its share of
  // kernel samples splits that server's median. Its own CPU is not in the medians: perf's
  // sampling interrupts cost CPU of their own here.
  for (auto& tp : targets) {
    auto& t = *tp;
    fresh_users(t, size_.conn_pairs);
    rest(t);
    CpuSampler sampler(t.run.server.pid, opt_.work_dir + "/perf-conncost-" + t.kind + ".data");
    auto round = churn_round(t.run, churn_cycles(t.kind, t.slots, size_.conn_pairs, "sx", t.next_user), rate, true);
    auto split = sampler.stop();
    t.last_end = std::chrono::steady_clock::now();
    t.sampled = {{"pairs", size_.conn_pairs},
                 {"completed_pairs", round.report["pairs_completed"]},
                 {"failed_pairs", round.report["pairs_failed"]}};
    t.sampled.update(round.cpu_per_cycle());  // under perf: for the record only
    if (split.ok) {
      t.sampled["user_fraction"] = split.user_fraction;
      t.sampled["samples"] = split.samples;
    } else {
      t.sampled["error"] = split.error;
    }
    std::printf("  %-6s connect-join-close round under perf: %s\n", t.kind.c_str(),
                split.ok ? ("kernel share " + std::to_string(1 - split.user_fraction) + " of " +
                            std::to_string(split.samples) + " samples")
                               .c_str()
                         : split.error.c_str());
  }
  json out = json::object();
  for (auto& tp : targets) {
    auto& t = *tp;
    rest(t);
    auto end = sample_proc(t.run.server.pid);
    json s = summarize_rounds(t.rounds);
    add_sampled_split(s, t.sampled);
    s["pairs"] = size_.conn_pairs;  // per round
    s["warmup_pairs"] = size_.conn_warmup_pairs;
    s["rate_pairs_per_s"] = rate;
    s["rest_s"] = static_cast<double>(quiet.count()) / 1e3;
    s["baseline"] = sample_json(t.base);  // before the first measured round
    s["peak"] = sample_json(t.peak);      // the highest RSS at a round's end
    s["after"] = sample_json(end);        // at least `quiet` after the last round
    s["rss_delta_kib"] = end.rss_kib - t.base.rss_kib;
    s["fds_delta"] = end.fds - t.base.fds;
    s["rounds"] = t.rounds;
    if (s["failed_pairs"].get<std::int64_t>() != 0) {
      json failures = json::array();
      for (const auto& round : t.rounds) failures.push_back(round["failures"]);
      s["errors"] = "some cycles failed (by round): " + failures.dump();
    }
    std::printf(
        "  %-6s connect-join-close, median of %zu round(s): %.3f ms CPU/cycle (user %.3f, sys %.3f), RSS %+ld KiB, fds "
        "%+d after, failed %lld\n",
        t.kind.c_str(), t.rounds.size(), s["cpu_ms_per_cycle"].get<double>(), s["user_ms_per_cycle"].get<double>(),
        s["sys_ms_per_cycle"].get<double>(), end.rss_kib - t.base.rss_kib, end.fds - t.base.fds,
        static_cast<long long>(s["failed_pairs"].get<std::int64_t>()));
    out[t.kind] = std::move(s);
  }
  return out;
}

}  // namespace bench
