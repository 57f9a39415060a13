#include "report.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <boost/version.hpp>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>

namespace bench {

namespace {

std::string shell(const std::string& cmd) {
  std::string out;
  if (FILE* p = popen((cmd + " 2>/dev/null").c_str(), "r")) {
    char buf[512];
    while (fgets(buf, sizeof buf, p)) out += buf;
    pclose(p);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

std::string fmt(double v, int digits = 2) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

const json* find_rate(const json& results, const std::string& kind, double rate) {
  if (!results.contains("relay") || !results["relay"].contains(kind) || !results["relay"][kind].contains("rates"))
    return nullptr;
  for (const auto& r : results["relay"][kind]["rates"])
    if (r["rate"].get<double>() == rate) return &r;
  return nullptr;
}

double num(const json& j, const char* key) {
  return j.contains(key) && j[key].is_number() ? j[key].get<double>() : 0.0;
}

}  // namespace

json collect_meta(bool smoke, int io_threads, const std::string& peerjs_dir) {
  std::time_t t = std::time(nullptr);
  char date[64];
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", std::gmtime(&t));
  utsname u{};
  uname(&u);
  std::string cpu = shell("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'");
  std::string commit = shell("git rev-parse --short HEAD");
  if (!shell("git status --porcelain -- src include bench").empty()) commit += " (with uncommitted changes)";
  std::string peer = shell("node -p \"require('" + peerjs_dir + "/node_modules/peer/package.json').version\"");
  return json{{"date", date},
              {"smoke", smoke},
              {"machine",
               {{"cores", sysconf(_SC_NPROCESSORS_ONLN)},
                {"cpu", cpu},
                {"memory_gib",
                 static_cast<double>(sysconf(_SC_PHYS_PAGES)) * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1 << 30)},
                {"kernel", std::string(u.sysname) + " " + u.release},
                {"open_files_limit", shell("ulimit -n")}}},
              {"versions",
               {{"swirl_commit", commit},
                {"compiler", shell("clang++ --version | head -1")},
                {"boost", BOOST_LIB_VERSION},
                {"node", shell("node --version")},
                {"peer", peer}}},
              {"swirl_flags",
               {{"io_threads", io_threads},
                {"ws_rate", 100000},
                {"ws_burst", 100000},
                {"resume_grace_ms", 1000},
                {"database", "sqlite"},
                {"log_level", "warn"}}}};
}

std::vector<TargetRow> evaluate(const json& r) {
  std::vector<TargetRow> rows;
  auto verdict = [](bool ok) { return std::string(ok ? "met" : "MISSED"); };
  // 1. idle memory
  if (r.contains("idle") && r["idle"].contains("swirl") && r["idle"]["swirl"].contains("rss_slope_kib_per_conn")) {
    double s = r["idle"]["swirl"]["rss_slope_kib_per_conn"].get<double>();
    double p = r["idle"].contains("peerjs") ? num(r["idle"]["peerjs"], "rss_slope_kib_per_conn") : 0;
    double limit = p > 0 ? std::min(2.5, p / 3) : 2.5;
    rows.push_back({"Idle: RSS per joined connection (slope, KiB)", fmt(s), p > 0 ? fmt(p) : "-",
                    p > 0 ? fmt(s / p) : "-", "<= 1/3 of PeerJS and <= 2.5 KiB", verdict(s <= limit)});
    const auto& st = r["idle"]["swirl"]["steps"].back();
    const json* pst = r["idle"].contains("peerjs") && r["idle"]["peerjs"].contains("steps")
                          ? &r["idle"]["peerjs"]["steps"].back()
                          : nullptr;
    rows.push_back(
        {"Idle: connect+join of the last step (" + std::to_string(st["connections"].get<int>()) + " total), s",
         fmt(num(st, "step_elapsed_s")), pst ? fmt(num(*pst, "step_elapsed_s")) : "-",
         pst ? fmt(num(st, "step_elapsed_s") / num(*pst, "step_elapsed_s")) : "-", "(no target)", "n/a"});
  }
  // 2. relay
  if (r.contains("relay") && r["relay"].contains("swirl") && r["relay"]["swirl"].contains("rates")) {
    for (const auto& sr : r["relay"]["swirl"]["rates"]) {
      double rate = sr["rate"].get<double>();
      std::string at = " @ " + fmt(rate / 1000, rate < 1000 ? 1 : 0) + "k/s";
      const json* pr = find_rate(r, "peerjs", rate);
      const json* br = find_rate(r, "bare", rate);
      double su = num(sr, "user_us_per_msg"), ss = num(sr, "sys_us_per_msg"), st = num(sr, "cpu_us_per_msg");
      bool full = num(sr, "delivered") == 1.0;
      rows.push_back({"Relay: delivered/sent" + at, fmt(100 * num(sr, "delivered"), 3) + "%",
                      pr ? fmt(100 * num(*pr, "delivered"), 3) + "%" : "-", "-", "100%", verdict(full)});
      if (pr) {
        double pu = num(*pr, "user_us_per_msg"), pt = num(*pr, "cpu_us_per_msg");
        rows.push_back({"Relay: user CPU per message (us)" + at, fmt(su), fmt(pu), fmt(su / pu, 3), "<= 1/8 of PeerJS",
                        verdict(su <= pu / 8)});
        if (sr.contains("sampled_user_us_per_msg") && pr->contains("sampled_user_us_per_msg")) {
          // The same target on perf's split (proc_stats.hpp: CpuSampler); the io_uring relay's
          // figure says what a relay without application logic reaches here.
          double ssu = num(sr, "sampled_user_us_per_msg"), psu = num(*pr, "sampled_user_us_per_msg");
          const json* ur = find_rate(r, "uring", rate);
          std::string floor = ur && ur->contains("sampled_user_us_per_msg")
                                  ? " (io_uring relay: " + fmt(num(*ur, "sampled_user_us_per_msg")) + ")"
                                  : "";
          rows.push_back({"Relay: user CPU per message, perf-sampled split (us)" + at, fmt(ssu), fmt(psu) + floor,
                          fmt(ssu / psu, 3), "<= 1/8 of PeerJS", verdict(ssu <= psu / 8)});
        }
        rows.push_back({"Relay: total CPU per message (us)" + at, fmt(st), fmt(pt), fmt(st / pt, 3), "<= 1/2 of PeerJS",
                        verdict(st <= pt / 2)});
      }
      if (br) {
        double bs = num(*br, "sys_us_per_msg");
        rows.push_back({"Relay: system CPU per message (us), vs bare relay" + at, fmt(ss), fmt(bs) + " (bare)",
                        fmt(ss / bs, 3), "<= bare relay's (+10% noise)", verdict(ss <= bs * 1.10)});
      }
      double p99 = sr["latency"].value("p99_ms", 0.0);
      std::string limit = rate <= 5000 ? "<= 1 ms" : rate >= 20000 ? "<= 3 ms" : "(between 1 and 3 ms)";
      bool ok = rate <= 5000 ? p99 <= 1.0 : rate >= 20000 ? p99 <= 3.0 : p99 <= 3.0;
      rows.push_back({"Relay: latency p99 (ms)" + at, fmt(p99, 3),
                      pr ? fmt((*pr)["latency"].value("p99_ms", 0.0), 3) : "-",
                      pr ? fmt(p99 / (*pr)["latency"].value("p99_ms", 1.0), 3) : "-", limit, verdict(ok)});
    }
  }
  // 3. storm
  if (r.contains("storm") && r["storm"].contains("swirl") && r["storm"]["swirl"].contains("all_matched_s")) {
    const auto& s = r["storm"]["swirl"];
    rows.push_back({"Join storm: " + std::to_string(s["users"].get<int>()) + " users / " +
                        std::to_string(s["lobbies"].get<int>()) + " lobbies until all matched (s)",
                    fmt(num(s, "all_matched_s")), "-", "-", "(no target; every user matched)",
                    s.contains("errors") ? "MISSED" : "met"});
  }
  // 4. churn
  if (r.contains("churn") && r["churn"].contains("swirl") && r["churn"]["swirl"].contains("cpu_ms_per_cycle")) {
    const auto& s = r["churn"]["swirl"];
    const json* p = r["churn"].contains("peerjs") && r["churn"]["peerjs"].contains("cpu_ms_per_cycle")
                        ? &r["churn"]["peerjs"]
                        : nullptr;
    double sc = num(s, "cpu_ms_per_cycle");
    rows.push_back({"Churn: CPU per connect..close cycle (ms)", fmt(sc, 3),
                    p ? fmt(num(*p, "cpu_ms_per_cycle"), 3) : "-", p ? fmt(sc / num(*p, "cpu_ms_per_cycle"), 3) : "-",
                    "<= 1/4 of PeerJS", p ? verdict(sc <= num(*p, "cpu_ms_per_cycle") / 4) : "n/a"});
    double base = num(s["baseline"], "rss_kib");
    double drss = num(s, "rss_delta_kib");
    bool back = num(s, "fds_delta") <= 0 && drss <= std::max(512.0, 0.02 * base);
    rows.push_back({"Churn: RSS / fds after vs before (KiB / count)",
                    fmt(drss, 0) + " / " + fmt(num(s, "fds_delta"), 0),
                    p ? fmt(num(*p, "rss_delta_kib"), 0) + " / " + fmt(num(*p, "fds_delta"), 0) : "-", "-",
                    "back to baseline (fds 0, RSS within max(512 KiB, 2%))", verdict(back)});
  }
  // 4b. connection cost (issue 12): connect → join → close
  if (r.contains("conncost") && r["conncost"].contains("swirl") &&
      r["conncost"]["swirl"].contains("cpu_ms_per_cycle")) {
    const auto& s = r["conncost"]["swirl"];
    const json* p = r["conncost"].contains("peerjs") && r["conncost"]["peerjs"].contains("cpu_ms_per_cycle")
                        ? &r["conncost"]["peerjs"]
                        : nullptr;
    double rate = 2 * num(s, "rate_pairs_per_s");
    double sc = num(s, "cpu_ms_per_cycle"), ss = num(s, "sys_ms_per_cycle");
    rows.push_back({"Connect-join-close: CPU per cycle (ms) @ " + fmt(rate, 0) + "/s", fmt(sc, 3),
                    p ? fmt(num(*p, "cpu_ms_per_cycle"), 3) : "-", p ? fmt(sc / num(*p, "cpu_ms_per_cycle"), 3) : "-",
                    "<= 1/2 of PeerJS", p ? verdict(sc <= num(*p, "cpu_ms_per_cycle") / 2) : "n/a"});
    rows.push_back({"Connect-join-close: kernel CPU per cycle (ms) @ " + fmt(rate, 0) + "/s", fmt(ss, 3),
                    p ? fmt(num(*p, "sys_ms_per_cycle"), 3) : "-", p ? fmt(ss / num(*p, "sys_ms_per_cycle"), 3) : "-",
                    "<= PeerJS", p ? verdict(ss <= num(*p, "sys_ms_per_cycle")) : "n/a"});
  }
  // 5. matcher
  if (r.contains("matcher") && r["matcher"].contains("swirl") && r["matcher"]["swirl"].contains("timing")) {
    double worst_median = 0, worst_max = 0;
    for (const auto& row : r["matcher"]["swirl"]["timing"])
      if (row["users"].get<int>() == 10000) {
        worst_median = std::max(worst_median, row["median_ms"].get<double>());
        worst_max = std::max(worst_max, row["max_ms"].get<double>());
      }
    rows.push_back({"Matchmaking: 10k ready users, one round (ms, worst median / worst max of 4 configs)",
                    fmt(worst_median) + " / " + fmt(worst_max), "-", "-", "<= 20 ms", verdict(worst_max <= 20)});
  }
  // 6. fan-out
  if (r.contains("fanout") && r["fanout"].contains("swirl") && r["fanout"]["swirl"].contains("rates")) {
    double worst = 0;
    std::string cpu_cells;
    for (const auto& row : r["fanout"]["swirl"]["rates"]) {
      worst = std::max(worst, num(row, "snapshots_per_member_per_s"));
      if (!cpu_cells.empty()) cpu_cells += ", ";
      cpu_cells += fmt(100 * num(row, "cpu_fraction_of_core"), 0) + "%@" + fmt(num(row, "rate"), 0) + "/s";
    }
    rows.push_back({"Fan-out: lobby_status snapshots per member per second (max over rates)", fmt(worst), "-", "-",
                    "<= 10 (100 ms coalescing) at every change rate", verdict(worst <= 10.5)});
    rows.push_back({"Fan-out: server CPU (share of a core) by change rate", cpu_cells, "-", "-",
                    "flat as the rate grows", "see fan-out table"});
  }
  // 7. flood isolation
  if (r.contains("flood") && r["flood"].contains("swirl") && r["flood"]["swirl"].contains("flood")) {
    const auto& f = r["flood"]["swirl"];
    double quiet = num(f["quiet"]["latency"], "p99_ms"), flooded = num(f["flood"]["latency"], "p99_ms");
    rows.push_back({"Flood isolation: another lobby's relay p99 without / during a flood at the limit (ms)",
                    fmt(quiet, 3) + " / " + fmt(flooded, 3), "-", quiet > 0 ? fmt(flooded / quiet) : "-",
                    "no worse than 2x, or within 1 ms", verdict(flooded <= std::max(2 * quiet, quiet + 1.0))});
  }
  return rows;
}

std::string summary_table_text(const std::vector<TargetRow>& rows) {
  std::ostringstream out;
  char line[512];
  std::snprintf(line, sizeof line, "%-62s %18s %16s %8s  %s\n", "metric", "Swirl", "reference", "ratio",
                "verdict (target)");
  out << line;
  for (const auto& r : rows) {
    std::snprintf(line, sizeof line, "%-62.62s %18s %16s %8s  %s (%s)\n", r.what.c_str(), r.swirl.c_str(),
                  r.reference.c_str(), r.ratio.c_str(), r.verdict.c_str(), r.target.c_str());
    out << line;
  }
  return out.str();
}

void write_docs(const json& r, const std::vector<TargetRow>& rows, const std::string& docs_dir,
                const std::string& work_dir, const std::string& notes_path) {
  // The plot: latency percentiles against offered rate, every relay target.
  std::string data = work_dir + "/latency.dat";
  {
    std::ofstream d(data);
    for (const char* kind : {"swirl", "peerjs", "bare", "uring"}) {
      d << "# " << kind << "\n";
      if (r.contains("relay") && r["relay"].contains(kind) && r["relay"][kind].contains("rates"))
        for (const auto& row : r["relay"][kind]["rates"])
          d << row["rate"].get<double>() << ' ' << row["latency"].value("p50_ms", 0.0) << ' '
            << row["latency"].value("p99_ms", 0.0) << ' ' << row["latency"].value("max_ms", 0.0) << '\n';
      d << "\n\n";
    }
  }
  std::string png = docs_dir + "/benchmarks-latency.png";
  std::string script = work_dir + "/latency.gp";
  {
    std::ofstream g(script);
    g << "set terminal pngcairo size 900,520 font 'sans,10'\n"
      << "set output '" << png << "'\n"
      << "set title 'Relay latency vs offered rate (" << r["meta"]["date"].get<std::string>() << ", "
      << r["meta"]["machine"]["cores"].get<int>() << " cores, same run)'\n"
      << "set xlabel 'offered rate (messages/s)'\nset ylabel 'latency (ms, log scale)'\n"
      << "set logscale y\nset grid\nset key top left\nset xtics ('2k' 2000, '5k' 5000, '10k' 10000, '20k' 20000)\n"
      << "plot '" << data << "' index 0 using 1:2 with linespoints lw 2 lc rgb '#1f77b4' title 'Swirl p50', "
      << "'' index 0 using 1:3 with linespoints lw 2 dt 2 lc rgb '#1f77b4' title 'Swirl p99', "
      << "'' index 1 using 1:2 with linespoints lw 2 lc rgb '#d62728' title 'PeerJS p50', "
      << "'' index 1 using 1:3 with linespoints lw 2 dt 2 lc rgb '#d62728' title 'PeerJS p99', "
      << "'' index 2 using 1:3 with linespoints lw 1 dt 3 lc rgb '#7f7f7f' title 'bare Beast relay p99'";
    if (r.contains("relay") && r["relay"].contains("uring") && r["relay"]["uring"].contains("rates"))
      g << ", '' index 3 using 1:3 with linespoints lw 1 dt 4 lc rgb '#2ca02c' title 'bare io_uring relay p99'";
    g << "\n";
  }
  if (std::system(("gnuplot " + script).c_str()) != 0)
    std::fprintf(stderr, "gnuplot failed; the plot was not updated\n");

  const auto& m = r["meta"];
  std::ostringstream md;
  md << "# Swirl benchmarks\n\n"
     << "Generated by `scripts/bench.sh` (do not edit by hand: the hand-written part lives in `bench/notes.md`).\n"
     << "Every scenario runs Swirl and the PeerJS server (npm `peer`) one after the other in the same invocation on "
        "the same\n"
     << "machine, over 127.0.0.1; the load generator is C++/Beast (`bench/loadgen/`), split across processes, and the\n"
     << "servers are measured from outside through `/proc/PID` (RSS, utime+stime, schedstat, open fds).\n\n"
     << "* **Date:** " << m["date"].get<std::string>()
     << (m["smoke"].get<bool>() ? " — **smoke run (tiny sizes, not meaningful)**" : "") << "\n"
     << "* **Machine:** " << m["machine"]["cores"] << " cores, " << m["machine"]["cpu"].get<std::string>() << ", "
     << fmt(m["machine"]["memory_gib"].get<double>(), 0) << " GiB, " << m["machine"]["kernel"].get<std::string>()
     << ", open files limit " << m["machine"]["open_files_limit"].get<std::string>() << "\n"
     << "* **Versions:** Swirl " << m["versions"]["swirl_commit"].get<std::string>() << ", "
     << m["versions"]["compiler"].get<std::string>() << ", Boost " << m["versions"]["boost"].get<std::string>()
     << "; PeerJS server `peer` " << m["versions"]["peer"].get<std::string>() << " on Node "
     << m["versions"]["node"].get<std::string>() << "\n"
     << "* **Swirl flags:** `"
     << (m["swirl_flags"]["io_threads"].get<int>() > 0
             ? "--io-threads=" + std::to_string(m["swirl_flags"]["io_threads"].get<int>()) + " "
             : std::string())
     << "--ws-rate=100000 --ws-burst=100000 --resume-grace-ms=1000"
     << " --log-level=warn --database=sqlite:…`, per-address abuse limits off, io and db threads at the server's "
        "defaults unless `--io-threads` is shown (Release build). PeerJS: "
        "`concurrent_limit: 100000`.\n"
     << "* **Run time:** " << fmt(m.value("run_seconds", 0.0), 0) << " s for all scenarios (plus the build).\n\n"
     << "## Targets\n\n| metric | Swirl | reference (same run) | ratio | target | verdict "
        "|\n|---|---|---|---|---|---|\n";
  for (const auto& row : rows)
    md << "| " << row.what << " | " << row.swirl << " | " << row.reference << " | " << row.ratio << " | " << row.target
       << " | " << (row.verdict == "MISSED" ? "**MISSED**" : row.verdict) << " |\n";

  md << "\n## 1. Idle hold\n\nConnected, joined users (Swirl: 100 per lobby, welcome received; PeerJS: OPEN received), "
        "added in steps.\n\n"
     << "| server | connections | RSS (KiB) | (RSS − baseline) / conn (KiB) | fds | step connect+join (s) | "
        "per-connection p50 / p99 (ms) |\n|---|---|---|---|---|---|---|\n";
  for (const char* kind : {"swirl", "peerjs"})
    if (r.contains("idle") && r["idle"].contains(kind) && r["idle"][kind].contains("steps")) {
      const auto& k = r["idle"][kind];
      md << "| " << kind << " | 0 | " << k["baseline"]["rss_kib"] << " | | " << k["baseline"]["fds"] << " | | |\n";
      for (const auto& s : k["steps"])
        md << "| " << kind << " | " << s["connections"] << " | " << s["rss_kib"] << " | "
           << fmt(num(s, "rss_per_conn_kib")) << " | " << s["fds"] << " | " << fmt(num(s, "step_elapsed_s")) << " | "
           << fmt(num(s, "connect_join_p50_ms")) << " / " << fmt(num(s, "connect_join_p99_ms")) << " |\n";
      md << "| " << kind << " | **slope** | | **" << fmt(num(k, "rss_slope_kib_per_conn")) << " KiB/conn** | | | |\n";
    }
  if (r.contains("idle") && r["idle"].contains("swirl") && r["idle"]["swirl"].contains("steps")) {
    const auto& k = r["idle"]["swirl"];
    double slope = num(k, "rss_slope_kib_per_conn");
    double base = num(k["baseline"], "rss_kib");
    md << "\n**100k users on one node (projection from the measured slope):** RSS ≈ " << fmt(base / 1024, 0)
       << " MiB + 100,000 × " << fmt(slope) << " KiB ≈ " << fmt((base + slope * 100000) / 1024, 0)
       << " MiB of user space, plus kernel socket memory "
       << "(not in RSS: roughly 100k × a few KiB of idle socket buffers on loopback; more with real RTTs). It needs an "
          "open-files "
       << "limit above 100k for the server (`LimitNOFILE=200000`), `net.core.somaxconn` and the accept backlog large "
          "enough for "
       << "reconnect storms, and clients spread over many source addresses or ports (one client host reaches ~28k "
          "ephemeral ports "
       << "per server port); on this machine the 20,000-file limit caps one process at about 19,900 connections.\n";
  }

  md << "\n## 2. Relay\n\nMatched pairs exchange a realistic negotiation (one ~3 KB offer, one ~2.5 KB answer, 8 ICE "
        "candidates of ~200 B each way),"
        " open loop at a fixed offered rate, round-robin over the pairs. Latency is sender clock to receiver clock "
        "(CLOCK_MONOTONIC, same machine)."
        " CPU is the server's, per delivered message; the user/system split follows the tick counters. `bare` is a "
        "Beast relay with no"
        " application logic (`swirl_loadgen serve-bare`), the floor for system CPU. `uring` is the same relay written "
        "straight on io_uring"
        " (`serve-uring`: one io_uring_enter per loop instead of epoll_wait + read + write), the floor for a relay "
        "with the fewest"
        " system calls on this machine. \"user (sampled)\" splits the same CPU by where `perf record -e cpu-clock` "
        "samples of the"
        " server landed (kernel or user address) instead of by the tick counters (bench/notes.md says why both are "
        "shown).\n\n"
     << "| server | pairs | rate (msg/s) | delivered | p50 / p99 / max (ms) | CPU µs/msg | user | system | user "
        "(sampled) | generator lag max (ms) |\n|---|---|---|---|---|---|---|---|---|---|\n";
  for (const char* kind : {"swirl", "peerjs", "bare", "uring"})
    if (r.contains("relay") && r["relay"].contains(kind) && r["relay"][kind].contains("rates"))
      for (const auto& s : r["relay"][kind]["rates"])
        md << "| " << kind << " | " << r["relay"][kind]["pairs"] << " | " << fmt(num(s, "rate"), 0) << " | "
           << fmt(100 * num(s, "delivered"), 3) << "% | " << fmt(s["latency"].value("p50_ms", 0.0), 3) << " / "
           << fmt(s["latency"].value("p99_ms", 0.0), 3) << " / " << fmt(s["latency"].value("max_ms", 0.0), 3) << " | "
           << fmt(num(s, "cpu_us_per_msg")) << " | " << fmt(num(s, "user_us_per_msg")) << " | "
           << fmt(num(s, "sys_us_per_msg")) << " | "
           << (s.contains("sampled_user_us_per_msg") ? fmt(num(s, "sampled_user_us_per_msg")) : std::string("-"))
           << " | " << fmt(num(s, "generator_max_lag_ms"), 3) << " |\n";
  md << "\n![Relay latency vs offered rate](benchmarks-latency.png)\n";

  if (r.contains("storm") && r["storm"].contains("swirl") && r["storm"]["swirl"].contains("all_matched_s")) {
    const auto& s = r["storm"]["swirl"];
    md << "\n## 3. Join storm (Swirl only: PeerJS has no lobbies)\n\n"
       << s["users"] << " users connect (500 at a time per worker, 2 workers), join " << s["lobbies"]
       << " lobbies and send `ready` at once.\n\n| all joined (s) | all matched (s) | matched | failed | connect→match "
          "p99 (ms) | server CPU (s: user / system) |\n|---|---|---|---|---|---|\n"
       << "| " << fmt(num(s, "all_joined_s")) << " | " << fmt(num(s, "all_matched_s")) << " | " << s["matched"] << " | "
       << s["failed"] << " | " << fmt(num(s, "connect_to_match_p99_ms"), 0) << " | " << fmt(num(s, "server_cpu_s"))
       << " (" << fmt(num(s, "server_user_s")) << " / " << fmt(num(s, "server_sys_s")) << ") |\n";
  }
  md << "\n## 4. Churn\n\nPairs start at a steady rate. Swirl: connect → join → ready → match → leave_match → close "
        "(both sides); PeerJS: connect → OPEN → close."
        " CPU is per user cycle. \"After\" is sampled 6 s after the last cycle, once resume grace (1 s), lobby idle "
        "shutdown (2 s) and the memory trim that follows (1 s) have passed; the baseline is sampled the same way after "
        "a warm-up round of 2000 pairs (it fills the bounded caches: SQLite pages, tokens).\n\n"
     << "| server | pairs | pairs/s | completed | failed | cycle p50 / p99 (ms) | CPU ms/cycle (user / sys) | RSS base "
        "→ peak → after (KiB) | fds base → peak → after |\n|---|---|---|---|---|---|---|---|---|\n";
  for (const char* kind : {"swirl", "peerjs"})
    if (r.contains("churn") && r["churn"].contains(kind) && r["churn"][kind].contains("cpu_ms_per_cycle")) {
      const auto& s = r["churn"][kind];
      md << "| " << kind << " | " << s["pairs"] << " | " << fmt(num(s, "rate_pairs_per_s"), 0) << " | "
         << s["completed_pairs"] << " | " << s["failed_pairs"] << " | " << fmt(s["cycle"].value("p50_ms", 0.0)) << " / "
         << fmt(s["cycle"].value("p99_ms", 0.0)) << " | " << fmt(num(s, "cpu_ms_per_cycle"), 3) << " ("
         << fmt(num(s, "user_ms_per_cycle"), 3) << " / " << fmt(num(s, "sys_ms_per_cycle"), 3) << ") | "
         << s["baseline"]["rss_kib"] << " → " << s["peak"]["rss_kib"] << " → " << s["after"]["rss_kib"] << " | "
         << s["baseline"]["fds"] << " → " << s["peak"]["fds"] << " → " << s["after"]["fds"] << " |\n";
    }
  if (r.contains("conncost")) {
    md << "\n## 4b. Connection cost (connect → join → close)\n\nUsers start at a steady rate, two per pair, each on "
          "its own connection. Swirl: connect (WebSocket upgrade with a token) → join (`welcome`) → close; PeerJS: "
          "connect → OPEN → close."
          " Default server flags but for the bench's resume grace (1 s). CPU is per user cycle, from the server's own "
          "counters (user / system = kernel).\n\n"
       << "| server | pairs | cycles/s | completed | failed | cycle p50 / p99 (ms) | CPU ms/cycle (user / sys) | RSS "
          "base → peak → after (KiB) |\n|---|---|---|---|---|---|---|---|\n";
    for (const char* kind : {"swirl", "peerjs"})
      if (r["conncost"].contains(kind) && r["conncost"][kind].contains("cpu_ms_per_cycle")) {
        const auto& s = r["conncost"][kind];
        md << "| " << kind << " | " << s["pairs"] << " | " << fmt(2 * num(s, "rate_pairs_per_s"), 0) << " | "
           << s["completed_pairs"] << " | " << s["failed_pairs"] << " | " << fmt(s["cycle"].value("p50_ms", 0.0))
           << " / " << fmt(s["cycle"].value("p99_ms", 0.0)) << " | " << fmt(num(s, "cpu_ms_per_cycle"), 3) << " ("
           << fmt(num(s, "user_ms_per_cycle"), 3) << " / " << fmt(num(s, "sys_ms_per_cycle"), 3) << ") | "
           << s["baseline"]["rss_kib"] << " → " << s["peak"]["rss_kib"] << " → " << s["after"]["rss_kib"] << " |\n";
      }
  }
  if (r.contains("matcher") && r["matcher"].contains("swirl") && r["matcher"]["swirl"].contains("timing")) {
    md << "\n## 5. Matchmaking (the matcher alone, `swirl_bench_matcher`)\n\n| ready users | group | when exhausted | "
          "history pairs | median ms/round | max ms/round | matched |\n|---|---|---|---|---|---|---|\n";
    for (const auto& row : r["matcher"]["swirl"]["timing"])
      md << "| " << row["users"] << " | " << row["group_size"] << " | " << row["when_exhausted"].get<std::string>()
         << " | " << row["history_pairs"] << " | " << fmt(num(row, "median_ms"), 3) << " | "
         << fmt(num(row, "max_ms"), 3) << " | " << fmt(100 * num(row, "matched_fraction"), 1) << "% |\n";
  }
  if (r.contains("fanout") && r["fanout"].contains("swirl") && r["fanout"]["swirl"].contains("rates")) {
    const auto& f = r["fanout"]["swirl"];
    md << "\n## 6. Lobby fan-out (Swirl only)\n\nOne lobby of " << f["members"]
       << " members; one member toggles `ready` at a steady rate; every member counts the `lobby_status` frames it "
          "receives.\n\n"
       << "| changes/s | changes | snapshots per member per s | status bytes per change | status MB/s delivered | "
          "server CPU µs per change | share of a core |\n|---|---|---|---|---|---|---|\n";
    for (const auto& row : f["rates"])
      md << "| " << fmt(num(row, "rate"), 0) << " | " << row["changes"] << " | "
         << fmt(num(row, "snapshots_per_member_per_s")) << " | " << fmt(num(row, "status_bytes_per_change"), 0) << " | "
         << fmt(num(row, "status_mb_per_s"), 1) << " | " << fmt(num(row, "cpu_us_per_change"), 0) << " | "
         << fmt(100 * num(row, "cpu_fraction_of_core"), 0) << "% |\n";
  }
  if (r.contains("flood") && r["flood"].contains("swirl") && r["flood"]["swirl"].contains("flood")) {
    const auto& f = r["flood"]["swirl"];
    const auto &fl = f["flood"]["flood"], &over = f["flood"]["over"];
    md << "\n## 7. Flood isolation (Swirl only)\n\nProduction limits (" << f["limit_rate"] << " messages/s, burst "
       << f["limit_burst"] << "). " << f["probe_pairs"] << " probe pairs in one lobby relay "
       << fmt(num(f, "probe_rate"), 0) << " signals/s in all, " << fmt(num(f, "seconds"), 1)
       << " s without and then with the flood: one connection in another lobby sends " << fl["message_bytes"]
       << "-byte signals to its peer at the most its limit lets through (its burst, then 97% of the rate), and one in "
          "a third lobby at twice the rate.\n\n"
       << "| phase | probe p50 / p99 / max (ms) | delivered | flood msgs/s | flooder refused / closed | over-limit "
          "connection |\n|---|---|---|---|---|---|\n";
    for (const char* phase : {"quiet", "flood"}) {
      const auto& p = f[phase];
      md << "| " << (std::string(phase) == "flood" ? "during the flood" : "without flood") << " | "
         << fmt(num(p["latency"], "p50_ms"), 3) << " / " << fmt(num(p["latency"], "p99_ms"), 3) << " / "
         << fmt(num(p["latency"], "max_ms"), 3) << " | " << p["probe_received"] << " / " << p["probe_sent"] << " | ";
      if (std::string(phase) == "flood")
        md << fmt(num(fl, "rate_per_s"), 1) << " | " << fl["rate_limited_errors"] << " / "
           << (fl["closed"].get<bool>() ? "closed" : "open") << " | closed " << over["close_code"] << " after "
           << fmt(num(over, "closed_after_s")) << " s |\n";
      else
        md << "- | - | - |\n";
    }
  }
  if (!notes_path.empty()) {
    std::ifstream notes(notes_path);
    if (notes) md << "\n" << std::string(std::istreambuf_iterator<char>(notes), {});
  }
  md << "\nRaw figures of this run: `bench/results/latest.json` (not committed).\n";
  std::ofstream(docs_dir + "/benchmarks.md") << md.str();
}

}  // namespace bench
