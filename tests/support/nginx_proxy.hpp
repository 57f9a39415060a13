#pragma once
// Debian's nginx as a reverse proxy in front of a test server, configured from the committed
// docker/nginx/swirl.conf with only its ports and paths substituted (and its IPv6 listens
// dropped: a test machine may have no IPv6). It runs in the foreground as a child of the test,
// as the unprivileged user nobody when the test runs as root, on loopback ports chosen at
// random, and is stopped (SIGTERM, then SIGKILL of its process group) when the object goes.

#include <sys/types.h>
#include <string>
#include <utility>
#include <vector>

#include "support/tls_tunnel.hpp"

namespace swirl::test {

class NginxProxy {
 public:
  // Throws std::runtime_error (with nginx's error log) if nginx does not come up in 10 s.
  NginxProxy(unsigned short swirl_port, const TestCertificate& cert);
  // docker/nginx/swirl-cluster.conf in front of nodes (its swirl-1, swirl-2, ... in order).
  NginxProxy(const std::vector<unsigned short>& node_ports, const TestCertificate& cert);
  ~NginxProxy();
  NginxProxy(const NginxProxy&) = delete;
  NginxProxy& operator=(const NginxProxy&) = delete;

  unsigned short http_port() const { return http_port_; }    // answers with a redirect to https
  unsigned short https_port() const { return https_port_; }  // TLS, proxies to Swirl
  std::string error_log() const;
  const std::string& config() const { return config_; }  // the generated swirl.conf

 private:
  NginxProxy(const std::string& file, const std::vector<std::pair<std::string, std::string>>& upstreams,
             const TestCertificate& cert);
  void stop();  // nginx ended and the directory removed; safe to call twice

  std::string dir_;
  std::string config_;
  unsigned short http_port_ = 0;
  unsigned short https_port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace swirl::test
