// swirl_cluster_bench: the cost of the scale-out hop (issue 18, docs/scaling.md). In one run,
// with the same load-generator parameters for both:
//   direct  one swirl-server node in multi-node mode (--cluster, PostgreSQL), clients connect to it;
//   nginx   three such nodes behind Debian's nginx (docker/nginx/swirl-cluster.conf), clients
//           connect to nginx, which hashes every lobby to one node.
// Each gets the load generator's relay (matched pairs in one lobby signalling at fixed offered
// rates: latency and serving CPU per message) and join storm (everyone joins and gets ready at
// once: time until the last match). bench/cluster/run.sh starts the PostgreSQL and runs this.
//
//   swirl_cluster_bench --swirl-server BIN --database-direct URL --database-cluster URL
//                       --nginx-template docker/nginx/swirl-cluster.conf --work-dir DIR --out FILE.json
//                       [--smoke] [--storm-users N] [--storm-lobbies N] [--relay-pairs N]
//                       [--relay-rates 2000,5000] [--relay-seconds S]

#include <signal.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "../loadgen/scenarios.hpp"
#include "topology.hpp"

using namespace bench;
using namespace bench::cluster;
using namespace std::chrono_literals;

namespace {

struct Options {
  std::string swirl_server, db_direct, db_cluster, nginx_template, work_dir = "/tmp/swirl-cluster-bench", out;
  bool smoke = false;
  // The load generator's full sizes (bench/loadgen/main.cpp), except the relay's top rate: on
  // 2 cores, 20,000 messages/s through nginx leaves no CPU for the three nodes.
  std::size_t storm_users = 10000, storm_lobbies = 100, relay_pairs = 500;
  std::vector<double> relay_rates{2000, 5000, 10000};
  double relay_seconds = 5;
  void make_smoke() {
    smoke = true;
    storm_users = 100;
    storm_lobbies = 2;
    relay_pairs = 10;
    relay_rates = {400};
    relay_seconds = 1;
  }
};

struct User {
  std::string id, token;
};

std::string read_loadavg() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

ConnSpec spec_for(const std::string& lobby, const User& u) {
  return {"/api/lobbies/" + lobby + "/ws", "swirl.v1, swirl.token." + u.token, u.id};
}

std::vector<User> create_users(std::uint16_t port, std::size_t n) {
  auto t0 = std::chrono::steady_clock::now();
  std::vector<HttpJob> jobs;
  for (std::size_t i = 0; i < n; ++i)
    jobs.push_back(
        {beast::http::verb::post, "/api/users", json{{"display_name", "bench " + std::to_string(i)}}.dump(), ""});
  std::vector<User> users;
  for (auto& [status, body] : run_http_jobs(port, jobs, 16)) {
    if (status != 201) throw std::runtime_error("POST /api/users answered " + std::to_string(status));
    users.push_back({body.at("id").get<std::string>(), body.at("token").get<std::string>()});
  }
  std::printf("  created %zu users in %.1f s\n", n,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return users;
}

std::vector<std::string> create_lobbies(std::uint16_t port, std::size_t n, const User& owner) {
  std::vector<HttpJob> jobs;
  const json settings = {{"max_members", 10000}, {"group_size", 2}};
  for (std::size_t i = 0; i < n; ++i)
    jobs.push_back({beast::http::verb::post, "/api/lobbies",
                    json{{"name", "bench " + std::to_string(i)}, {"settings", settings}}.dump(), owner.token});
  std::vector<std::string> ids;
  for (auto& [status, body] : run_http_jobs(port, jobs, 8)) {
    if (status != 201)
      throw std::runtime_error("POST /api/lobbies answered " + std::to_string(status) + ": " + body.dump());
    ids.push_back(body.at("id").get<std::string>());
  }
  return ids;
}

// One gauge from a node's /metrics (text format, so not through run_http_jobs' JSON).
double node_gauge(std::uint16_t port, const std::string& name) {
  asio::io_context io;
  beast::tcp_stream s(io);
  s.expires_after(5s);
  s.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port));
  beast::http::request<beast::http::empty_body> req{beast::http::verb::get, "/metrics", 11};
  req.set(beast::http::field::host, "127.0.0.1");
  beast::http::write(s, req);
  beast::flat_buffer buf;
  beast::http::response<beast::http::string_body> res;
  beast::http::read(s, buf, res);
  const std::string& text = res.body();
  auto at = text.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + name.size() + 2));
}

// Guards the workers so they stop on every path out of a scenario.
struct Workers {
  std::vector<Worker> list;
  ~Workers() { stop_workers(list); }
};

json relay(const Options& opt, Topology& t, const std::vector<User>& users) {
  auto lobby = create_lobbies(t.port(), 1, users.at(0)).at(0);
  json specs = json::array();
  for (std::size_t i = 0; i < 2 * opt.relay_pairs; ++i) specs.push_back(spec_for(lobby, users.at(i)));
  Workers w;
  // The worker's own CPU figure is for one process; the serving side here is several, sampled
  // below around the same window (after the warm-up and its drain, until the report).
  w.list.push_back(fork_worker(relay_worker, {{"port", t.port()},
                                              {"target", "swirl"},
                                              {"specs", specs},
                                              {"server_pid", t.nodes().at(0).pid},
                                              {"sample_split", false},
                                              {"work_dir", opt.work_dir}}));
  auto ready = wait_report(w.list[0], 120s);
  json out = {{"pairs", ready["pairs"]}, {"rates", json::array()}};
  if (ready["pairs"].get<std::size_t>() != opt.relay_pairs) out["errors"] = "not every pair was matched";
  const double warmup = opt.smoke ? 0.2 : 1.0;
  for (double rate : opt.relay_rates) {
    send_command(w.list[0], {{"cmd", "rate"}, {"rate", rate}, {"seconds", opt.relay_seconds}, {"warmup_s", warmup}});
    std::this_thread::sleep_for(std::chrono::duration<double>(warmup + 0.2));
    auto before = t.sample();
    auto rep = wait_report(w.list[0], std::chrono::seconds(static_cast<int>(opt.relay_seconds * 4 + 20)));
    auto cpu = cluster::cpu_between(before, t.sample());
    double n = std::max(1.0, rep["received"].get<double>());
    json row = {{"rate", rate},
                {"sent", rep["sent"]},
                {"received", rep["received"]},
                {"delivered", rep["delivered"]},
                {"latency", rep["latency"]},
                {"generator_max_lag_ms", rep["generator_max_lag_ms"]},
                {"cpu_us_per_msg", cpu.total() * 1e6 / n},
                {"nodes_cpu_us_per_msg", cpu.nodes_s * 1e6 / n},
                {"nginx_cpu_us_per_msg", cpu.nginx_s * 1e6 / n}};
    std::printf(
        "  relay %6.0f/s: delivered %.4f, p50 %.3f p99 %.3f max %.3f ms, CPU %.1f us/msg (nodes %.1f, nginx %.1f)\n",
        rate, rep["delivered"].get<double>(), rep["latency"].value("p50_ms", 0.0), rep["latency"].value("p99_ms", 0.0),
        rep["latency"].value("max_ms", 0.0), row["cpu_us_per_msg"].get<double>(),
        row["nodes_cpu_us_per_msg"].get<double>(), row["nginx_cpu_us_per_msg"].get<double>());
    if (rep["received"] != rep["sent"]) out["errors"] = "a relayed message was lost";
    out["rates"].push_back(row);
  }
  send_command(w.list[0], {{"cmd", "stop"}});
  return out;
}

json storm(const Options& opt, Topology& t, const std::vector<User>& users) {
  auto lobbies = create_lobbies(t.port(), opt.storm_lobbies, users.at(0));
  const std::size_t per_lobby = opt.storm_users / opt.storm_lobbies, n_workers = 2;
  std::vector<json> specs(n_workers, json::array());
  // The storm's users come after the relay's.
  for (std::size_t i = 0; i < opt.storm_users; ++i) {
    std::size_t lobby = i / per_lobby;
    specs[lobby * n_workers / opt.storm_lobbies].push_back(spec_for(lobbies[lobby], users.at(2 * opt.relay_pairs + i)));
  }
  Workers w;
  for (auto& s : specs) w.list.push_back(fork_worker(storm_worker, {{"port", t.port()}, {"specs", s}}));
  wait_all(w.list, 60s);
  auto before = t.sample();
  send_all(w.list, {{"cmd", "go"}});
  auto reports = wait_all(w.list, 180s);
  auto cpu = cluster::cpu_between(before, t.sample());
  std::int64_t t0 = INT64_MAX, last = 0, last_join = 0;
  std::size_t matched = 0, failed = 0, joined = 0;
  double p50 = 0, p99 = 0;
  for (auto& rep : reports) {
    t0 = std::min(t0, rep["t0_ns"].get<std::int64_t>());
    last = std::max(last, rep["last_match_ns"].get<std::int64_t>());
    last_join = std::max(last_join, rep["last_join_ns"].get<std::int64_t>());
    matched += rep["matched"].get<std::size_t>();
    joined += rep["joined"].get<std::size_t>();
    failed += rep["failed"].get<std::size_t>();
    p50 = std::max(p50, rep["connect_to_match"].value("p50_ms", 0.0));
    p99 = std::max(p99, rep["connect_to_match"].value("p99_ms", 0.0));
  }
  double all_matched = static_cast<double>(last - t0) / 1e9;
  json per_node = json::array();
  for (const auto& n : t.nodes()) per_node.push_back(node_gauge(n.port, "swirl_lobbies_live"));
  json out = {{"users", opt.storm_users},
              {"lobbies", opt.storm_lobbies},
              {"joined", joined},
              {"matched", matched},
              {"failed", failed},
              {"all_matched_s", all_matched},
              {"all_joined_s", static_cast<double>(last_join - t0) / 1e9},
              {"users_matched_per_s", static_cast<double>(matched) / std::max(all_matched, 1e-9)},
              {"connect_to_match_p50_ms", p50},
              {"connect_to_match_p99_ms", p99},
              {"cpu_s", cpu.total()},
              {"nodes_cpu_s", cpu.nodes_s},
              {"nginx_cpu_s", cpu.nginx_s},
              {"live_lobbies_per_node", per_node}};
  if (matched != opt.storm_users) out["errors"] = "not every user got a match";
  std::printf(
      "  storm %zu users / %zu lobbies: all matched in %.2f s (%.0f users/s), connect-to-match p99 %.0f ms, CPU %.2f "
      "s (nodes %.2f, nginx %.2f), live lobbies per node %s, failed %zu\n",
      opt.storm_users, opt.storm_lobbies, all_matched, out["users_matched_per_s"].get<double>(), p99, cpu.total(),
      cpu.nodes_s, cpu.nginx_s, per_node.dump().c_str(), failed);
  send_all(w.list, {{"cmd", "stop"}});
  return out;
}

json run_setup(const Options& opt, const std::string& name, int nodes, const std::string& database) {
  std::printf("== %s: %d node%s%s\n", name.c_str(), nodes, nodes > 1 ? "s" : "",
              nodes > 1 ? " behind nginx" : ", direct");
  Topology t({opt.swirl_server, database, opt.work_dir}, nodes, opt.nginx_template);
  auto users = create_users(t.port(), 2 * opt.relay_pairs + opt.storm_users);
  json out = {{"nodes", nodes}, {"through_nginx", t.proxied()}, {"loadavg_before", read_loadavg()}};
  out["relay"] = relay(opt, t, users);
  out["storm"] = storm(opt, t, users);
  out["loadavg_after"] = read_loadavg();
  t.stop();
  return out;
}

// The two set-ups side by side: nginx's figure over direct's.
void print_summary(const json& r) {
  const auto& d = r["direct"];
  const auto& c = r["nginx"];
  auto ratio = [](double a, double b) { return b > 0 ? a / b : 0.0; };
  std::printf("\n%-34s %12s %12s %8s\n", "", "direct (1)", "nginx (3)", "ratio");
  auto row = [&](const std::string& what, double a, double b) {
    std::printf("%-34s %12.3f %12.3f %8.2f\n", what.c_str(), a, b, ratio(b, a));
  };
  row("storm: all matched (s)", d["storm"]["all_matched_s"].get<double>(), c["storm"]["all_matched_s"].get<double>());
  row("storm: users matched per s", d["storm"]["users_matched_per_s"].get<double>(),
      c["storm"]["users_matched_per_s"].get<double>());
  row("storm: connect-to-match p99 (ms)", d["storm"]["connect_to_match_p99_ms"].get<double>(),
      c["storm"]["connect_to_match_p99_ms"].get<double>());
  row("storm: serving CPU (s)", d["storm"]["cpu_s"].get<double>(), c["storm"]["cpu_s"].get<double>());
  for (std::size_t i = 0; i < d["relay"]["rates"].size() && i < c["relay"]["rates"].size(); ++i) {
    const auto& a = d["relay"]["rates"][i];
    const auto& b = c["relay"]["rates"][i];
    auto tag = "relay " + std::to_string(static_cast<int>(a["rate"].get<double>())) + "/s: ";
    row(tag + "p50 (ms)", a["latency"].value("p50_ms", 0.0), b["latency"].value("p50_ms", 0.0));
    row(tag + "p99 (ms)", a["latency"].value("p99_ms", 0.0), b["latency"].value("p99_ms", 0.0));
    row(tag + "CPU (us/msg)", a["cpu_us_per_msg"].get<double>(), b["cpu_us_per_msg"].get<double>());
  }
}

int run(const Options& opt) {
  std::filesystem::create_directories(opt.work_dir);
  std::time_t now = std::time(nullptr);
  char date[64];
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
  utsname u{};
  uname(&u);
  json results = {{"meta",
                   {{"date", date},
                    {"smoke", opt.smoke},
                    {"cores", sysconf(_SC_NPROCESSORS_ONLN)},
                    {"cpu", cpu_model()},
                    {"kernel", std::string(u.sysname) + " " + u.release},
                    {"loadavg_start", read_loadavg()},
                    {"storm_users", opt.storm_users},
                    {"storm_lobbies", opt.storm_lobbies},
                    {"relay_pairs", opt.relay_pairs},
                    {"relay_seconds", opt.relay_seconds}}}};
  int failures = 0;
  for (auto [name, nodes, db] : {std::tuple{"direct", 1, opt.db_direct}, std::tuple{"nginx", 3, opt.db_cluster}}) {
    try {
      results[name] = run_setup(opt, name, nodes, db);
      if (results[name]["relay"].contains("errors") || results[name]["storm"].contains("errors")) ++failures;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "  %s FAILED: %s\n", name, e.what());
      results[name] = {{"errors", e.what()}};
      ++failures;
    }
  }
  results["meta"]["loadavg_end"] = read_loadavg();
  if (!opt.out.empty()) std::ofstream(opt.out) << results.dump(2) << '\n';
  if (!results["direct"].contains("errors") && !results["nginx"].contains("errors")) print_summary(results);
  std::printf("\nload average: start %s, end %s\n", results["meta"]["loadavg_start"].get<std::string>().c_str(),
              results["meta"]["loadavg_end"].get<std::string>().c_str());
  if (failures) std::fprintf(stderr, "%d set-up(s) broke\n", failures);
  return failures ? 1 : 0;
}

std::vector<double> parse_list(const std::string& text) {
  std::vector<double> out;
  std::stringstream ss(text);
  for (std::string s; std::getline(ss, s, ',');) out.push_back(std::stod(s));
  if (out.empty()) throw std::runtime_error("an empty list");
  return out;
}

void on_fatal_signal(int s) {
  kill_nginx_groups();
  kill_tracked_children();
  _exit(128 + s);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  bool smoke = false;
  try {
    for (int i = 1; i < argc; ++i) {
      std::string a = argv[i];
      auto next = [&]() -> std::string {
        if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
        return argv[++i];
      };
      auto count = [&]() {
        auto v = std::stoul(next());
        if (v == 0 || v > 20000) throw std::runtime_error(a + " must be 1..20000");
        return static_cast<std::size_t>(v);
      };
      if (a == "--swirl-server")
        o.swirl_server = next();
      else if (a == "--database-direct")
        o.db_direct = next();
      else if (a == "--database-cluster")
        o.db_cluster = next();
      else if (a == "--nginx-template")
        o.nginx_template = next();
      else if (a == "--work-dir")
        o.work_dir = next();
      else if (a == "--out")
        o.out = next();
      else if (a == "--smoke")
        smoke = true;
      else if (a == "--storm-users")
        o.storm_users = count();
      else if (a == "--storm-lobbies")
        o.storm_lobbies = count();
      else if (a == "--relay-pairs")
        o.relay_pairs = count();
      else if (a == "--relay-rates")
        o.relay_rates = parse_list(next());
      else if (a == "--relay-seconds")
        o.relay_seconds = std::stod(next());
      else
        throw std::runtime_error("unknown option " + a);
    }
    if (smoke) o.make_smoke();
    if (o.swirl_server.empty() || o.db_direct.empty() || o.db_cluster.empty() || o.nginx_template.empty())
      throw std::runtime_error(
          "--swirl-server, --database-direct, --database-cluster and --nginx-template are required");
    if (o.storm_users % o.storm_lobbies != 0 || (o.storm_users / o.storm_lobbies) % 2 != 0)
      throw std::runtime_error("--storm-users must be an even number of users per lobby (--storm-lobbies)");
    if (o.relay_seconds <= 0 || o.relay_seconds > 60) throw std::runtime_error("--relay-seconds must be in (0, 60]");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "swirl_cluster_bench: %s\n(see the usage at the top of bench/cluster/main.cpp)\n", e.what());
    return 2;
  }
  std::atexit([] {
    kill_nginx_groups();
    kill_tracked_children();
  });
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) signal(sig, on_fatal_signal);
  signal(SIGPIPE, SIG_IGN);
  try {
    return run(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cluster bench failed: %s\n", e.what());
    return 1;
  }
}
