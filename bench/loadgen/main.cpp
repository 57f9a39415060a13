// swirl_loadgen: Swirl's benchmark suite, side by side with the PeerJS server.
//
//   swirl_loadgen run --swirl-server BIN --peerjs-dir DIR --matcher BIN --out FILE.json [--smoke]
//                     [--io-threads N] [--scenarios idle,relay,storm,churn,conncost,matcher,fanout]
//                     [--soak-seconds S]    (flood and soak run only when --scenarios names them;
//                                           --smoke adds a tiny flood)
//                     [--conncost-rounds N] (connection cost: measured rounds per server, default 5,
//                                           smoke 1)
//   swirl_loadgen serve-bare --port N        (the bare relay, started by `run` itself)
//   swirl_loadgen serve-uring --port N       (the same relay on io_uring, likewise)
//   swirl_loadgen report RESULTS.json DOCS_DIR NOTES.md
//
// `run` starts each server as a child process, drives it from forked worker processes
// (a process may hold at most 20,000 open files here), measures the server from outside
// through /proc/PID, and writes every figure to the JSON file (bench.hpp). report.cpp turns that
// file into the table and docs/benchmarks.md. This file is the command line only.

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "bare_relay.hpp"
#include "bench.hpp"
#include "report.hpp"
#include "uring_relay.hpp"

using namespace bench;

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
        "           [--relay-rates 2000,5000] [--relay-seconds S] [--soak-seconds S] [--conncost-rounds N] [--smoke]\n"
        "       %s serve-bare|serve-uring --port "
        "N\n"
        "       %s report RESULTS.json DOCS_DIR NOTES.md\n",
        argv[0], argv[0], argv[0]);
    return 2;
  }
  Options o;
  bool scenarios_given = false;
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
      scenarios_given = true;
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
    } else if (a == "--conncost-rounds") {
      int n = std::stoi(next());
      if (n < 1) {
        std::fprintf(stderr, "--conncost-rounds needs at least 1\n");
        return 2;
      }
      o.conncost_rounds = static_cast<std::size_t>(n);
    } else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return 2;
    }
  }
  // The smoke also runs the flood scenario (tiny), so that it keeps working; the soak stays out:
  // its verdict (memory back to the baseline) means nothing at smoke size.
  if (o.smoke && !scenarios_given) o.scenarios.insert("flood");
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
