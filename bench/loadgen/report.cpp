#include "report.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <boost/version.hpp>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>

#include "report_format.hpp"
#include "rounds.hpp"

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
              // Other work on the machine shows here (the end's figure is added by the run).
              {"loadavg_start", shell("cut -d' ' -f1-3 /proc/loadavg")},
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
    // A server that lost cycles was saturated: its CPU per completed cycle is no comparison.
    auto judged = [&](bool met) {
      double lost = num(s, "failed_pairs") + (p ? num(*p, "failed_pairs") : 0.0);
      if (lost > 0) return "not comparable (" + fmt(2 * lost, 0) + " cycles lost)";
      return verdict(met);
    };
    // The figures are medians over interleaved rounds (rounds.hpp); the ratio cell adds the lowest
    // and highest of the per-round ratios (Swirl's round i over PeerJS's round i).
    auto ratio = [&](const char* key) -> std::string {
      if (!p) return "-";
      std::string cell = fmt(num(s, key) / num(*p, key), 3);
      if (auto range = round_ratio_range(s, *p, key))
        cell += " (rounds " + fmt(range->first, 3) + "-" + fmt(range->second, 3) + ")";
      return cell;
    };
    std::string ms = s.contains("rounds") ? "(ms, median)" : "(ms)";
    rows.push_back({"Connect-join-close: CPU per cycle " + ms + " @ " + fmt(rate, 0) + "/s", fmt(sc, 3),
                    p ? fmt(num(*p, "cpu_ms_per_cycle"), 3) : "-", ratio("cpu_ms_per_cycle"), "<= 1/2 of PeerJS",
                    p ? judged(sc <= num(*p, "cpu_ms_per_cycle") / 2) : "n/a"});
    // The kernel share from perf's samples (bench_connections.cpp) when both servers have it; the
    // tick counters' split otherwise.
    if (p && s.contains("sampled_sys_ms_per_cycle") && p->contains("sampled_sys_ms_per_cycle")) {
      double sk = num(s, "sampled_sys_ms_per_cycle"), pk = num(*p, "sampled_sys_ms_per_cycle");
      rows.push_back(
          {"Connect-join-close: kernel CPU per cycle (ms, median x perf-sampled kernel share) @ " + fmt(rate, 0) + "/s",
           fmt(sk, 3), fmt(pk, 3), fmt(sk / pk, 3), "<= PeerJS", judged(sk <= pk)});
    } else {
      rows.push_back({"Connect-join-close: kernel CPU per cycle " + ms + " @ " + fmt(rate, 0) + "/s", fmt(ss, 3),
                      p ? fmt(num(*p, "sys_ms_per_cycle"), 3) : "-", ratio("sys_ms_per_cycle"), "<= PeerJS",
                      p ? judged(ss <= num(*p, "sys_ms_per_cycle")) : "n/a"});
    }
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
  // The ratio column is as wide as its widest cell (connection cost adds its per-round range).
  int ratio_width = 8;
  for (const auto& r : rows) ratio_width = std::max(ratio_width, static_cast<int>(r.ratio.size()));
  std::snprintf(line, sizeof line, "%-62s %18s %16s %*s  %s\n", "metric", "Swirl", "reference", ratio_width, "ratio",
                "verdict (target)");
  out << line;
  for (const auto& r : rows) {
    std::snprintf(line, sizeof line, "%-62.62s %18s %16s %*s  %s (%s)\n", r.what.c_str(), r.swirl.c_str(),
                  r.reference.c_str(), ratio_width, r.ratio.c_str(), r.verdict.c_str(), r.target.c_str());
    out << line;
  }
  return out.str();
}

}  // namespace bench
