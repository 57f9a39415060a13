#pragma once
// The two set-ups the scale-out benchmark compares (docs/scaling.md): one swirl-server node in
// multi-node mode reached directly, and three nodes behind Debian's nginx configured from
// docker/nginx/swirl-cluster.conf. Every process listens on 127.0.0.1 on a random port, is a
// child of the benchmark (tracked: killed if the benchmark dies) and is stopped by PID.

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "../loadgen/proc_stats.hpp"
#include "../loadgen/servers.hpp"

namespace bench::cluster {

struct NodeOptions {
  std::string binary;    // swirl-server
  std::string database;  // postgres://... shared by every node of one set-up
  std::string work_dir;  // logs and the nginx directory go here
};

// The nginx site generated from the committed cluster template: the lobby-id hash, passive
// checks, proxy settings and limits as committed; only what a loopback benchmark cannot use is
// changed (the port-80 redirect server and TLS go: the nodes are measured in plain HTTP on
// both sides, so the difference is the proxy hop, not TLS; listens and node names become
// loopback ports). Throws when the template no longer has the shape this expects.
std::string cluster_site_from_template(const std::string& template_text, std::uint16_t listen_port,
                                       const std::vector<std::uint16_t>& node_ports);

// A running set-up: `port` is where the clients connect (the node, or nginx).
class Topology {
 public:
  // nodes == 1: one node, direct. nodes > 1: that many nodes behind nginx.
  Topology(const NodeOptions& opt, int nodes, const std::string& nginx_template);
  ~Topology();
  Topology(const Topology&) = delete;
  Topology& operator=(const Topology&) = delete;

  std::uint16_t port() const { return port_; }
  const std::vector<ServerProcess>& nodes() const { return nodes_; }
  bool proxied() const { return nginx_pid_ > 0; }
  // Every process serving the clients (nodes, and nginx's master and workers), sampled now.
  struct Sample {
    std::vector<ProcSample> nodes;
    ProcSample nginx;  // the master and its workers summed (zero without nginx)
  };
  Sample sample() const;
  void stop();  // every process ended; safe to call twice

 private:
  void start_nginx(const std::string& nginx_template);
  std::vector<pid_t> nginx_workers() const;

  NodeOptions opt_;
  std::vector<ServerProcess> nodes_;
  pid_t nginx_pid_ = -1;  // also its process group
  std::string nginx_dir_;
  std::uint16_t port_ = 0;
};

struct CpuSplit {
  double nodes_s = 0;
  double nginx_s = 0;
  double total() const { return nodes_s + nginx_s; }
};
CpuSplit cpu_between(const Topology::Sample& before, const Topology::Sample& after);

// nginx's process group, killed on any way out of the benchmark (atexit and signals).
void kill_nginx_groups();

}  // namespace bench::cluster
