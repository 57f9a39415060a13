#include "bench.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "report.hpp"
#include "uring_relay.hpp"

namespace bench {

using namespace std::chrono_literals;

std::size_t Sizes::users() const {
  // Connection cost creates its own users, round by round (Bench::conncost).
  return std::max(
      {idle_steps.back(), storm_users, 2 * relay_pairs, 2 * (churn_pairs + churn_warmup_pairs), fanout_members});
}

Sizes Sizes::smoke() {
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
  s.conn_rounds = 1;
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

Bench::Bench(Options o) : opt_(std::move(o)), size_(opt_.smoke ? Sizes::smoke() : Sizes{}) {
  if (!opt_.relay_rates.empty()) size_.relay_rates = opt_.relay_rates;
  if (opt_.relay_seconds > 0) size_.relay_seconds = opt_.relay_seconds;
  if (opt_.soak_seconds > 0) size_.soak_seconds = opt_.soak_seconds;
  if (opt_.conncost_rounds > 0) size_.conn_rounds = opt_.conncost_rounds;
}

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
            // The bench's clients signal but carry no media, so they never send media_flowing: without
            // this, every match older than 20 s ends with no_media and the relay's signals are refused.
            "--no-media-timeout-ms=0",
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
  if (users_.size() < size_.users()) add_users(port, size_.users() - users_.size());
}

std::size_t Bench::add_users(std::uint16_t port, std::size_t n) {
  auto t0 = std::chrono::steady_clock::now();
  std::size_t first = users_.size();
  std::vector<HttpJob> jobs;
  for (std::size_t i = first; i < first + n; ++i)
    jobs.push_back(
        {beast::http::verb::post, "/api/users", json{{"display_name", "bench " + std::to_string(i)}}.dump(), ""});
  auto results = run_http_jobs(port, jobs, 16);
  for (auto& [status, body] : results) {
    if (status != 201) throw std::runtime_error("POST /api/users answered " + std::to_string(status));
    users_.push_back({body.at("id").get<std::string>(), body.at("token").get<std::string>()});
  }
  std::printf("  created %zu users in %.1f s\n", jobs.size(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return first;
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
json sample_json(const ProcSample& s) {
  return json{{"rss_kib", s.rss_kib},
              {"fds", s.fds},
              {"user_s", s.user_s},
              {"sys_s", s.sys_s},
              {"runtime_s", static_cast<double>(s.runtime_ns) / 1e9}};
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
  // One call measures every server, in interleaved rounds; a failure marks each of them.
  if (opt_.scenarios.count("conncost")) {
    std::vector<std::string> kinds;
    for (const char* kind : {"swirl", "peerjs"})
      if (opt_.servers.count(kind)) kinds.push_back(kind);
    try {
      if (!kinds.empty()) {
        json r = conncost(kinds);
        for (auto it = r.begin(); it != r.end(); ++it) {
          if (it.value().contains("errors")) ++failures;
          results["conncost"][it.key()] = it.value();
        }
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "  conncost FAILED: %s\n", e.what());
      for (const auto& kind : kinds) results["conncost"][kind] = {{"errors", e.what()}};
      failures += static_cast<int>(kinds.size());
    }
  }
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
  results["meta"]["loadavg_end"] = read_loadavg();

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

}  // namespace bench
