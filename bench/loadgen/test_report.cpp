// The report's rules for the connection-cost rounds (rounds.hpp, report.cpp, report_docs.cpp):
// the ABBA order, the medians, the per-round ratios, the targets rows and the 4b table, from a
// run's JSON as the scenario writes it.

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "report.hpp"
#include "report_format.hpp"
#include "rounds.hpp"

using namespace bench;

namespace {

json round_row(int order, int round, double cpu, double user, double sys, int completed, int failed, double p50,
               double p99) {
  return {{"order", order},
          {"round", round},
          {"loadavg_start", "0.5" + std::to_string(order) + " 0.40 0.30"},
          {"completed_pairs", completed},
          {"failed_pairs", failed},
          {"failures", json::object()},
          {"elapsed_s", 20.0},
          {"cycle",
           {{"count", 2 * completed},
            {"p50_ms", p50},
            {"p90_ms", p50 + 1},
            {"p99_ms", p99},
            {"p999_ms", p99 + 1},
            {"max_ms", p99 + 10 * round}}},
          {"cpu_ms_per_cycle", cpu},
          {"user_ms_per_cycle", user},
          {"sys_ms_per_cycle", sys}};
}

// A server's result as Bench::conncost writes it, from its rounds.
json conncost_result(const json& rounds) {
  json s = summarize_rounds(rounds);
  s["pairs"] = 3000;
  s["warmup_pairs"] = 600;
  s["rate_pairs_per_s"] = 150.0;
  s["rest_s"] = 6.0;
  s["rounds"] = rounds;
  for (const char* at : {"baseline", "peak", "after"})
    s[at] = {{"rss_kib", 1000}, {"fds", 20}, {"user_s", 0.0}, {"sys_s", 0.0}, {"runtime_s", 0.0}};
  s["rss_delta_kib"] = 0;
  s["fds_delta"] = 0;
  return s;
}

// Swirl's medians come from different rounds (cpu: round 3, user and sys: round 2), so a median
// taken of one round's figures, or a mean, gives other numbers. In the ABBA order of three rounds
// each, Swirl ran 1st, 4th and 5th, PeerJS 2nd, 3rd and 6th.
json three_rounds() {
  json swirl = json::array({round_row(1, 1, 0.30, 0.10, 0.20, 3000, 0, 0.8, 2.0),
                            round_row(4, 2, 0.20, 0.12, 0.08, 2999, 1, 1.0, 3.0),
                            round_row(5, 3, 0.22, 0.15, 0.07, 3000, 0, 0.9, 2.5)});
  json peerjs = json::array({round_row(2, 1, 0.50, 0.38, 0.12, 3000, 0, 1.6, 4.0),
                             round_row(3, 2, 0.60, 0.45, 0.15, 3000, 0, 1.7, 5.0),
                             round_row(6, 3, 0.40, 0.30, 0.10, 3000, 0, 1.5, 4.5)});
  return {{"swirl", conncost_result(swirl)}, {"peerjs", conncost_result(peerjs)}};
}

const TargetRow& row_starting(const std::vector<TargetRow>& rows, const std::string& prefix) {
  for (const auto& r : rows)
    if (r.what.rfind(prefix, 0) == 0) return r;
  FAIL("no row " << prefix);
  return rows.front();
}

// A targets row's cells, all of them.
void check_row(const TargetRow& row, const std::string& what, const std::string& swirl, const std::string& reference,
               const std::string& ratio, const std::string& verdict) {
  CHECK(row.what == what);
  CHECK(row.swirl == swirl);
  CHECK(row.reference == reference);
  CHECK(row.ratio == ratio);
  CHECK(row.verdict == verdict);
}

// A run's "meta" as the bench writes it (what the docs' header reads).
json test_meta() {
  return {
      {"date", "2026-12-07 00:00 UTC"},
      {"smoke", false},
      {"loadavg_start", "0.1 0.2 0.3"},
      {"machine",
       {{"cores", 2}, {"cpu", "test"}, {"memory_gib", 4.0}, {"kernel", "Linux"}, {"open_files_limit", "20000"}}},
      {"versions", {{"swirl_commit", "abc"}, {"compiler", "clang"}, {"boost", "1_81"}, {"node", "v18"}, {"peer", "1"}}},
      {"swirl_flags", {{"io_threads", 0}}}};
}

// docs/benchmarks.md as write_docs renders it for `results`, written to a scratch directory.
std::string rendered_docs(const json& results) {
  char tmpl[] = "/tmp/swirl-report-test.XXXXXX";
  const char* dir = mkdtemp(tmpl);
  REQUIRE(dir);
  write_docs(results, evaluate(results), dir, dir, "");
  std::ifstream in(std::string(dir) + "/benchmarks.md");
  std::stringstream md;
  md << in.rdbuf();
  std::filesystem::remove_all(dir);
  return md.str();
}

}  // namespace

TEST_CASE("Connection cost rounds run in ABBA order", "[bench][report]") {
  CHECK(abba_order({"swirl", "peerjs"}, 3) ==
        std::vector<std::string>{"swirl", "peerjs", "peerjs", "swirl", "swirl", "peerjs"});
  CHECK(abba_order({"swirl", "peerjs"}, 1) == std::vector<std::string>{"swirl", "peerjs"});
  CHECK(abba_order({"peerjs"}, 3) == std::vector<std::string>{"peerjs", "peerjs", "peerjs"});
}

TEST_CASE("The median is the middle value, or the mean of the middle two", "[bench][report]") {
  CHECK(median({0.30, 0.20, 0.22}) == Approx(0.22));
  CHECK(median({4, 1, 3, 2}) == Approx(2.5));
  CHECK(median({7}) == Approx(7));
  CHECK(median({}) == 0);
}

TEST_CASE("A server's conncost figures are the medians of its rounds, each taken separately", "[bench][report]") {
  auto s = three_rounds()["swirl"];
  CHECK(s["cpu_ms_per_cycle"].get<double>() == Approx(0.22));
  CHECK(s["user_ms_per_cycle"].get<double>() == Approx(0.12));
  CHECK(s["sys_ms_per_cycle"].get<double>() == Approx(0.08));
  CHECK(s["completed_pairs"].get<int>() == 8999);
  CHECK(s["failed_pairs"].get<int>() == 1);
  CHECK(s["elapsed_s"].get<double>() == Approx(60));
  CHECK(s["cycle"]["p50_ms"].get<double>() == Approx(0.9));
  CHECK(s["cycle"]["p99_ms"].get<double>() == Approx(2.5));
  CHECK(s["cycle"]["max_ms"].get<double>() == Approx(32.5));
  CHECK(s["cycle"]["count"].get<int>() == 2 * 8999);

  SECTION("an even number of rounds takes the mean of the middle two") {
    json rounds =
        json::array({round_row(1, 1, 0.40, 0.2, 0.2, 10, 0, 1, 2), round_row(4, 2, 0.10, 0.1, 0.0, 10, 0, 1, 2),
                     round_row(5, 3, 0.20, 0.1, 0.1, 10, 0, 1, 2), round_row(8, 4, 0.30, 0.2, 0.1, 10, 0, 1, 2)});
    CHECK(summarize_rounds(rounds)["cpu_ms_per_cycle"].get<double>() == Approx(0.25));
  }
}

TEST_CASE("The targets rows compare the medians and show the per-round ratios' range", "[bench][report]") {
  json results = {{"conncost", three_rounds()}};
  // Round i against round i: 0.30/0.50, 0.20/0.60, 0.22/0.40 = 0.6, 0.333, 0.55 (sys: 1.667,
  // 0.533, 0.7). Pairing the rounds by rank instead would give other ranges.
  auto range = round_ratio_range(results["conncost"]["swirl"], results["conncost"]["peerjs"], "cpu_ms_per_cycle");
  REQUIRE(range);
  CHECK(range->first == Approx(0.2 / 0.6));
  CHECK(range->second == Approx(0.6));

  auto rows = evaluate(results);
  // One Swirl pair failed in round 2: no verdict on CPU per completed cycle.
  check_row(row_starting(rows, "Connect-join-close: CPU per cycle"),
            "Connect-join-close: CPU per cycle (ms, median) @ 300/s", "0.220", "0.500", "0.440 (rounds 0.333-0.600)",
            "not comparable (2 cycles lost)");
  const auto& sys = row_starting(rows, "Connect-join-close: kernel CPU per cycle");
  CHECK(sys.swirl == "0.080");
  CHECK(sys.reference == "0.120");
  CHECK(sys.ratio == "0.667 (rounds 0.533-1.667)");

  SECTION("with no cycle lost, the verdicts judge the medians") {
    results["conncost"]["swirl"]["failed_pairs"] = 0;
    rows = evaluate(results);
    CHECK(row_starting(rows, "Connect-join-close: CPU per cycle").verdict == "met");  // 0.22 <= 0.50 / 2
    CHECK(row_starting(rows, "Connect-join-close: kernel CPU").verdict == "met");     // 0.08 <= 0.12
    results["conncost"]["swirl"]["cpu_ms_per_cycle"] = 0.26;
    CHECK(row_starting(evaluate(results), "Connect-join-close: CPU per cycle").verdict == "MISSED");
  }
  SECTION("the printed table widens its ratio column for the range") {
    auto text = summary_table_text(rows);
    CHECK(text.find("0.440 (rounds 0.333-0.600)  not comparable") != std::string::npos);
  }
}

TEST_CASE("Section 4b lists every round and each server's median line", "[bench][report]") {
  json results = {{"meta", test_meta()}, {"conncost", three_rounds()}};
  std::string text = rendered_docs(results);
  CHECK(text.find("(this run: swirl, peerjs, peerjs, swirl, swirl, peerjs;") != std::string::npos);
  CHECK(text.find("warm-up round of 600 pairs") != std::string::npos);
  CHECK(text.find("no sooner than 6.0 s after") != std::string::npos);
  CHECK(text.find(
            "| swirl | 2 (#4) | 3000 | 300 | 2999 | 1 | 1.00 / 3.00 | 0.200 (0.120 / 0.080) | 0.54 0.40 0.30 | |") !=
        std::string::npos);
  CHECK(text.find("| peerjs | 3 (#6) | 3000 | 300 | 3000 | 0 | 1.50 / 4.50 | 0.400 (0.300 / 0.100) |") !=
        std::string::npos);
  CHECK(text.find("| swirl | **median of 3** | 3 × 3000 | 300 | 8999 | 1 | 0.90 / 2.50 | **0.220 (0.120 / 0.080)** | | "
                  "1000 → 1000 → 1000 |") != std::string::npos);
  CHECK(
      text.find("| peerjs | **median of 3** | 3 × 3000 | 300 | 9000 | 0 | 1.60 / 4.50 | **0.500 (0.380 / 0.120)** |") !=
      std::string::npos);
}

TEST_CASE("The kernel target is judged on perf's split of the medians when both servers have one", "[bench][report]") {
  json results = {{"conncost", three_rounds()}};
  results["conncost"]["swirl"]["failed_pairs"] = 0;
  // The tick split says Swirl's kernel time is 0.08 against 0.12 (met); perf's samples say 45 %
  // of Swirl's 0.22 (0.099) against 15 % of PeerJS's 0.50 (0.075): missed.
  add_sampled_split(results["conncost"]["swirl"], {{"pairs", 3000}, {"user_fraction", 0.55}, {"samples", 4000}});
  add_sampled_split(results["conncost"]["peerjs"], {{"pairs", 3000}, {"user_fraction", 0.85}, {"samples", 9000}});
  CHECK(num(results["conncost"]["swirl"], "sampled_sys_ms_per_cycle") == Approx(0.22 * 0.45));
  CHECK(num(results["conncost"]["swirl"], "sampled_user_ms_per_cycle") == Approx(0.22 * 0.55));
  CHECK(num(results["conncost"]["peerjs"], "sampled_sys_ms_per_cycle") == Approx(0.50 * 0.15));
  auto rows = evaluate(results);
  check_row(row_starting(rows, "Connect-join-close: kernel CPU per cycle"),
            "Connect-join-close: kernel CPU per cycle (ms, median x perf-sampled kernel share) @ 300/s", "0.099",
            "0.075", "1.320", "MISSED");

  SECTION("without perf's split on one side, the tick split decides") {
    add_sampled_split(results["conncost"]["peerjs"], {{"pairs", 3000}, {"error", "perf is not installed"}});
    CHECK_FALSE(results["conncost"]["peerjs"].contains("sampled_sys_ms_per_cycle"));
    auto tick_rows = evaluate(results);
    const auto& tick = row_starting(tick_rows, "Connect-join-close: kernel CPU per cycle");
    CHECK(tick.what == "Connect-join-close: kernel CPU per cycle (ms, median) @ 300/s");
    CHECK(tick.verdict == "met");  // 0.08 <= 0.12
  }
  SECTION("section 4b shows each server's split") {
    results["meta"] = test_meta();
    results["conncost"]["swirl"]["sampled"]["cpu_ms_per_cycle"] = 0.31;
    CHECK(rendered_docs(results).find("| swirl | 4000 | 45.0% | 0.220 | **0.099** | 0.121 | 0.310 |") !=
          std::string::npos);
  }
}
