// The hardening scenarios (issue 17), run only when --scenarios names them: flood isolation
// (another lobby's relay latency with and without one connection flooding) and the soak
// (memory and descriptors back to their baseline after a long churn).

#include <algorithm>
#include <cstdio>

#include "bench.hpp"
#include "flood.hpp"
#include "soak.hpp"

namespace bench {

using namespace std::chrono_literals;

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

}  // namespace bench
