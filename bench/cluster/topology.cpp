#include "topology.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "../loadgen/workers.hpp"

extern char** environ;

namespace bench::cluster {

namespace {
constexpr auto kNginxStartTimeout = std::chrono::seconds(10);
constexpr auto kNginxStopGrace = std::chrono::seconds(5);  // SIGTERM (fast shutdown), then SIGKILL of the group

std::vector<pid_t>& nginx_groups() {
  static std::vector<pid_t> groups;
  return groups;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// For error messages: whatever the file holds, "" when it cannot be read.
std::string read_if_any(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// `from` must occur exactly once: otherwise the template changed shape and the benchmark says so.
void replace_once(std::string& text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  if (at == std::string::npos || text.find(from, at + 1) != std::string::npos)
    throw std::runtime_error("docker/nginx/swirl-cluster.conf: expected exactly one \"" + from + "\"");
  text.replace(at, from.size(), to);
}

bool accepts(std::uint16_t port) {
  // servers.hpp's start_process polls the same way; a tiny connect here keeps nginx's start
  // separate (its own process group, its own user).
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

pid_t parent_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(in, line);
  auto close = line.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos) return -1;
  std::istringstream rest(line.substr(close + 2));
  char state = 0;
  pid_t ppid = -1;
  rest >> state >> ppid;
  return ppid;
}
}  // namespace

std::string cluster_site_from_template(const std::string& template_text, std::uint16_t listen_port,
                                       const std::vector<std::uint16_t>& node_ports) {
  std::string site = template_text;
  replace_once(site,
               "server {\n    listen 80;\n    listen [::]:80;\n    server_name swirl.example.org;\n"
               "    return 301 https://$host$request_uri;\n}\n",
               "");
  replace_once(site, "listen 443 ssl http2;", "listen 127.0.0.1:" + std::to_string(listen_port) + ";");
  replace_once(site, "listen [::]:443 ssl http2;", "");
  for (std::size_t i = 0; i < node_ports.size(); ++i)
    replace_once(site, "server swirl-" + std::to_string(i + 1) + ":8080 ",
                 "server 127.0.0.1:" + std::to_string(node_ports[i]) + " ");
  if (site.find("server swirl-") != std::string::npos)
    throw std::runtime_error("docker/nginx/swirl-cluster.conf names more nodes than the benchmark starts");
  // TLS lines go (the certificate, protocols, ciphers, session cache): plain HTTP on both sides.
  std::istringstream in(site);
  std::string out, line;
  std::size_t dropped = 0;
  while (std::getline(in, line)) {
    auto first = line.find_first_not_of(' ');
    if (first != std::string::npos && line.compare(first, 4, "ssl_") == 0) {
      ++dropped;
      continue;
    }
    out += line + '\n';
  }
  if (dropped == 0) throw std::runtime_error("docker/nginx/swirl-cluster.conf: no ssl_ lines found to drop");
  return out;
}

Topology::Topology(const NodeOptions& opt, int nodes, const std::string& nginx_template) : opt_(opt) {
  try {
    for (int i = 1; i <= nodes; ++i) {
      auto port = free_port();
      std::string id = (nodes == 1 ? "direct-" : "node-") + std::to_string(i);
      // The load generator's flags (bench/loadgen/main.cpp): every simulated client comes from
      // 127.0.0.1, so the per-address abuse limits are off; plus multi-node mode on PostgreSQL.
      std::vector<std::string> argv = {opt.binary,
                                       "--listen=127.0.0.1",
                                       "--port=" + std::to_string(port),
                                       "--database=" + opt.database,
                                       "--cluster=true",
                                       "--node-id=" + id,
                                       "--log-level=warn",
                                       "--ws-rate=100000",
                                       "--ws-burst=100000",
                                       "--resume-grace-ms=1000",
                                       "--no-media-timeout-ms=0",  // the bench carries no media (as the loadgen)
                                       "--web-root=" + opt.work_dir + "/no-web",
                                       "--db-max-pending=100000",
                                       "--rate-http=0",
                                       "--rate-users-per-minute=0",
                                       "--rate-lobbies-per-minute=0",
                                       "--ws-max-per-address=0",
                                       "--ws-max-connections=0"};
      // Nodes start one after the other: the first one applies the migrations.
      nodes_.push_back(start_process(id, argv, port, opt.work_dir + "/" + id + ".log"));
    }
    if (nodes == 1) {
      port_ = nodes_[0].port;
    } else {
      start_nginx(nginx_template);
    }
  } catch (...) {
    stop();
    throw;
  }
}

Topology::~Topology() { stop(); }

void Topology::start_nginx(const std::string& nginx_template) {
  nginx_dir_ = opt_.work_dir + "/nginx";
  std::filesystem::remove_all(nginx_dir_);
  std::filesystem::create_directories(nginx_dir_);
  port_ = free_port();
  std::vector<std::uint16_t> node_ports;
  for (const auto& n : nodes_) node_ports.push_back(n.port);
  std::ofstream(nginx_dir_ + "/swirl.conf") << cluster_site_from_template(read_text(nginx_template), port_, node_ports);
  // What Debian's /etc/nginx/nginx.conf provides around conf.d/ (one worker per core, access
  // log on), with every path in our directory. 10,000 WebSockets through nginx are 20,000
  // connections (client and upstream), spread over the workers: each may hold all of them.
  const std::string& d = nginx_dir_;
  std::ofstream(d + "/nginx.conf") << "daemon off;\npid " << d << "/nginx.pid;\nworker_processes auto;\n"
                                   << "worker_rlimit_nofile 20000;\nevents { worker_connections 19000; }\n"
                                   << "http {\n  access_log " << d << "/access.log;\n  client_body_temp_path " << d
                                   << "/body;\n  proxy_temp_path " << d << "/proxy;\n  fastcgi_temp_path " << d
                                   << "/fastcgi;\n  uwsgi_temp_path " << d << "/uwsgi;\n  scgi_temp_path " << d
                                   << "/scgi;\n  include " << d << "/swirl.conf;\n}\n";
  std::vector<std::string> argv;
  if (::geteuid() == 0) {
    // As root, nginx runs as the unprivileged user nobody (as tests/support/nginx_proxy.cpp does).
    const passwd* nobody = ::getpwnam("nobody");
    if (!nobody) throw std::runtime_error("no user 'nobody' to run nginx as");
    for (const auto& e : std::filesystem::recursive_directory_iterator(d))
      if (::chown(e.path().c_str(), nobody->pw_uid, nobody->pw_gid) != 0) throw std::runtime_error("chown failed");
    if (::chown(d.c_str(), nobody->pw_uid, nobody->pw_gid) != 0) throw std::runtime_error("chown failed");
    argv = {"setpriv", "--reuid=" + std::to_string(nobody->pw_uid), "--regid=" + std::to_string(nobody->pw_gid),
            "--clear-groups"};
  }
  for (const std::string& a :
       std::vector<std::string>{"/usr/sbin/nginx", "-p", d, "-c", d + "/nginx.conf", "-e", d + "/error.log"})
    argv.push_back(a);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, (opt_.work_dir + "/nginx.out").c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);  // its own group: master and workers go together
  posix_spawnattr_setpgroup(&attr, 0);
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  int rc = posix_spawnp(&nginx_pid_, args[0], &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    nginx_pid_ = -1;
    throw std::runtime_error("could not start nginx");
  }
  nginx_groups().push_back(nginx_pid_);
  auto deadline = std::chrono::steady_clock::now() + kNginxStartTimeout;
  while (!accepts(port_)) {
    if (::waitpid(nginx_pid_, nullptr, WNOHANG) == nginx_pid_) {
      std::erase(nginx_groups(), nginx_pid_);
      nginx_pid_ = -1;
      throw std::runtime_error("nginx exited at start: " + read_if_any(d + "/error.log") +
                               read_if_any(opt_.work_dir + "/nginx.out"));
    }
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("nginx did not listen within 10 s: " + read_if_any(d + "/error.log") +
                               read_if_any(opt_.work_dir + "/nginx.out"));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::vector<pid_t> Topology::nginx_workers() const {
  std::vector<pid_t> out;
  if (nginx_pid_ <= 0) return out;
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    const auto name = e.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) continue;
    pid_t pid = std::stoi(name);
    if (parent_of(pid) == nginx_pid_) out.push_back(pid);
  }
  return out;
}

Topology::Sample Topology::sample() const {
  Sample s;
  for (const auto& n : nodes_) s.nodes.push_back(sample_proc(n.pid));
  if (nginx_pid_ > 0) {
    std::vector<pid_t> pids = nginx_workers();
    pids.push_back(nginx_pid_);
    for (pid_t p : pids) {
      auto one = sample_proc(p);
      s.nginx.user_s += one.user_s;
      s.nginx.sys_s += one.sys_s;
      s.nginx.runtime_ns += one.runtime_ns;
      s.nginx.rss_kib += one.rss_kib;
      s.nginx.fds += one.fds;
    }
  }
  return s;
}

void Topology::stop() {
  if (nginx_pid_ > 0) {
    ::kill(nginx_pid_, SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + kNginxStopGrace;
    while (::waitpid(nginx_pid_, nullptr, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(-nginx_pid_, SIGKILL);
        ::waitpid(nginx_pid_, nullptr, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::erase(nginx_groups(), nginx_pid_);
    nginx_pid_ = -1;
  }
  // SIGTERM drains each node (its leases released), SIGKILL after the grace period.
  for (auto& n : nodes_) stop_process(n);
  nodes_.clear();
}

CpuSplit cpu_between(const Topology::Sample& before, const Topology::Sample& after) {
  CpuSplit c;
  for (std::size_t i = 0; i < before.nodes.size() && i < after.nodes.size(); ++i)
    c.nodes_s += bench::cpu_between(before.nodes[i], after.nodes[i]).total_us / 1e6;
  c.nginx_s = static_cast<double>(after.nginx.runtime_ns - before.nginx.runtime_ns) / 1e9;
  return c;
}

void kill_nginx_groups() {
  for (pid_t g : nginx_groups()) ::kill(-g, SIGKILL);
  for (pid_t g : nginx_groups()) ::waitpid(g, nullptr, 0);
  nginx_groups().clear();
}

}  // namespace bench::cluster
